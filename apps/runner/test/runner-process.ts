// Test helper: the runner as a real child process (`node src/main.ts serve`), with its JSON log parsed.
import { randomBytes } from 'node:crypto';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  type AppProcess,
  type ServingApp,
  spawnApp,
  startServingApp,
} from '@lighthouse-ts/testenv/app-process';

const mainPath = join(import.meta.dirname, '../src/main.ts');

export type { Exit, LogLine } from '@lighthouse-ts/testenv/app-process';
export type RunnerProcess = AppProcess;

/**
 * How long to wait for a log line that trails something the test has already seen (an answer, a write to
 * Kubernetes): a hang guard well inside a test's 30 s, so that a missing line fails with the log, not a
 * bare timeout.
 */
export const trailingLine = { timeoutMs: 10_000 };

export interface ServingRunner extends ServingApp {
  /** The bearer token in its token file, if it has one. */
  token: string;
}

/** Spawns `node src/main.ts ...args` with only the given environment (plus PATH and HOME). */
export function spawnRunner(args: string[], env: Record<string, string> = {}): RunnerProcess {
  return spawnApp(mainPath, args, env);
}

export interface StartOptions {
  kubeconfig: string;
  namespace?: string;
  /** Default: a fresh random token in a temporary file. */
  token?: string;
  port?: number;
  args?: string[];
  env?: Record<string, string>;
}

/** Starts `runner serve` on 127.0.0.1 (a free port unless given) and waits until it listens. */
export async function startRunner(options: StartOptions): Promise<ServingRunner> {
  const token = options.token ?? randomBytes(24).toString('base64url');
  const tokenFile = join(await mkdtemp(join(tmpdir(), 'runner-test-')), 'token');
  // Surrounding whitespace, as a Secret mounted from a file with a trailing newline has.
  await writeFile(tokenFile, `${token}\n`, { mode: 0o600 });
  const runner = await startServingApp(
    mainPath,
    [
      'serve',
      ...['--host', '127.0.0.1', '--port', String(options.port ?? 0)],
      ...['--token-file', tokenFile, '--kubeconfig', options.kubeconfig],
      ...[
        '--namespace',
        options.namespace ?? 'default',
        '--meta-step-image',
        'ghcr.io/lighthouse-ts/runner:test',
      ],
      ...(options.args ?? []),
    ],
    options.env,
  );
  return { ...runner, token };
}

export { killApps as killRunners } from '@lighthouse-ts/testenv/app-process';
