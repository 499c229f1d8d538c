import type { Credentials } from './api.ts';
import { TtlCache } from './cache.ts';

/** `text` cut to `max` characters (code points, so no emoji is split), ending in `…` when cut. */
export function truncate(text: string, max: number): string {
  const chars = [...text];
  return chars.length <= max ? text : `${chars.slice(0, max - 1).join('')}…`;
}

/**
 * `whoAmI` for a client: the credentials' own login when they know it (a GitHub App's installation tokens
 * may not ask `/user`), else the provider's answer to `ask`, kept for an hour.
 */
export function whoAmI(token: string | Credentials, ask: () => Promise<string>): () => Promise<string> {
  const known = typeof token === 'string' ? undefined : token.login?.bind(token);
  if (known) return known;
  const logins = new TtlCache<string>({ maxEntries: 1, ttlMs: 60 * 60_000 });
  return () => logins.get('me', ask);
}
