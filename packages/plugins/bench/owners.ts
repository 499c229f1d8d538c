// Where the approve plugin reads OWNERS from: the provider's API (what it does) or a checkout. A synthetic
// repository of 4,000 files (8 KiB each) in 800 directories, 200 of them with OWNERS, and a pull request
// touching 40 files spread over it (the run prints how many directories lie above them). Measured, as
// medians of 5 runs:
// - api, cold: one approve decision through the real GitHub client against the local fake provider,
//   nothing cached: the requests it sends and its time (here the provider answers in well under a
//   millisecond; over the internet each round of 8 reads at once costs a round trip);
// - api, warm: the same decision again at the same base commit (files at a commit are cached);
// - git, shallow: `git clone --depth 1` of the same tree from a local bare repository (no network here);
// - git, sparse: `git clone --depth 1 --filter=blob:none --sparse` reading only OWNERS files.
// Run: pnpm bench (in this package).
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { parseConfig, repoConfig } from '@lighthouse-ts/config';
import { githubApi } from '@lighthouse-ts/scm';
import { defaultPullRequest, startProviderServer } from '@lighthouse-ts/scm/testing';
import { approve } from '../src/approve/approve.ts';
import { factsFromProvider } from '../src/trigger/provider-facts.ts';

const run = promisify(execFile);
const runs = 5;
const directories = Array.from({ length: 800 }, (_, i) => `pkg${i % 40}/mod${Math.floor(i / 40)}`);
const files = directories.flatMap((dir) => Array.from({ length: 5 }, (_, j) => `${dir}/file${j}.go`));
const ownersDirs = directories.filter((_, i) => i % 4 === 0);
const changed = Array.from({ length: 40 }, (_, i) => files[(i * 97) % files.length] as string);
// Each file different, as a real repository's are: git stores equal files once.
const blobOf = () => randomBytes(4 * 1024).toString('hex');

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? 0;
const ms = (value: number) => `${value.toFixed(1)} ms`;

async function timed(work: () => Promise<void>): Promise<number> {
  const start = performance.now();
  await work();
  return performance.now() - start;
}

async function api(): Promise<{ cold: number; warm: number; requests: number }> {
  const server = await startProviderServer();
  const repo = 'github/acme/monorepo';
  for (const dir of ownersDirs)
    server.setFile(repo, defaultPullRequest.baseSha, `${dir}/OWNERS`, 'approvers: [ann]\n');
  server.setFile(repo, defaultPullRequest.baseSha, 'OWNERS', 'approvers: [root]\n');
  server.changedFiles.set(`${repo}#1`, changed);
  const config = parseConfig(
    { configPath: 'config.yaml', pluginsPath: 'plugins.yaml' },
    { config: '{}\n', plugins: 'plugins:\n  acme/monorepo: [approve]\n' },
  );
  const event = {
    type: 'pull_request' as const,
    provider: 'github' as const,
    deliveryId: 'bench',
    action: 'opened' as const,
    repo: { owner: 'acme', name: 'monorepo', cloneUrl: '', link: '' },
    number: 1,
    title: 'bench',
    author: { id: '1', login: 'pr-author' },
    draft: false,
    base: { ref: 'main', sha: defaultPullRequest.baseSha },
    head: { ref: 'feature', sha: defaultPullRequest.headSha },
    labels: [],
    merged: false,
  };
  const client = githubApi({ baseUrl: server.baseUrl.github, token: 'bench' });
  const decide = () =>
    approve(event, { repo: repoConfig(config, 'acme', 'monorepo'), facts: factsFromProvider(client) });
  const cold = await timed(async () => void (await decide()));
  const requests = server.reads.length;
  const warm = await timed(async () => void (await decide()));
  await server.close();
  return { cold, warm, requests };
}

async function gitRepository(): Promise<{ dir: string; url: string }> {
  const dir = await mkdtemp(join(tmpdir(), 'owners-bench-'));
  const work = join(dir, 'work');
  await run('git', ['init', '-q', '-b', 'main', work]);
  // fast-import writes the whole tree in one process.
  const blob = (mark: number, text: string) => ['blob', `mark :${mark}`, `data ${text.length}`, text];
  const lines = [blob(1, 'approvers: [ann]\n'), ...files.map((_, i) => blob(i + 2, blobOf()))].flat();
  lines.push('commit refs/heads/main', 'committer Bench <bench@example.com> 0 +0000', 'data 5', 'bench');
  for (const [i, file] of files.entries()) lines.push(`M 100644 :${i + 2} ${file}`);
  for (const owners of ownersDirs) lines.push(`M 100644 :1 ${owners}/OWNERS`);
  await new Promise<void>((resolve, reject) => {
    const child = execFile('git', ['-C', work, 'fast-import', '--quiet'], (error) =>
      error ? reject(error) : resolve(),
    );
    child.stdin?.end(`${lines.join('\n')}\n`);
  });
  await run('git', ['clone', '-q', '--bare', work, join(dir, 'bare.git')]);
  await run('git', ['-C', join(dir, 'bare.git'), 'config', 'uploadpack.allowFilter', 'true']);
  return { dir, url: `file://${join(dir, 'bare.git')}` };
}

async function clone(url: string, args: string[]): Promise<number> {
  const into = await mkdtemp(join(tmpdir(), 'owners-clone-'));
  const time = await timed(async () => {
    await run('git', ['clone', '-q', '--depth', '1', ...args, url, join(into, 'repo')]);
    if (args.includes('--sparse')) {
      await run('git', [
        '-C',
        join(into, 'repo'),
        'sparse-checkout',
        'set',
        '--no-cone',
        '/OWNERS_ALIASES',
        'OWNERS',
      ]);
    }
  });
  await rm(into, { recursive: true, force: true });
  return time;
}

const results = {
  apiCold: [] as number[],
  apiWarm: [] as number[],
  shallow: [] as number[],
  sparse: [] as number[],
};
let requests = 0;
const git = await gitRepository();
for (let i = 0; i < runs; i++) {
  const measured = await api();
  results.apiCold.push(measured.cold);
  results.apiWarm.push(measured.warm);
  requests = measured.requests;
  results.shallow.push(await clone(git.url, []));
  results.sparse.push(await clone(git.url, ['--filter=blob:none', '--sparse']));
}
await rm(git.dir, { recursive: true, force: true });
const distinct = new Set(
  changed.flatMap((file) =>
    file
      .split('/')
      .slice(0, -1)
      .map((_, i, parts) => parts.slice(0, i + 1).join('/')),
  ),
);
console.log(
  `OWNERS for a pull request of ${changed.length} files in ${distinct.size} directories, ${files.length} files in the repository (medians of ${runs})`,
);
console.log(
  `api, cold   ${ms(median(results.apiCold))}, ${requests} requests (${Math.ceil(requests / 8)} rounds of 8 at once)`,
);
console.log(`api, warm   ${ms(median(results.apiWarm))}`);
console.log(`git shallow ${ms(median(results.shallow))}`);
console.log(`git sparse  ${ms(median(results.sparse))}`);
