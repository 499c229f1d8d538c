// A Node app under test as a real child process, its JSON log lines parsed as they come.
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';

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

export interface AppProcess {
  child: ChildProcess;
  /** Every stdout line so far, parsed; a line that is not JSON is kept as `not JSON: ...`. */
  logs: LogLine[];
  /** Everything written to stdout and stderr, as text. */
  output(): string;
  exited: Promise<Exit>;
  /**
   * The first log line, so far or to come, that `predicate` accepts. A line an app writes reaches the test
   * through a pipe, after whatever else the app did (answered a request, wrote to Kubernetes) that the
   * test may already have seen: wait for the line, never read `logs` at once. Rejects, with the output so
   * far, when the app exits first or `timeoutMs` (default 60 s, a hang guard) passes.
   */
  waitForLog(
    predicate: (line: LogLine) => boolean,
    what: string,
    options?: { timeoutMs?: number },
  ): Promise<LogLine>;
  /** SIGTERM, then the exit; SIGKILL if it does not come. */
  stop(): Promise<Exit>;
}

export interface ServingApp extends AppProcess {
  url: string;
  port: number;
}

const running = new Set<ChildProcess>();

/**
 * Spawns `node --conditions=@lighthouse-ts/source <script> ...args` with only the given environment (plus
 * PATH and HOME), so nothing of the test's own environment leaks into the app.
 */
export function spawnApp(script: string, args: string[] = [], env: Record<string, string> = {}): AppProcess {
  const child = spawn(process.execPath, ['--conditions=@lighthouse-ts/source', script, ...args], {
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  running.add(child);
  const logs: LogLine[] = [];
  let text = '';
  let exitedYet = false;
  const waiters = new Set<() => void>();
  const notify = () => {
    for (const waiter of waiters) waiter();
  };
  const exited = new Promise<Exit>((resolve) =>
    // 'close', not 'exit': by then stdout and stderr are read to their end.
    child.once('close', (code, signal) => {
      running.delete(child);
      exitedYet = true;
      resolve({ code, signal });
      notify();
    }),
  );
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

  function waitForLog(
    predicate: (line: LogLine) => boolean,
    what: string,
    { timeoutMs = patienceMs }: { timeoutMs?: number } = {},
  ): Promise<LogLine> {
    const failure = (why: string) => new Error(`${script} ${why}; its output so far:\n${tail(text)}`);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => finish(failure(`logged no line ${what} in ${timeoutMs} ms`)), timeoutMs);
      const check = () => {
        const found = logs.find(predicate);
        if (found) finish(undefined, found);
        else if (exitedYet) finish(failure(`exited before logging ${what}`));
      };
      const finish = (error?: Error, line?: LogLine) => {
        clearTimeout(timer);
        waiters.delete(check);
        if (line) resolve(line);
        else reject(error);
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

/** The end of an app's output, for an error message: a busy app's whole log would bury the point. */
function tail(text: string, maxChars = 20_000): string {
  if (text.length <= maxChars) return text;
  return `[${text.length - maxChars} characters before]\n${text.slice(-maxChars)}`;
}

/** Spawns an app that serves HTTP and waits for its `listening` log line, which carries the port. */
export async function startServingApp(
  script: string,
  args: string[] = [],
  env: Record<string, string> = {},
): Promise<ServingApp> {
  const app = spawnApp(script, args, env);
  const listening = await app.waitForLog((line) => line.msg === 'listening', '"listening"');
  const port = listening.port as number;
  return { ...app, url: `http://127.0.0.1:${port}`, port };
}

/** Kills whatever app a test left running. */
export async function killApps(): Promise<void> {
  await Promise.all(
    [...running].map((child) => {
      child.kill('SIGKILL');
      return once(child, 'close');
    }),
  );
}
