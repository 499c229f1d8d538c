import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { GitError, MergeConflictError, StepEnvError } from './errors.ts';

const execFileAsync = promisify(execFile);

export interface PullRef {
  number: number;
  sha: string;
}

/** What to check out: the base commit and the pulls to merge onto it, in order (Prow's PULL_REFS). */
export interface PullRefs {
  baseRef: string;
  baseSha: string;
  pulls: PullRef[];
}

const shaPattern = /^[0-9a-f]{7,64}$/;

/** Parses Prow's `PULL_REFS`: `base:sha,number:sha,...` (a third `:ref` part per pull is ignored). */
export function parsePullRefs(text: string): PullRefs {
  const [base = '', ...pulls] = text.split(',');
  const bad = (why: string) => new StepEnvError(`PULL_REFS ${JSON.stringify(text)}: ${why}`);
  const separator = base.lastIndexOf(':');
  const baseRef = base.slice(0, separator);
  const baseSha = base.slice(separator + 1);
  if (separator < 1 || !shaPattern.test(baseSha)) throw bad('expected base:sha first');
  return {
    baseRef,
    baseSha,
    pulls: pulls.map((pull) => {
      const [number = '', sha = ''] = pull.split(':');
      if (!/^[1-9]\d*$/.test(number) || !shaPattern.test(sha)) throw bad(`expected number:sha, got ${pull}`);
      return { number: Number(number), sha };
    }),
  };
}

export interface CheckoutOptions {
  /** Anything `git fetch` takes: an https URL, an ssh address, a local path. */
  repoUrl: string;
  refs: PullRefs;
  /** An empty or missing directory; it becomes the work tree. */
  dir: string;
  /**
   * The transports git may fetch over (git's GIT_ALLOW_PROTOCOL). Default the network ones, `https`, `ssh`,
   * `http` and `git`: the URL comes from a webhook, and `file` or `ext` would reach into the step's own pod.
   */
  protocols?: readonly string[];
  signal?: AbortSignal;
}

export const defaultGitProtocols: readonly string[] = ['https', 'ssh', 'http', 'git'];

/** Who the merge commits are by: always the same, so the same refs give the same merge commits. */
export const mergeIdentity = { name: 'Lighthouse', email: 'lighthouse@lighthouse-ts.dev' } as const;

/**
 * Checks out the base commit into `dir` and merges each pull onto it in order, as Prow's clonerefs does.
 * Commits are fetched by SHA (which GitHub, GitLab and git's own protocol v2 serve), not through
 * provider-specific refs such as `pull/<n>/head`, so this works with any Git server. Returns the
 * resulting HEAD.
 */
export async function checkout({
  repoUrl,
  refs,
  dir,
  protocols = defaultGitProtocols,
  signal,
}: CheckoutOptions): Promise<{ head: string }> {
  await git(['init', '--quiet', dir], { signal });
  const run = (args: string[], env?: Record<string, string>) => git(args, { cwd: dir, signal, env });

  const wanted = [
    { what: `base ${refs.baseRef}`, sha: refs.baseSha },
    ...refs.pulls.map((p) => ({ what: `pull request #${p.number}`, sha: p.sha })),
  ];
  const allow = { GIT_ALLOW_PROTOCOL: protocols.join(':') };
  // No git maintenance after fetching or merging (a process each time): the repository lives as long as
  // the step.
  const noMaintenance = ['-c', 'maintenance.auto=false'];
  const fetch = (shas: string[]) =>
    run([...noMaintenance, 'fetch', '--quiet', '--no-tags', '--', repoUrl, ...shas], allow);
  try {
    await fetch([...new Set(wanted.map((w) => w.sha))]);
  } catch (error) {
    // One fetch for all is fastest; on failure, fetch one by one to name the commit that is missing.
    for (const { what, sha } of wanted) {
      await fetch([sha]).catch((cause: GitError) => {
        throw new GitError(`cannot fetch ${what} (${sha}) from ${repoUrl}: ${cause.stderr}`, {
          cause,
          stderr: cause.stderr,
        });
      });
    }
    throw error;
  }

  await run(['-c', 'advice.detachedHead=false', 'checkout', '--quiet', '--detach', refs.baseSha]);
  const baseTime = Number(await run(['show', '--no-patch', '--format=%ct', refs.baseSha]));
  for (const [index, pull] of refs.pulls.entries()) {
    const date = `${baseTime + index + 1} +0000`;
    const env = {
      GIT_AUTHOR_NAME: mergeIdentity.name,
      GIT_AUTHOR_EMAIL: mergeIdentity.email,
      GIT_AUTHOR_DATE: date,
      GIT_COMMITTER_NAME: mergeIdentity.name,
      GIT_COMMITTER_EMAIL: mergeIdentity.email,
      GIT_COMMITTER_DATE: date,
    };
    const message = `Merge pull request #${pull.number} (${pull.sha})`;
    try {
      await run(
        [...noMaintenance, 'merge', '--no-ff', '--no-edit', '--no-stat', '--quiet', '-m', message, pull.sha],
        env,
      );
    } catch (error) {
      const conflicts = await run(['diff', '--name-only', '--diff-filter=U', '-z']);
      const files = conflicts.split('\0').filter(Boolean);
      if (files.length > 0) throw new MergeConflictError(pull.number, pull.sha, files);
      throw error;
    }
  }
  return { head: await run(['rev-parse', 'HEAD']) };
}

interface GitOptions {
  cwd?: string;
  signal?: AbortSignal | undefined;
  env?: Record<string, string> | undefined;
}

/** Runs git without a shell; never prompts for credentials (a prompt would hang the step). */
async function git(args: string[], { cwd, signal, env }: GitOptions): Promise<string> {
  try {
    const { stdout } = await execFileAsync('git', args, {
      cwd,
      signal,
      env: { ...process.env, GIT_TERMINAL_PROMPT: '0', LC_ALL: 'C', ...env },
      maxBuffer: 64 * 1024 * 1024,
    });
    return stdout.trim();
  } catch (error) {
    const stderr = String((error as { stderr?: unknown }).stderr ?? '').trim();
    throw new GitError(`git ${args.join(' ')} failed: ${stderr || (error as Error).message}`, {
      cause: error,
      stderr,
    });
  }
}
