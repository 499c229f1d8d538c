// Test helper: the runner as a real child process (`node src/main.ts serve`), with its JSON log parsed.
import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';

const mainPath = join(import.meta.dirname, '../src/main.ts');

/** How long a helper waits for a log line or an exit before it gives up (a hang guard, not a measure). */
const patienceMs = 60_000;

export interface LogLine {
  level: number;
  msg: string;
  [field: string]: unknown;
}

export interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

export interface RunnerProcess {
  child: ChildProcess;
  /** Every stdout line so far, parsed (a line that is not JSON fails the test that reads it). */
  logs: LogLine[];
  /** Everything written to stdout and stderr, as text. */
  output(): string;
  exited: Promise<Exit>;
  waitForLog(predicate: (line: LogLine) => boolean, what: string): Promise<LogLine>;
  /** SIGTERM, then the exit; SIGKILL if it does not come. */
  stop(): Promise<Exit>;
}

export interface ServingRunner extends RunnerProcess {
  url: string;
  port: number;
  /** The bearer token in its token file, if it has one. */
  token: string;
}

const running = new Set<ChildProcess>();

/** Spawns `node src/main.ts ...args` with only the given environment (plus PATH and HOME). */
export function spawnRunner(args: string[], env: Record<string, string> = {}): RunnerProcess {
  const child = spawn(process.execPath, ['--conditions=@lighthouse-ts/source', mainPath, ...args], {
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  running.add(child);
  const logs: LogLine[] = [];
  let text = '';
  const waiters = new Set<() => void>();
  const exited = new Promise<Exit>((resolve) =>
    // 'close', not 'exit': by then stdout and stderr are read to their end.
    child.once('close', (code, signal) => {
      running.delete(child);
      resolve({ code, signal });
    }),
  );
  const notify = () => {
    for (const waiter of waiters) waiter();
  };
  createInterface({ input: child.stdout as NodeJS.ReadableStream }).on('line', (line) => {
    text += `${line}\n`;
    try {
      logs.push(JSON.parse(line) as LogLine);
    } catch {
      logs.push({ level: 0, msg: `not JSON: ${line}` });
    }
    notify();
  });
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => {
    text += chunk;
  });
  void exited.then(notify);

  let exitedYet = false;
  void exited.then(() => {
    exitedYet = true;
  });

  function waitForLog(predicate: (line: LogLine) => boolean, what: string): Promise<LogLine> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(
        () => finish(new Error(`runner: no log line ${what} in ${patienceMs} ms`)),
        patienceMs,
      );
      const check = () => {
        const found = logs.find(predicate);
        if (found) finish(undefined, found);
        else if (exitedYet) finish(new Error(`runner exited before logging ${what}:\n${text}`));
      };
      const finish = (error?: Error, line?: LogLine) => {
        clearTimeout(timer);
        waiters.delete(check);
        if (error || !line) reject(error);
        else resolve(line);
      };
      waiters.add(check);
      check();
    });
  }

  async function stop(): Promise<Exit> {
    if (!exitedYet) child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), patienceMs);
    const exit = await exited;
    clearTimeout(timer);
    return exit;
  }

  return { child, logs, output: () => text, exited, waitForLog, stop };
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
  const runner = spawnRunner(
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
  const listening = await runner.waitForLog((line) => line.msg === 'listening', '"listening"');
  const port = listening.port as number;
  return { ...runner, url: `http://127.0.0.1:${port}`, port, token };
}

/** Kills whatever runner a test left running. */
export async function killRunners(): Promise<void> {
  await Promise.all(
    [...running].map((child) => {
      child.kill('SIGKILL');
      return once(child, 'close');
    }),
  );
}
