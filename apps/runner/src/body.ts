import { InvalidRequestError } from '@lighthouse-ts/metapipeline-client';

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
