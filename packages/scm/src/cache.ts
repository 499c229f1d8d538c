import type { CommitStatus, PullRequest, Team } from './api.ts';
/**
 * A bounded cache of answers that expire: at most `maxEntries`, the least recently used going first,
 * each kept `ttlMs`. Concurrent lookups of one key share one call; a failed call is not kept.
 */
export class TtlCache<V> {
  readonly #entries = new Map<string, { value: Promise<V>; expires: number }>();
  readonly #maxEntries: number;
  readonly #ttlMs: number;
  readonly #now: () => number;

  constructor({ maxEntries = 1000, ttlMs = 60_000 } = {}, now: () => number = Date.now) {
    this.#maxEntries = maxEntries;
    this.#ttlMs = ttlMs;
    this.#now = now;
  }

  get size(): number {
    return this.#entries.size;
  }

  /** Forgets `key`'s answer, after a write that changed it. */
  delete(key: string): void {
    this.#entries.delete(key);
  }

  get(key: string, load: () => Promise<V>): Promise<V> {
    const hit = this.#entries.get(key);
    if (hit && hit.expires > this.#now()) {
      this.#entries.delete(key);
      this.#entries.set(key, hit);
      return hit.value;
    }
    const value = load();
    this.#entries.delete(key);
    this.#entries.set(key, { value, expires: this.#now() + this.#ttlMs });
    value.catch(() => {
      if (this.#entries.get(key)?.value === value) this.#entries.delete(key);
    });
    while (this.#entries.size > this.#maxEntries) {
      const oldest = this.#entries.keys().next().value as string;
      this.#entries.delete(oldest);
    }
    return value;
  }
}

/**
 * The caches each provider client keeps: who may push or belongs changes rarely (minutes); a pull
 * request, its files and statuses change with every push (seconds); a file at a commit never changes (an
 * hour, for memory's sake).
 */
export function providerCaches() {
  return {
    membership: new TtlCache<boolean>({ maxEntries: 2000, ttlMs: 5 * 60_000 }),
    pullRequests: new TtlCache<PullRequest>({ maxEntries: 500, ttlMs: 15_000 }),
    files: new TtlCache<string[]>({ maxEntries: 500, ttlMs: 15_000 }),
    statuses: new TtlCache<CommitStatus[]>({ maxEntries: 500, ttlMs: 10_000 }),
    contents: new TtlCache<string | undefined>({ maxEntries: 1000, ttlMs: 60 * 60_000 }),
    teams: new TtlCache<Team | undefined>({ maxEntries: 100, ttlMs: 5 * 60_000 }),
    /** A commit's tree never changes. */
    trees: new TtlCache<string>({ maxEntries: 1000, ttlMs: 60 * 60_000 }),
  };
}
