// `scripts/dev start` as a newcomer runs it: from a copy of the repository with nothing beside it (no
// ../shared, so no Tekton CRDs), on a cluster of its own. It installs the dependencies, gets ready, starts a
// job when sent the replay command it prints, and stops everything on SIGTERM.
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { access, copyFile, mkdir, mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import { setTimeout as sleep } from 'node:timers/promises';
import { promisify } from 'node:util';
import { LighthouseJob, PipelineRun, standInAnnotation } from '@lighthouse-ts/crds';
import { TestCluster } from '@lighthouse-ts/testenv';
import { refusesConnections } from '@lighthouse-ts/testenv/http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as z from 'zod';

const run = promisify(execFile);
const repository = join(import.meta.dirname, '../..');
/** How long to wait for the start path to print or answer something (a hang guard, not a measure). */
const patienceMs = 120_000;

/** A newcomer's shell: no KUBECONFIG, no test cluster of ours; the binaries' cache and the toolchain kept. */
function newcomerEnv(port: number, uiPort: number): Record<string, string> {
  const kept = [
    'PATH',
    'HOME',
    'TMPDIR',
    'XDG_CACHE_HOME',
    'XDG_DATA_HOME',
    'LIGHTHOUSE_TS_TOOLS',
    'TESTENV_KUBE_APISERVER',
    'TESTENV_ETCD',
    'TESTENV_CACHE_DIR',
    'HTTP_PROXY',
    'HTTPS_PROXY',
    'NO_PROXY',
    'http_proxy',
    'https_proxy',
    'no_proxy',
    'SSL_CERT_FILE',
    'NODE_EXTRA_CA_CERTS',
  ];
  const env: Record<string, string> = { LIGHTHOUSE_PORT: String(port), LIGHTHOUSE_UI_PORT: String(uiPort) };
  for (const name of kept) {
    const value = process.env[name];
    if (value !== undefined) env[name] = value;
  }
  return env;
}

/** The files git tracks or would track, as they are in the working tree, so the test sees local changes. */
async function copyWorkingTree(to: string): Promise<void> {
  const { stdout } = await run('git', ['ls-files', '-z', '--cached', '--others', '--exclude-standard'], {
    cwd: repository,
    maxBuffer: 16 * 1024 * 1024,
  });
  for (const file of stdout.split('\0').filter(Boolean)) {
    const from = join(repository, file);
    // A tracked file deleted in the working tree is not part of it.
    if (!(await exists(from))) continue;
    await mkdir(dirname(join(to, file)), { recursive: true });
    await copyFile(from, join(to, file));
  }
}

function exists(path: string): Promise<boolean> {
  return access(path).then(
    () => true,
    () => false,
  );
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

interface Started {
  child: ChildProcess;
  output(): string;
  /** The first stderr line, so far or to come, that `pattern` matches. */
  line(pattern: RegExp): Promise<RegExpExecArray>;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

function devStart(cwd: string, env: Record<string, string>): Started {
  const child = spawn(join(cwd, 'scripts/dev'), ['start'], { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let text = '';
  const lines: string[] = [];
  const waiters = new Set<() => void>();
  let exitedYet = false;
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('close', (code, signal) => {
      exitedYet = true;
      resolve({ code, signal });
      for (const waiter of waiters) waiter();
    }),
  );
  child.stdout?.setEncoding('utf8').on('data', (chunk: string) => {
    text += chunk;
  });
  createInterface({ input: child.stderr as NodeJS.ReadableStream }).on('line', (line) => {
    text += `${line}\n`;
    lines.push(line);
    for (const waiter of waiters) waiter();
  });
  const line = (pattern: RegExp) =>
    new Promise<RegExpExecArray>((resolve, reject) => {
      const timer = setTimeout(
        () => finish(`printed no line matching ${pattern} in ${patienceMs} ms`),
        patienceMs,
      );
      const check = () => {
        for (const candidate of lines) {
          const match = pattern.exec(candidate);
          if (match) return finish(undefined, match);
        }
        if (exitedYet) finish(`exited before printing a line matching ${pattern}`);
      };
      const finish = (why?: string, match?: RegExpExecArray) => {
        clearTimeout(timer);
        waiters.delete(check);
        if (match) resolve(match);
        else reject(new Error(`scripts/dev start ${why}; its output:\n${text}`));
      };
      waiters.add(check);
      check();
    });
  return { child, output: () => text, line, exited };
}

/** Polls lighthouse's own readiness endpoint until it answers 200, the process exits, or patience runs out. */
async function untilReady(url: string, started: Started): Promise<void> {
  const deadline = Date.now() + patienceMs;
  let exitedYet = false;
  void started.exited.then(() => {
    exitedYet = true;
  });
  for (;;) {
    const status = await fetch(`${url}/readyz`).then(
      (res) => res.status,
      () => undefined,
    );
    if (status === 200) return;
    if (exitedYet || Date.now() > deadline) {
      throw new Error(
        `lighthouse never answered /readyz with 200 (last: ${status}); output:\n${started.output()}`,
      );
    }
    await sleep(200);
  }
}

describe('scripts/dev start from a bare clone', () => {
  let parent: string;
  let clone: string;
  let env: Record<string, string>;
  let started: Started | undefined;

  beforeAll(async () => {
    parent = await mkdtemp(join(tmpdir(), 'lighthouse-bare-clone-'));
    clone = join(parent, 'lighthouse-ts');
    await copyWorkingTree(clone);
    env = newcomerEnv(await freePort(), await freePort());
  });

  afterAll(async () => {
    if (started && started.child.exitCode === null && started.child.signalCode === null) {
      started.child.kill('SIGTERM');
      await started.exited;
    }
    await rm(parent, { recursive: true, force: true });
  });

  it('runs lighthouse on stand-in Tekton CRDs, starts a job on replay and stops cleanly', async () => {
    expect(await exists(join(clone, '..', 'shared'))).toBe(false);
    started = devStart(clone, env);

    const [, page] = await started.line(/^start: its web page: (\S+)\/deliveries /);
    const [, stateDir] = await started.line(
      /^start: and look at what it created: KUBECONFIG=(\S+)\/kubeconfig /,
    );
    const [replay, startDir, url] = await started.line(
      /^ {2}scripts\/dev lighthouse replay (\S+)\/pull_request\.opened\.json .* --url (\S+)\/hook$/,
    );
    expect(started.output()).toMatch(
      /start: no Tekton CRDs: installed stand-ins for PipelineRun, TaskRun, CustomRun generated from @lighthouse-ts\/crds .*; Tekton's own CRDs are used when present/,
    );
    await untilReady(url as string, started);

    const { stdout } = await run('bash', ['-c', replay.trim()], { cwd: clone, env });
    const [, status, body] = /^(\d{3}) (\{.*\})$/m.exec(stdout) ?? [];
    expect(status, stdout).toBe('200');
    expect(JSON.parse(body as string)).toMatchObject({ status: 'done', started: ['unit'] });
    // The page tells it too.
    const deliveries = await fetch(`${page}/deliveries`);
    expect(deliveries.status).toBe(200);
    expect(await deliveries.text()).toContain('PR #');

    const cluster = await TestCluster.attach(stateDir as string);
    const items = <T extends z.ZodType>(schema: T) => z.object({ items: z.array(schema) });
    const jobs = items(LighthouseJob).parse(
      await cluster.request('GET', '/apis/lighthouse.jenkins.io/v1alpha1/namespaces/jx/lighthousejobs'),
    ).items;
    expect(jobs.map((job) => job.spec.job)).toEqual(['unit']);
    const runs = items(PipelineRun).parse(
      await cluster.request('GET', '/apis/tekton.dev/v1/namespaces/jx/pipelineruns'),
    ).items;
    expect(runs.map((r) => r.metadata.ownerReferences?.[0]?.name)).toEqual([jobs[0]?.metadata.name]);
    const crd = z
      .object({ metadata: z.object({ annotations: z.record(z.string(), z.string()) }) })
      .parse(
        await cluster.request(
          'GET',
          '/apis/apiextensions.k8s.io/v1/customresourcedefinitions/pipelineruns.tekton.dev',
        ),
      );
    expect(crd.metadata.annotations[standInAnnotation]).toMatch(/Tekton Pipelines' own CRD/);

    started.child.kill('SIGTERM');
    expect(await started.exited).toEqual({ code: 0, signal: null });
    expect(await exists(stateDir as string)).toBe(false);
    expect(await exists(startDir as string)).toBe(false);
    expect(await refusesConnections(Number(new URL(cluster.server).port))).toBe(true);
    expect(await refusesConnections(Number(new URL(url as string).port))).toBe(true);
    expect(await refusesConnections(Number(new URL(page as string).port))).toBe(true);
  }, 300_000);
});
