import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { bearerAuth, readToken } from './auth.ts';

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

  it('reads the token trimmed, and refuses an empty or unreadable file without showing its content', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'runner-auth-'));
    await writeFile(join(dir, 'token'), '\n  s3cret-token \n');
    expect(await readToken(join(dir, 'token'))).toBe('s3cret-token');
    await writeFile(join(dir, 'blank'), ' \n');
    await expect(readToken(join(dir, 'blank'))).rejects.toThrow(/is empty/);
    await writeFile(join(dir, 'spaced'), 'two words');
    await expect(readToken(join(dir, 'spaced'))).rejects.toThrow(/^(?!.*two words).*whitespace inside/);
    await expect(readToken(join(dir, 'absent'))).rejects.toThrow(/ENOENT/);
  });
});
