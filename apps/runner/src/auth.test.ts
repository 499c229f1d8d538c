import { describe, expect, it } from 'vitest';
import { bearerAuth } from './auth.ts';

describe('bearer authentication', () => {
  const auth = bearerAuth('s3cret-token');

  it.for([
    [undefined, 'missing'],
    ['', 'missing'],
    ['Bearer s3cret-token', 'ok'],
    ['bearer   s3cret-token ', 'ok'],
    ['Bearer s3cret-token2', 'invalid'],
    ['Bearer s3cret', 'invalid'],
    ['Bearer ', 'invalid'],
    ['Bearer s3cret-token extra', 'invalid'],
    ['Basic czNjcmV0LXRva2Vu', 'invalid'],
    ['s3cret-token', 'invalid'],
  ] as const)('%j is %s', ([header, expected]) => {
    expect(auth.check(header)).toBe(expected);
  });
});
