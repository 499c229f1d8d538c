import { once } from 'node:events';
import {
  createServer,
  type IncomingMessage,
  type Server,
  type ServerResponse,
  STATUS_CODES,
} from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import type { HttpLogger } from './logger.ts';
import { problemContentType, problemType } from './problem.ts';
import { newTraceId, requestIdOf } from './trace.ts';
import { within } from './within.ts';

/** A request listener that can be drained: what an app's handler offers the server. */
export interface DrainingListener {
  (req: IncomingMessage, res: ServerResponse): void;
  /** Readiness turns false, and each connection closes after its answer. */
  shutdown(): void;
  /** Resolves once no request is being handled, nor any work one started. */
  drained(): Promise<void>;
  /** Aborts the work still running when the drain is cut short; without it, that work goes on. */
  abort?(reason: string): void;
}

/**
 * What an app calls the id it gives each request, in problem documents and log lines: `requestId` (also
 * sent as `x-request-id`) or `traceId` (a W3C trace-id).
 */
export type RequestIdName = 'requestId' | 'traceId';

export interface HttpServerOptions {
  handler: DrainingListener;
  logger: HttpLogger;
  /** Default 0.0.0.0. */
  host?: string;
  /** 0 picks a free port. */
  port: number;
  /** How the id of an unreadable request is named; default `requestId`. */
  idName?: RequestIdName;
  /** Connections held at once; more are closed as they arrive. Default: no limit. */
  maxConnections?: number;
}

export interface HttpServer {
  server: Server;
  /** The address it listens on. */
  host: string;
  port: number;
  url: string;
  /**
   * Drains: readiness turns false, the listener closes, idle connections close, and requests (and the
   * work they started) get `graceMs` to finish, or until `cut` is called. Resolves to how it ended.
   */
  stop(graceMs: number): Promise<'drained' | 'cut'>;
  /** Ends a drain at once: the handler's work is aborted and every connection closed. */
  cut(why: string): void;
}

/** The server could not listen (the port is taken, the address is not ours...). */
export class ListenError extends Error {
  override name = 'ListenError';
}

/** How long work aborted when a drain is cut may take to settle, so its outcome is logged before exit. */
const abortedSettleMs = 2000;

/**
 * Listens with the handler. Timeouts keep slow clients from holding sockets: headers within 15 s, the
 * whole request within 60 s. Requests Node cannot read are answered by clientErrorListener.
 */
export async function startHttpServer(options: HttpServerOptions): Promise<HttpServer> {
  const { handler, logger } = options;
  const host = options.host ?? '0.0.0.0';
  const server = createServer({ headersTimeout: 15_000, requestTimeout: 60_000 }, handler);
  server.on('clientError', clientErrorListener(logger, options.idName));
  if (options.maxConnections !== undefined) server.maxConnections = options.maxConnections;
  server.listen(options.port, host);
  try {
    await once(server, 'listening');
  } catch (error) {
    throw new ListenError(`cannot listen on ${host}:${options.port}: ${(error as Error).message}`, {
      cause: error,
    });
  }
  const { port, address } = server.address() as AddressInfo;
  const urlHost = address.includes(':') ? `[${address}]` : address;
  const cutShort = Promise.withResolvers<void>();
  let stopping: Promise<'drained' | 'cut'> | undefined;

  function cut(why: string): void {
    const aborting = handler.abort ? 'aborting the work still running and ' : '';
    logger.warn(`${why}: ${aborting}closing the connections still open`);
    handler.abort?.(why);
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
    if (ended === 'cut') await within(handler.drained(), abortedSettleMs);
    return ended;
  }

  return {
    server,
    host: address,
    port,
    url: `http://${urlHost}:${port}`,
    stop(graceMs) {
      stopping ??= drain(graceMs);
      return stopping;
    },
    cut,
  };
}

export interface ServeUntilSignalOptions extends HttpServerOptions {
  /** How long requests in flight may finish after the first signal. */
  graceMs: number;
  /** More fields for the `listening` log line. */
  listening?: Record<string, unknown>;
  /**
   * Closes what the handler's work used (clients, background loops) once drained, before `stopped`; gets
   * what is left of the grace period (0 once it is over).
   */
  release?: (graceLeftMs: number) => Promise<void>;
}

/**
 * Serves until SIGTERM or SIGINT, then drains within the grace period (a second signal cuts it short),
 * releases what the work used, and resolves to how the drain ended. Logs `listening` (with the port),
 * `shutting down` and `stopped`. Rejects with ListenError when it cannot listen.
 */
export async function serveUntilSignal(options: ServeUntilSignalOptions): Promise<'drained' | 'cut'> {
  const { logger, graceMs } = options;
  // One listener for the whole life of the server, so a second signal never meets Node's default (exit);
  // installed before the line that says it listens, since whoever waits for that line may signal at once.
  const first = Promise.withResolvers<NodeJS.Signals>();
  let server: HttpServer | undefined;
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
    server = await startHttpServer(options);
    const { port, host, url } = server;
    logger.info({ port, host, url, ...options.listening }, 'listening');
    const signal = await first.promise;
    logger.info({ signal, graceMs }, 'shutting down');
    const graceEnds = performance.now() + graceMs;
    const ended = await server.stop(graceMs);
    await options.release?.(Math.max(0, graceEnds - performance.now()));
    logger.info({ ended }, 'stopped');
    return ended;
  } finally {
    process.off('SIGTERM', onSignal);
    process.off('SIGINT', onSignal);
  }
}

/**
 * Answers requests Node's parser refused (malformed 400, headers too large 431, too slow 408) with a
 * problem document instead of Node's bare status line, carrying a new id (named `idName`, and sent as
 * `x-request-id`), and logs them.
 */
export function clientErrorListener(logger: HttpLogger, idName: RequestIdName = 'requestId') {
  return (error: NodeJS.ErrnoException, socket: Duplex): void => {
    const inProgress = (socket as { _httpMessage?: { headersSent?: boolean } })._httpMessage?.headersSent;
    if (error.code === 'ECONNRESET' || !socket.writable || inProgress) {
      socket.destroy();
      return;
    }
    const status =
      error.code === 'HPE_HEADER_OVERFLOW' ? 431 : error.code === 'ERR_HTTP_REQUEST_TIMEOUT' ? 408 : 400;
    const id = idName === 'traceId' ? newTraceId() : requestIdOf(undefined);
    const title = STATUS_CODES[status] ?? 'Bad Request';
    const reason = error.code ?? error.message;
    const body = JSON.stringify({
      type: problemType('bad-request'),
      title,
      status,
      detail: `the HTTP request could not be read (${reason})`,
      [idName]: id,
    });
    logger.info({ [idName]: id, status, error: reason }, 'unreadable request');
    socket.end(
      `HTTP/1.1 ${status} ${title}\r\ncontent-type: ${problemContentType}\r\n` +
        `content-length: ${Buffer.byteLength(body)}\r\nx-request-id: ${id}\r\nconnection: close\r\n\r\n${body}`,
    );
  };
}
