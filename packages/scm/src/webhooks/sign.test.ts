import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { sha256Signature, verifySha256Signature } from './sign.ts';

describe('sha256Signature', () => {
  const body = '{"ok":true}';
  const hex = createHmac('sha256', 'secret').update(body).digest('hex');

  it('is sha256= and the hex HMAC-SHA256 of the body, from a string or its bytes', () => {
    expect(sha256Signature(body, 'secret')).toBe(`sha256=${hex}`);
    expect(sha256Signature(Buffer.from(body), 'secret')).toBe(`sha256=${hex}`);
  });

  it('verifies only the same body signed with the same secret, in that form', () => {
    expect(verifySha256Signature(body, 'secret', `sha256=${hex}`)).toBe(true);
    expect(verifySha256Signature(body, 'other', `sha256=${hex}`)).toBe(false);
    expect(verifySha256Signature(`${body} `, 'secret', `sha256=${hex}`)).toBe(false);
    expect(verifySha256Signature(body, 'secret', hex)).toBe(false);
    expect(verifySha256Signature(body, 'secret', '')).toBe(false);
  });
});
