import type { IncomingMessage, ServerResponse } from 'node:http';
import { discardRest } from './body.ts';
import type { Answer } from './problem.ts';

export interface SendOptions {
  /** Shutting down: the connection closes after this answer. */
  closing?: boolean;
  /** The body cap: what is left of a refused body is dropped up to the larger of it and 1 MiB. */
  maxBodyBytes?: number;
}

/**
 * Sends an answer once (never after headers went out or the socket died), uncached, with its length.
 * Answering before the whole body arrived drops the rest of it first (see discardRest).
 */
export function sendAnswer(
  req: IncomingMessage,
  res: ServerResponse,
  answer: Answer,
  options: SendOptions = {},
): void {
  if (res.destroyed || res.headersSent) return;
  if (options.closing) res.setHeader('connection', 'close');
  else if (!req.complete) discardRest(req, Math.max(options.maxBodyBytes ?? 0, 1024 * 1024));
  res.writeHead(answer.status, {
    ...answer.headers,
    'content-type': answer.contentType,
    'content-length': Buffer.byteLength(answer.body),
    'cache-control': 'no-store',
  });
  res.end(answer.body);
}

/** A request header's value; the first one when it came more than once. */
export function header(req: IncomingMessage, name: string): string | undefined {
  const value = req.headers[name];
  return Array.isArray(value) ? value[0] : value;
}
