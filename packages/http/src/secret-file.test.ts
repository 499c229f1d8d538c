import { readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { readSecretFile, rereading, SecretFileError } from './secret-file.ts';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'http-secret-'));
});

describe('readSecretFile', () => {
  it('reads the token trimmed, as a Secret mounted with a trailing newline holds it', async () => {
    await writeFile(join(dir, 'token'), '\n  s3cret-token \n');
    expect(await readSecretFile(join(dir, 'token'))).toBe('s3cret-token');
  });

  it('reads a key of several lines whole when asked to', async () => {
    const pem = '-----BEGIN PRIVATE KEY-----\nMIIE\n-----END PRIVATE KEY-----';
    await writeFile(join(dir, 'key.pem'), `${pem}\n`);
    expect(await readSecretFile(join(dir, 'key.pem'), 'key file', { multiline: true })).toBe(pem);
    await expect(readSecretFile(join(dir, 'key.pem'), 'key file')).rejects.toThrow(/holds whitespace/);
  });

  it('refuses an unreadable, empty or spaced file, naming the file and the reason but never the content', async () => {
    await writeFile(join(dir, 'blank'), ' \n');
    await writeFile(join(dir, 'spaced'), 'two words');
    const refusal = (path: string, name?: string) =>
      readSecretFile(path, name).then(
        () => expect.fail(`${path} was accepted`),
        (error: unknown) => error as SecretFileError,
      );

    const absent = await refusal(join(dir, 'absent'), 'runner token file');
    expect(absent).toBeInstanceOf(SecretFileError);
    expect(absent.path).toBe(join(dir, 'absent'));
    expect(absent.message).toBe(`cannot read the runner token file ${join(dir, 'absent')}: ENOENT`);
    expect((await refusal(dir)).message).toBe(`cannot read the secret file ${dir}: EISDIR`);
    expect((await refusal(join(dir, 'blank'))).message).toBe(
      `the secret file ${join(dir, 'blank')} is empty`,
    );
    const spaced = await refusal(join(dir, 'spaced'));
    expect(spaced.message).toMatch(/spaced holds whitespace inside the token$/);
    expect(spaced.message).not.toContain('two');
  });
});

describe('rereading', () => {
  it('reads on the first ask, then again only once the refresh interval has passed', () => {
    let reads = 0;
    const value = rereading(() => ++reads, { failed: 0, onError: () => {}, refreshMs: 60_000 });
    expect([value(), value(), value()]).toEqual([1, 1, 1]);
    const always = rereading(() => ++reads, { failed: 0, onError: () => {}, refreshMs: 0 });
    expect([always(), always()]).toEqual([2, 3]);
  });

  it('fails closed while the files cannot be read, reports each failure, and recovers on a good read', async () => {
    const path = join(dir, 'rotating');
    await writeFile(path, 'first\n');
    const errors: unknown[] = [];
    const secrets = rereading(() => readFileSync(path, 'utf8').split('\n').filter(Boolean), {
      failed: [] as string[],
      onError: (error) => errors.push(error),
      refreshMs: 0,
    });
    expect(secrets()).toEqual(['first']);
    await writeFile(path, 'first\nsecond\n');
    expect(secrets()).toEqual(['first', 'second']);

    await rm(path);
    expect(secrets()).toEqual([]);
    expect(secrets()).toEqual([]);
    expect(errors).toHaveLength(2);
    expect((errors[0] as NodeJS.ErrnoException).code).toBe('ENOENT');

    await writeFile(path, 'second\n');
    expect(secrets()).toEqual(['second']);
    expect(errors).toHaveLength(2);
  });
});
