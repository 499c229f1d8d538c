import type { IncomingMessage } from 'node:http';
import { Refusal } from './answer.ts';

/** The sender went away before its whole body arrived; nobody is left to answer. */
export class SenderGoneError extends Error {
  override name = 'SenderGoneError';
}

export const payloadTooLarge = (maxBytes: number) =>
  new Refusal(413, 'payload-too-large', `the request body is larger than ${maxBytes} bytes`);

/** A Content-Length above the limit, refused before a byte of the body is read. */
export function checkDeclaredLength(req: IncomingMessage, maxBytes: number): void {
  const declared = req.headers['content-length'];
  if (declared !== undefined && Number(declared) > maxBytes) throw payloadTooLarge(maxBytes);
}

/**
 * Webhook bodies must be JSON: `application/json` or a `+json` type, UTF-8 if a charset is named.
 * GitHub can also send `application/x-www-form-urlencoded` with the JSON in a `payload` field; that is
 * refused with a message saying what to change, because the signature covers the form encoding and
 * every provider we support can send JSON, so one body format keeps verification on the raw bytes simple.
 */
export function checkContentType(contentType: string | undefined): void {
  const [essence = '', ...params] = (contentType ?? '').split(';').map((part) => part.trim().toLowerCase());
  const charset = params
    .find((param) => param.startsWith('charset='))
    ?.slice('charset='.length)
    .replace(/"/g, '');
  const isJson = essence === 'application/json' || /^application\/[a-z0-9.+-]+\+json$/.test(essence);
  if (isJson && (charset === undefined || charset === 'utf-8' || charset === 'utf8')) return;
  const given = contentType ? JSON.stringify(contentType) : 'no content type';
  const hint =
    essence === 'application/x-www-form-urlencoded'
      ? '; set the webhook\'s content type to "application/json" in the provider\'s settings'
      : '';
  throw new Refusal(415, 'unsupported-media-type', `the body must be application/json, not ${given}${hint}`, {
    'accept-post': 'application/json',
  });
}

/**
 * The whole body, at most `maxBytes`, counted as it streams (chunked bodies have no Content-Length).
 * Nothing past the limit is kept.
 */
export function readBody(req: IncomingMessage, maxBytes: number): Promise<Buffer> {
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
      } else {
        chunks.push(chunk);
      }
    });
    req.on('end', () => settle());
    req.on('error', (error) => settle(new SenderGoneError(error.message)));
    req.on('close', () => settle(new SenderGoneError('the connection closed before the body ended')));
  });
}

/**
 * Answering before the whole body arrived (a refusal): the rest is read and dropped, up to a budget and
 * for at most 15 s, before the connection is cut. Closing a socket with unread data resets it at once, and
 * a sender still writing may then lose the answer instead of reading it; on a busy machine a sender can
 * take seconds to notice the answer.
 */
export function discardRest(req: IncomingMessage, budgetBytes: number): void {
  let dropped = 0;
  const cut = () => req.socket.destroy();
  const timer = setTimeout(cut, 15_000);
  req.on('data', (chunk: Buffer) => {
    dropped += chunk.length;
    if (dropped > budgetBytes) cut();
  });
  req.once('end', () => clearTimeout(timer));
  req.socket.once('close', () => clearTimeout(timer));
  req.resume();
}
