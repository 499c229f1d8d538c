import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { createServer, type Server, STATUS_CODES } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import { type DestinationStream, type Level, type Logger, pino } from 'pino';
import { problemContentType } from './answer.ts';
import type { WebhookHandler } from './handler.ts';

/** Lighthouse's one logger: pino JSON lines on stdout (or `destination`), ISO timestamps. */
export function createLogger(level: Level | 'silent' = 'info', destination?: DestinationStream): Logger {
  return pino(
    { name: 'lighthouse', level, timestamp: pino.stdTimeFunctions.isoTime },
    destination ?? pino.destination({ dest: 1, sync: true }),
  );
}

/** How long dispatches aborted at the end of the grace period may take to settle. */
const abortedSettleMs = 2000;

export interface WebhookServerOptions {
  handler: WebhookHandler;
  logger: Logger;
  host?: string;
  /** 0 picks a free port. */
  port: number;
}

export interface WebhookServer {
  server: Server;
  port: number;
  url: string;
  /**
   * Drains: readiness turns false, the listener closes, idle connections close, and requests and
   * dispatches in flight get `graceMs` to finish (or until `cut` is called). Resolves to how it ended.
   */
  stop(graceMs: number): Promise<'drained' | 'cut'>;
  /** Ends a drain at once: running dispatches are aborted and connections closed. */
  cut(why: string): void;
}

/**
 * Listens with the handler. Timeouts keep slow senders from holding sockets: headers within 15 s, the
 * whole request (up to 25 MiB) within 60 s.
 */
export async function startWebhookServer(options: WebhookServerOptions): Promise<WebhookServer> {
  const { handler, logger } = options;
  const server = createServer({ headersTimeout: 15_000, requestTimeout: 60_000 }, handler);
  server.on('clientError', clientErrorListener(logger));
  server.listen(options.port, options.host ?? '0.0.0.0');
  await once(server, 'listening');
  const { port, address } = server.address() as AddressInfo;
  const host = address.includes(':') ? `[${address}]` : address;
  const cutShort = Promise.withResolvers<void>();
  let stopping: Promise<'drained' | 'cut'> | undefined;

  function cut(why: string): void {
    logger.warn(`${why}: aborting the dispatches still running and closing the connections still open`);
    handler.abort(why);
    server.closeAllConnections();
    cutShort.resolve();
  }

  async function drain(graceMs: number): Promise<'drained' | 'cut'> {
    handler.shutdown();
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    server.closeIdleConnections();
    const grace = setTimeout(() => cut('grace period over'), graceMs);
    const ended = await Promise.race([
      Promise.all([closed, handler.drained()]).then(() => 'drained' as const),
      cutShort.promise.then(() => 'cut' as const),
    ]);
    clearTimeout(grace);
    // Aborted dispatches get a moment to settle, so their outcome is in the log before the process ends.
    if (ended === 'cut') await within(handler.drained(), abortedSettleMs);
    return ended;
  }

  return {
    server,
    port,
    url: `http://${host}:${port}`,
    stop(graceMs) {
      stopping ??= drain(graceMs);
      return stopping;
    },
    cut,
  };
}

/**
 * Serves until SIGTERM or SIGINT, then drains within the grace period (a second signal cuts it short)
 * and resolves. The caller closes what the dispatch uses (the meta-pipeline client) afterwards.
 */
export async function serveUntilSignal(
  options: WebhookServerOptions & { graceMs: number },
): Promise<'drained' | 'cut'> {
  const { logger } = options;
  // One listener for the whole life of the server, so a second signal never meets Node's default (exit).
  const first = Promise.withResolvers<NodeJS.Signals>();
  let server: WebhookServer | undefined;
  let signalled = false;
  const onSignal = (signal: NodeJS.Signals) => {
    if (!signalled) {
      signalled = true;
      first.resolve(signal);
    } else {
      server?.cut('second signal');
    }
  };
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);
  try {
    server = await startWebhookServer(options);
    logger.info({ port: server.port, url: server.url }, 'listening');
    const signal = await first.promise;
    logger.info({ signal, graceMs: options.graceMs }, 'shutting down');
    const ended = await server.stop(options.graceMs);
    logger.info({ ended }, 'stopped');
    return ended;
  } finally {
    process.off('SIGTERM', onSignal);
    process.off('SIGINT', onSignal);
  }
}

/**
 * Answers requests Node's parser refused (malformed, headers too large, too slow) with a problem
 * document instead of Node's bare status line, and logs them.
 */
export function clientErrorListener(logger: Logger) {
  return (error: NodeJS.ErrnoException, socket: Duplex): void => {
    const inProgress = (socket as { _httpMessage?: { headersSent?: boolean } })._httpMessage?.headersSent;
    if (error.code === 'ECONNRESET' || !socket.writable || inProgress) {
      socket.destroy();
      return;
    }
    const status =
      error.code === 'HPE_HEADER_OVERFLOW' ? 431 : error.code === 'ERR_HTTP_REQUEST_TIMEOUT' ? 408 : 400;
    const traceId = randomBytes(16).toString('hex');
    const title = STATUS_CODES[status] ?? 'Bad Request';
    const body = JSON.stringify({
      type: 'urn:lighthouse-ts:problem:bad-request',
      title,
      status,
      detail: `the HTTP request could not be read (${error.code ?? error.message})`,
      traceId,
    });
    logger.info({ traceId, status, error: error.code ?? error.message }, 'unreadable request');
    socket.end(
      `HTTP/1.1 ${status} ${title}\r\ncontent-type: ${problemContentType}\r\n` +
        `content-length: ${Buffer.byteLength(body)}\r\nconnection: close\r\n\r\n${body}`,
    );
  };
}

async function within(promise: Promise<void>, ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([promise, new Promise<void>((resolve) => (timer = setTimeout(resolve, ms)))]);
  clearTimeout(timer);
}
