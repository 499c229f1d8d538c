// Test helper: the webhook server as a real child process (./fixture-main.ts), its JSON log parsed.
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { type LogLine, waitForLine } from './logs.ts';

const mainPath = join(import.meta.dirname, 'fixture-main.ts');

export interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

export interface WebhookProcess {
  child: ChildProcess;
  url: string;
  port: number;
  /** Every stdout line so far, parsed; a line that is not JSON is kept as `not JSON: ...`. */
  logs: LogLine[];
  exited: Promise<Exit>;
  waitForLog(predicate: (line: LogLine) => boolean, what: string): Promise<LogLine>;
  /** SIGTERM, then the exit; SIGKILL if it does not come. */
  stop(): Promise<Exit>;
}

const running = new Set<ChildProcess>();

/**
 * Starts the fixture (or another entry script, e.g. `lighthouse serve`) with the given environment, and
 * waits until it logs that it listens.
 */
export async function startWebhookProcess(
  env: Record<string, string> = {},
  { script = mainPath, args = [] }: { script?: string; args?: string[] } = {},
): Promise<WebhookProcess> {
  const child = spawn(process.execPath, ['--conditions=@lighthouse-ts/source', script, ...args], {
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  running.add(child);
  const logs: LogLine[] = [];
  let text = '';
  let ended: string | undefined;
  const waiters = new Set<() => void>();
  const notify = () => {
    for (const waiter of waiters) waiter();
  };
  const exited = new Promise<Exit>((resolve) =>
    // 'close', not 'exit': by then stdout and stderr are read to their end.
    child.once('close', (code, signal) => {
      running.delete(child);
      ended = text;
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
  const waitForLog = (predicate: (line: LogLine) => boolean, what: string) =>
    waitForLine(logs, waiters, predicate, what, () => ended);

  const listening = await waitForLog((line) => line.msg === 'listening', '"listening"');
  const port = listening.port as number;
  return {
    child,
    url: `http://127.0.0.1:${port}`,
    port,
    logs,
    exited,
    waitForLog,
    async stop() {
      if (ended === undefined) child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
      const exit = await exited;
      clearTimeout(timer);
      return exit;
    },
  };
}

/** Kills whatever fixture process a test left running. */
export async function killWebhookProcesses(): Promise<void> {
  await Promise.all(
    [...running].map((child) => {
      child.kill('SIGKILL');
      return once(child, 'close');
    }),
  );
}
