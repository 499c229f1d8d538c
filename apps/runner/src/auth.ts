import { createHash, timingSafeEqual } from 'node:crypto';
import { readFile } from 'node:fs/promises';

export type AuthResult = 'ok' | 'missing' | 'invalid';

/** Checks `Authorization: Bearer <token>` headers against one token. */
export interface BearerAuth {
  check(authorization: string | undefined): AuthResult;
}

const digest = (text: string) => createHash('sha256').update(text, 'utf8').digest();

/**
 * Compares SHA-256 digests in constant time: both sides have the same length whatever was sent, so
 * neither the token's content nor its length leaks through timing.
 */
export function bearerAuth(token: string): BearerAuth {
  const expected = digest(token);
  return {
    check(authorization) {
      const match = authorization?.match(/^Bearer[ \t]+(\S+)[ \t]*$/i);
      if (!match?.[1]) return authorization ? 'invalid' : 'missing';
      return timingSafeEqual(digest(match[1]), expected) ? 'ok' : 'invalid';
    },
  };
}

/** The token from its file, trimmed; an error naming the file (never its content) if unusable. */
export async function readToken(path: string): Promise<string> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? (error as Error).message;
    throw new Error(`cannot read the token file ${path}: ${code}`);
  }
  const token = text.trim();
  if (!token) throw new Error(`the token file ${path} is empty`);
  if (/\s/.test(token)) throw new Error(`the token file ${path} holds whitespace inside the token`);
  return token;
}
