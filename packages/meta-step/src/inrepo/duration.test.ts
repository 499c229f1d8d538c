import { describe, expect, it } from 'vitest';
import { formatGoDuration, parseGoDuration } from './duration.ts';

describe('Go durations', () => {
  it.each([
    ['00h30m0s', '30m0s'],
    ['24h', '24h0m0s'],
    ['1h30m', '1h30m0s'],
    ['90m', '1h30m0s'],
    ['1.5s', '1.5s'],
    ['1m0.25s', '1m0.25s'],
    ['500ms', '500ms'],
    ['1500us', '1.5ms'],
    ['2µs', '2µs'],
    ['7ns', '7ns'],
    ['0', '0s'],
    ['-1m', '-1m0s'],
    ['240h0m0s', '240h0m0s'],
  ])('%s is written %s, as Go writes it', (text, written) => {
    const nanoseconds = parseGoDuration(text);
    expect(nanoseconds).toBeDefined();
    expect(formatGoDuration(nanoseconds ?? 0n)).toBe(written);
  });

  it.each(['', '1', '1d', 'h', '1h 30m', 'forever', '1.h2'])('%j is not one', (text) => {
    expect(parseGoDuration(text)).toBeUndefined();
  });
});
