import type { IncomingMessage, ServerResponse } from 'node:http';
import { HttpError, payloadTooLarge } from './problem.ts';

/** The client went away before its whole body arrived, or before its answer; nobody is left to answer. */
export class ClientGoneError extends Error {
  override name = 'ClientGoneError';
}

/** A Content-Length above the limit, refused (413) before a byte of the body is read. */
export function checkDeclaredLength(req: IncomingMessage, maxBytes: number): void {
  const declared = req.headers['content-length'];
  if (declared !== undefined && Number(declared) > maxBytes) throw payloadTooLarge(maxBytes);
}

/**
 * The body must be JSON: `application/json` or a `+json` type, UTF-8 if a charset is named; 415 otherwise.
 * `advice` adds a hint for a type a client is known to send by mistake (keyed by the type, lowercase).
 */
export function requireJson(contentType: string | undefined, advice: Record<string, string> = {}): void {
  const [essence = '', ...params] = (contentType ?? '').split(';').map((part) => part.trim().toLowerCase());
  const charset = params
    .find((param) => param.startsWith('charset='))
    ?.slice('charset='.length)
    .replace(/"/g, '');
  const isJson = essence === 'application/json' || /^application\/[a-z0-9.+-]+\+json$/.test(essence);
  if (isJson && (charset === undefined || charset === 'utf-8' || charset === 'utf8')) return;
  const given = contentType ? JSON.stringify(contentType) : 'no content type';
  const hint = Object.hasOwn(advice, essence) ? `; ${advice[essence]}` : '';
  throw new HttpError(
    415,
    'unsupported-media-type',
    `the body must be application/json, not ${given}${hint}`,
    {
      'accept-post': 'application/json',
    },
  );
}

/** Takes a request's body bytes as they arrive from a BodyBudget; false when they would go over it. */
export type BodyMeter = (bytes: number) => boolean;

/**
 * How many bytes of request bodies the process holds at once, across requests: a body's bytes count from
 * when they arrive until its response has closed. With a cap per body only, many slow or stalled uploads
 * at once can take all the memory a pod has; with a budget, the one that would go over it is refused
 * (503 with Retry-After, see `readBody`) and the others go on.
 */
export class BodyBudget {
  readonly maxBytes: number;
  #held = 0;

  constructor(maxBytes: number) {
    this.maxBytes = maxBytes;
  }

  /** Bytes held now. */
  get held(): number {
    return this.#held;
  }

  /** A meter for one request's body; what it took is given back when `res` closes. */
  meter(res: ServerResponse): BodyMeter {
    let taken = 0;
    res.once('close', () => {
      this.#held -= taken;
      taken = 0;
    });
    return (bytes) => {
      if (this.#held + bytes > this.maxBytes) return false;
      this.#held += bytes;
      taken += bytes;
      return true;
    };
  }
}

/** Seconds a sender refused for the body budget is asked to wait before sending again. */
const budgetRetrySeconds = 5;

export const bodyBudgetExceeded = () =>
  new HttpError(
    503,
    'body-budget-exceeded',
    'too many request bodies are being read at once; send it again shortly',
    { 'retry-after': String(budgetRetrySeconds) },
  );

/**
 * The whole body, at most `maxBytes`: a larger Content-Length is refused before reading (413), and a body
 * that grows past the limit while streaming (chunked bodies have no Content-Length) is refused as soon as it
 * does. Nothing past the limit is kept. With a `meter` (see BodyBudget), a body whose bytes would take the
 * process over its budget is refused as soon as they arrive (503). A client that leaves first rejects with
 * ClientGoneError.
 */
export function readBody(req: IncomingMessage, maxBytes: number, meter?: BodyMeter): Promise<Buffer> {
  try {
    checkDeclaredLength(req, maxBytes);
  } catch (error) {
    return Promise.reject(error);
  }
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let settled = false;
    const settle = (error?: Error) => {
      if (settled) return;
      settled = true;
      if (error) reject(error);
      else resolve(Buffer.concat(chunks, size));
    };
    req.on('data', (chunk: Buffer) => {
      if (settled) return;
      size += chunk.length;
      if (size > maxBytes) {
        chunks.length = 0;
        settle(payloadTooLarge(maxBytes));
      } else if (meter && !meter(chunk.length)) {
        chunks.length = 0;
        settle(bodyBudgetExceeded());
      } else {
        chunks.push(chunk);
      }
    });
    req.on('end', () => settle());
    req.on('error', (error) => settle(new ClientGoneError(error.message)));
    req.on('close', () => {
      // Every request closes; the error (and its stack) is made only for one that closed too soon.
      if (!settled) settle(new ClientGoneError('the connection closed before the body ended'));
    });
  });
}

/** How long the rest of a refused body is read and dropped before the connection is cut. */
export const discardMs = 15_000;

/**
 * Answering before the whole body arrived (a refusal): the rest is read and dropped, up to `budgetBytes`
 * and for at most 15 s, before the connection is cut. Closing a socket with unread data resets it at once,
 * and a client still writing may then lose the answer instead of reading it; on a busy machine a client
 * can take seconds to notice the answer.
 */
export function discardRest(req: IncomingMessage, budgetBytes: number, timeoutMs = discardMs): void {
  let dropped = 0;
  const cut = () => req.socket.destroy();
  const timer = setTimeout(cut, timeoutMs);
  req.on('data', (chunk: Buffer) => {
    dropped += chunk.length;
    if (dropped > budgetBytes) cut();
  });
  // Taken off the socket once the body has ended: a kept-alive connection outlives many requests.
  const done = () => {
    clearTimeout(timer);
    req.socket.off('close', done);
  };
  req.once('end', done);
  req.socket.once('close', done);
  req.resume();
}
