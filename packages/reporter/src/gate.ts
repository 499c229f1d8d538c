interface Closed {
  /** The keys waiting for the provider, in the order they came. */
  parked: Set<string>;
  timer: NodeJS.Timeout | undefined;
  /** The one key let through to see whether the provider takes writes again. */
  probe: string | undefined;
}

/**
 * Keeps work away from a provider that cannot take it (rate limited, down, refusing our credentials):
 * while it is closed, keys are parked instead of sent; when the pause is over one of them goes alone as
 * a probe; if it is written, every parked key is let through, else the provider closes again. So a
 * thousand jobs waiting on a revoked token cost one request per pause, not a thousand.
 */
export class ProviderGate {
  readonly #closed = new Map<string, Closed>();

  /** Parks `key` if `provider` is closed to it: true when parked, false when it may go. */
  park(provider: string, key: string): boolean {
    const closed = this.#closed.get(provider);
    if (!closed || closed.probe === key) return false;
    closed.parked.add(key);
    return true;
  }

  /** Closes `provider` for `pauseMs` with `key` parked; then `probe` is called with the first parked key. */
  close(provider: string, key: string, pauseMs: number, probe: (key: string) => void): void {
    const closed = this.#closed.get(provider) ?? {
      parked: new Set<string>(),
      timer: undefined,
      probe: undefined,
    };
    this.#closed.set(provider, closed);
    clearTimeout(closed.timer);
    closed.probe = undefined;
    closed.parked.add(key);
    closed.timer = setTimeout(() => {
      closed.timer = undefined;
      const [first] = closed.parked;
      if (first === undefined) return void this.#closed.delete(provider);
      closed.parked.delete(first);
      closed.probe = first;
      probe(first);
    }, pauseMs);
    closed.timer.unref();
  }

  /**
   * After `key`'s work, whatever it did: if it was a probe and its provider did not close again (it found
   * nothing to write, or its write was refused for good), the provider opens; the keys parked for it.
   */
  settle(key: string): string[] {
    for (const [provider, closed] of this.#closed) {
      if (closed.probe === key && closed.timer === undefined) return this.open(provider);
    }
    return [];
  }

  /** Opens `provider` after a write succeeded: the keys parked for it, to be sent now. */
  open(provider: string): string[] {
    const closed = this.#closed.get(provider);
    if (!closed) return [];
    clearTimeout(closed.timer);
    this.#closed.delete(provider);
    return [...closed.parked];
  }

  /** Forgets every provider's pause and parked keys (on stop). */
  clear(): void {
    for (const closed of this.#closed.values()) clearTimeout(closed.timer);
    this.#closed.clear();
  }
}
