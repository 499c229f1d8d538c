import { setTimeout as sleep } from 'node:timers/promises';

export interface RateLimitOptions {
  /** Sustained requests per second. Default 50. */
  qps?: number;
  /** Requests allowed at once after a quiet spell. Default 100. */
  burst?: number;
}

/**
 * A token bucket shared by every request of one client, as client-go's: `burst` tokens, refilled at
 * `qps` per second. A request that finds no token reserves the next one and waits for it, so waiters
 * are served in order.
 */
export class RateLimiter {
  readonly #qps: number;
  readonly #burst: number;
  readonly #now: () => number;
  #tokens: number;
  #updated: number;

  constructor(options: RateLimitOptions = {}, now: () => number = performance.now.bind(performance)) {
    this.#qps = options.qps ?? 50;
    this.#burst = options.burst ?? 100;
    if (!(this.#qps > 0) || !(this.#burst >= 1))
      throw new RangeError('rate limit: qps must be > 0 and burst >= 1');
    this.#now = now;
    this.#tokens = this.#burst;
    this.#updated = now();
  }

  /** Milliseconds the caller must wait before its request, having reserved a token. */
  reserve(): number {
    const now = this.#now();
    this.#tokens = Math.min(this.#burst, this.#tokens + ((now - this.#updated) / 1000) * this.#qps);
    this.#updated = now;
    this.#tokens -= 1;
    return this.#tokens >= 0 ? 0 : (-this.#tokens / this.#qps) * 1000;
  }

  async take(signal?: AbortSignal): Promise<void> {
    const wait = this.reserve();
    if (wait > 0) await sleep(wait, undefined, { signal });
  }
}
