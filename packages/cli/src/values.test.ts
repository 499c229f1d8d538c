import { describe, expect, it } from 'vitest';
import { boolean, integer } from './values.ts';

describe('integer', () => {
  it('takes digits only, within its bounds', () => {
    const port = integer(0, 65_535);
    expect(port.parse('0')).toBe(0);
    expect(port.parse('8080')).toBe(8080);
    for (const text of ['-1', '2.5', '1e3', ' 80', '', '0x10']) {
      expect(port.safeParse(text).error?.issues[0]?.message, text).toBe('must be a whole number');
    }
    expect(port.safeParse('70000').error?.issues[0]?.message).toMatch(/^Too big/);
  });
});

describe('boolean', () => {
  it('takes true, false, 1, 0, yes and no', () => {
    expect(['true', '1', 'yes'].map((text) => boolean.parse(text))).toEqual([true, true, true]);
    expect(['false', '0', 'no'].map((text) => boolean.parse(text))).toEqual([false, false, false]);
    expect(boolean.safeParse('off').error?.issues[0]?.message).toBe('must be true or false');
  });
});
