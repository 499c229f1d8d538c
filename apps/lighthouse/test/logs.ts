// Test helper: a pino logger whose JSON lines are kept in memory and can be waited for.
import type { Logger } from 'pino';
import { createLogger } from '../src/server/logger.ts';

export interface LogLine {
  level: number;
  msg: string;
  [field: string]: unknown;
}

export interface CapturedLogs {
  logger: Logger;
  lines: LogLine[];
  waitFor(predicate: (line: LogLine) => boolean, what: string): Promise<LogLine>;
}

/** How long a helper waits for a log line before it gives up (a hang guard, not a measure). */
const patienceMs = 20_000;

export function captureLogs(): CapturedLogs {
  const lines: LogLine[] = [];
  const waiters = new Set<() => void>();
  const logger = createLogger('debug', {
    write(text: string) {
      lines.push(JSON.parse(text) as LogLine);
      for (const waiter of waiters) waiter();
    },
  });
  return { logger, lines, waitFor: (predicate, what) => waitForLine(lines, waiters, predicate, what) };
}

function waitForLine(
  lines: LogLine[],
  waiters: Set<() => void>,
  predicate: (line: LogLine) => boolean,
  what: string,
): Promise<LogLine> {
  return new Promise((resolve, reject) => {
    const finish = (error?: Error, line?: LogLine) => {
      clearTimeout(timer);
      waiters.delete(check);
      if (line) resolve(line);
      else reject(error);
    };
    const timer = setTimeout(() => finish(new Error(`no log line ${what} in ${patienceMs} ms`)), patienceMs);
    const check = () => {
      const found = lines.find(predicate);
      if (found) finish(undefined, found);
    };
    waiters.add(check);
    check();
  });
}
