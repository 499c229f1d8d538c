import { describe, expect, it } from 'vitest';
import { KubeConflictError, KubeInvalidError, KubeUnavailableError } from './errors.ts';
import { backoffDelay, withRetry } from './retry.ts';

describe('backoffDelay', () => {
  it('doubles the ceiling per attempt up to the maximum, jittered below it', () => {
    const top = () => 0.999999;
    expect([0, 1, 2, 3, 10].map((a) => backoffDelay(a, { baseDelayMs: 100, maxDelayMs: 500 }, top))).toEqual([
      99, 199, 399, 499, 499,
    ]);
    expect(backoffDelay(5, {}, () => 0)).toBe(0);
  });
});

describe('withRetry', () => {
  const failing = (errors: Error[]) => {
    let calls = 0;
    return {
      call: async () => {
        const error = errors[calls++];
        if (error) throw error;
        return 'done';
      },
      calls: () => calls,
    };
  };

  it('retries what may succeed later, until it does', async () => {
    const f = failing([new KubeUnavailableError('503'), new KubeUnavailableError('reset')]);
    expect(await withRetry(f.call, { baseDelayMs: 1 })).toBe('done');
    expect(f.calls()).toBe(3);
  });

  it('never retries the caller’s own mistakes', async () => {
    for (const error of [new KubeInvalidError('422'), new KubeConflictError('409'), new Error('bug')]) {
      const f = failing([error]);
      await expect(withRetry(f.call, { baseDelayMs: 1 })).rejects.toBe(error);
      expect(f.calls()).toBe(1);
    }
  });

  it('gives up after the attempts it was given, with the last error', async () => {
    const last = new KubeUnavailableError('third');
    const f = failing([new KubeUnavailableError('first'), new KubeUnavailableError('second'), last]);
    await expect(withRetry(f.call, { attempts: 3, baseDelayMs: 1 })).rejects.toBe(last);
    expect(f.calls()).toBe(3);
  });

  it('waits at least as long as Retry-After says', async () => {
    const f = failing([new KubeUnavailableError('429', { status: 429, retryAfterMs: 300 })]);
    const started = performance.now();
    await withRetry(f.call, { baseDelayMs: 1 });
    expect(performance.now() - started).toBeGreaterThanOrEqual(295);
  });

  it('stops waiting when aborted', async () => {
    const f = failing([new KubeUnavailableError('503', { retryAfterMs: 60_000 })]);
    await expect(withRetry(f.call, { signal: AbortSignal.timeout(20) })).rejects.toThrow(/aborted|timeout/i);
  });
});
