/**
 * What this process remembers of deliveries: the ones being dispatched now, and the ones dispatched
 * successfully within the window. A failed dispatch is forgotten, so a redelivery retries it. Across
 * processes and past the window, the idempotency key every create carries keeps jobs from doubling.
 */
export interface DeliveryLedger<T> {
  /** `done` if it succeeded within the window; the running dispatch if there is one; else undefined. */
  lookup(key: string): { state: 'done' } | { state: 'running'; outcome: Promise<T> } | undefined;
  /**
   * Records a dispatch that has just started; once it settles, `succeeded` says whether to remember it
   * as done (a rejection counts as a failure).
   */
  track(key: string, outcome: Promise<T>, succeeded: (outcome: T) => boolean): void;
  /** Deliveries remembered as done (for tests and debugging). */
  readonly size: number;
}

export interface LedgerOptions {
  windowMs: number;
  /** The oldest are forgotten first past this many. */
  maxEntries: number;
  now?: () => number;
}

export function createDeliveryLedger<T>({
  windowMs,
  maxEntries,
  now = Date.now,
}: LedgerOptions): DeliveryLedger<T> {
  // Insertion order is expiry order (one window for all), so expired entries are always at the front.
  const done = new Map<string, number>();
  const running = new Map<string, Promise<T>>();

  function prune(): void {
    const at = now();
    for (const [key, expires] of done) {
      if (expires > at && done.size <= maxEntries) break;
      done.delete(key);
    }
  }

  return {
    lookup(key) {
      prune();
      if (done.has(key)) return { state: 'done' };
      const outcome = running.get(key);
      return outcome ? { state: 'running', outcome } : undefined;
    },
    track(key, outcome, succeeded) {
      running.set(key, outcome);
      const settle = (remember: boolean) => {
        running.delete(key);
        if (!remember || windowMs <= 0) return;
        done.delete(key);
        done.set(key, now() + windowMs);
        prune();
      };
      outcome.then(
        (settled) => settle(succeeded(settled)),
        () => settle(false),
      );
    },
    get size() {
      prune();
      return done.size;
    },
  };
}
