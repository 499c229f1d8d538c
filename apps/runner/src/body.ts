import type { IncomingMessage } from 'node:http';
import { InvalidRequestError } from '@lighthouse-ts/metapipeline-client';
import { payloadTooLarge, unsupportedMediaType } from './http-error.ts';

/** The caller went away before sending its whole body; nobody is left to answer. */
export class ClientGoneError extends Error {
  override name = 'ClientGoneError';
}

/** application/json or any `+json` type, in UTF-8 if a charset is named; 415 otherwise. */
export function requireJson(contentType: string | undefined): void {
  const [essence = '', ...params] = (contentType ?? '').split(';').map((part) => part.trim().toLowerCase());
  const json = essence === 'application/json' || /^application\/[a-z0-9.+-]+\+json$/.test(essence);
  const charset = params
    .find((p) => p.startsWith('charset='))
    ?.slice('charset='.length)
    .replace(/"/g, '');
  if (!json || (charset !== undefined && charset !== 'utf-8' && charset !== 'utf8')) {
    throw unsupportedMediaType(contentType);
  }
}

/**
 * The whole body, at most `maxBytes`: a larger Content-Length is refused before reading, and a body
 * that grows past the limit while streaming is refused as soon as it does. Nothing past the limit is
 * kept: what still arrives is dropped until the server cuts the connection.
 */
export function readBody(req: IncomingMessage, maxBytes: number): Promise<Buffer> {
  const declared = req.headers['content-length'];
  if (declared !== undefined && Number(declared) > maxBytes) return Promise.reject(payloadTooLarge(maxBytes));
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
    req.on('error', (error) => settle(new ClientGoneError(error.message)));
    req.on('close', () => settle(new ClientGoneError('the connection closed before the body ended')));
  });
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

/** The body as JSON; 400 (InvalidRequestError) for an empty body, bad UTF-8 or malformed JSON. */
export function parseJson(body: Buffer): unknown {
  if (body.length === 0)
    throw new InvalidRequestError('the request body is empty', [{ path: '', message: 'empty body' }]);
  let text: string;
  try {
    text = utf8.decode(body);
  } catch {
    throw new InvalidRequestError('the request body is not valid UTF-8', [
      { path: '', message: 'not UTF-8' },
    ]);
  }
  try {
    return JSON.parse(text);
  } catch (error) {
    const message = (error as Error).message;
    throw new InvalidRequestError(`the request body is not valid JSON: ${message}`, [{ path: '', message }]);
  }
}
