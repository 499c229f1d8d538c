import { describe, expect, it } from 'vitest';
import { RateLimiter } from './ratelimit.ts';

describe('RateLimiter', () => {
  it('lets a burst through at once, then spaces requests at qps, in order', () => {
    let now = 0;
    const limiter = new RateLimiter({ qps: 10, burst: 3 }, () => now);
    expect([limiter.reserve(), limiter.reserve(), limiter.reserve()]).toEqual([0, 0, 0]);
    expect(limiter.reserve()).toBeCloseTo(100);
    expect(limiter.reserve()).toBeCloseTo(200);
    now = 1_000;
    // 1 s refilled 10 tokens, 2 of them owed to the waiters above; the bucket holds at most `burst`.
    expect([limiter.reserve(), limiter.reserve(), limiter.reserve(), limiter.reserve()]).toEqual([
      0, 0, 0, 100,
    ]);
  });

  it('refuses nonsense settings', () => {
    expect(() => new RateLimiter({ qps: 0 })).toThrow(RangeError);
    expect(() => new RateLimiter({ burst: 0 })).toThrow(RangeError);
  });
});
