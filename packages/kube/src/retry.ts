import { setTimeout as sleep } from 'node:timers/promises';
import { KubeError } from './errors.ts';

export interface RetryOptions {
  /** Attempts in all, the first included. Default 5. */
  attempts?: number;
  /** The first backoff; each next one doubles, up to maxDelayMs. Default 200 ms. */
  baseDelayMs?: number;
  /** Default 10 s. */
  maxDelayMs?: number;
}

/**
 * Full-jitter exponential backoff: a random delay in [0, min(max, base * 2^attempt)), so that many
 * clients failing together do not retry together.
 */
export function backoffDelay(attempt: number, options: RetryOptions = {}, random = Math.random): number {
  const base = options.baseDelayMs ?? 200;
  const max = options.maxDelayMs ?? 10_000;
  return Math.floor(random() * Math.min(max, base * 2 ** attempt));
}

/**
 * Runs `call` until it succeeds, fails with an error that is not retryable (any 4xx but 429), or runs
 * out of attempts. A server's Retry-After is waited out in full, whatever the backoff says.
 */
export async function withRetry<T>(
  call: () => Promise<T>,
  options: RetryOptions & { signal?: AbortSignal } = {},
): Promise<T> {
  const attempts = options.attempts ?? 5;
  for (let attempt = 0; ; attempt++) {
    try {
      return await call();
    } catch (error) {
      if (!(error instanceof KubeError && error.retryable) || attempt + 1 >= attempts) throw error;
      const retryAfter =
        'retryAfterMs' in error && typeof error.retryAfterMs === 'number' ? error.retryAfterMs : 0;
      await sleep(Math.max(retryAfter, backoffDelay(attempt, options)), undefined, {
        signal: options.signal,
      });
    }
  }
}
