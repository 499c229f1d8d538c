// Test helpers: a drainable listener whose requests take `?ms=` milliseconds (or until aborted), and a
// logger that writes JSON lines as pino does.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import { type DrainingListener, type HttpLogger, json, readBody, sendAnswer } from '../src/index.ts';

export interface LogLine {
  level: number;
  msg: string;
  [field: string]: unknown;
}

export interface TestLogger extends HttpLogger {
  lines: LogLine[];
  /** Resolves once a line `predicate` accepts has been logged. */
  waitFor(predicate: (line: LogLine) => boolean): Promise<LogLine>;
}

/** A logger keeping its lines, and writing them to `write` too when given. */
export function testLogger(write?: (line: string) => void): TestLogger {
  const lines: LogLine[] = [];
  const waiters = new Set<() => void>();
  const at =
    (level: number) =>
    (fields: Record<string, unknown> | string, message?: string): void => {
      const line =
        typeof fields === 'string' ? { level, msg: fields } : { level, ...fields, msg: message ?? '' };
      lines.push(line);
      write?.(`${JSON.stringify(line)}\n`);
      for (const waiter of waiters) waiter();
    };
  const waitFor = (predicate: (line: LogLine) => boolean) =>
    new Promise<LogLine>((resolve) => {
      const check = () => {
        const found = lines.find(predicate);
        if (!found) return;
        waiters.delete(check);
        resolve(found);
      };
      waiters.add(check);
      check();
    });
  return { info: at(30), warn: at(40), error: at(50), lines, waitFor };
}

/**
 * Reads the body, waits `?ms=` (default 0) unless aborted, then answers 200 with what it did. Counts what
 * is in flight so `drained()` can wait for none, as the apps' handlers do.
 */
export function testListener(logger: HttpLogger): DrainingListener & { aborted: string[] } {
  let shuttingDown = false;
  let busy = 0;
  const idle = new Set<() => void>();
  const aborted: string[] = [];
  const stopping = new AbortController();

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const ms = Number(new URL(req.url ?? '/', 'http://localhost').searchParams.get('ms') ?? 0);
    logger.info({ ms }, 'received');
    const body = await readBody(req, 1024);
    let outcome = 'done';
    try {
      await sleep(ms, undefined, { signal: stopping.signal });
    } catch {
      outcome = 'aborted';
    }
    logger.info({ ms, outcome }, 'handled');
    sendAnswer(req, res, json(200, { ms, outcome, bytes: body.length }), { closing: shuttingDown });
  }

  return Object.assign(
    (req: IncomingMessage, res: ServerResponse) => {
      busy++;
      handle(req, res)
        .catch(() => res.destroy())
        .finally(() => {
          if (--busy > 0) return;
          for (const resolve of idle) resolve();
          idle.clear();
        });
    },
    {
      aborted,
      shutdown() {
        shuttingDown = true;
      },
      drained() {
        return busy === 0 ? Promise.resolve() : new Promise<void>((resolve) => idle.add(resolve));
      },
      abort(reason: string) {
        aborted.push(reason);
        stopping.abort(new Error(reason));
      },
    },
  );
}
