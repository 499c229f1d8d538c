import { createHash, timingSafeEqual } from 'node:crypto';
import { HttpError } from '@lighthouse-ts/http';

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

/** The 401 for a token that is missing or wrong, saying how to authenticate. */
export const unauthorized = (reason: 'missing' | 'invalid') =>
  new HttpError(
    401,
    'unauthorized',
    reason === 'missing' ? 'a bearer token is required' : 'the bearer token is not valid',
    {
      'www-authenticate':
        reason === 'missing'
          ? 'Bearer realm="lighthouse-runner"'
          : 'Bearer realm="lighthouse-runner", error="invalid_token"',
    },
  );
