import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { gitOutput, TestRepository } from '../test/repository.ts';
import { GitError, MergeConflictError, StepEnvError } from './errors.ts';
import { checkout, mergeIdentity, parsePullRefs } from './git.ts';

describe('parsePullRefs', () => {
  it('reads the base and the pulls in order', () => {
    expect(parsePullRefs('main:0967f9ec,42:db8e2d27,7:abc12345')).toEqual({
      baseRef: 'main',
      baseSha: '0967f9ec',
      pulls: [
        { number: 42, sha: 'db8e2d27' },
        { number: 7, sha: 'abc12345' },
      ],
    });
  });

  it('reads a push (no pulls) and ignores a pull ref after the SHA', () => {
    expect(parsePullRefs('release/1.x:0967f9ec')).toEqual({
      baseRef: 'release/1.x',
      baseSha: '0967f9ec',
      pulls: [],
    });
    expect(parsePullRefs('main:0967f9ec,3:db8e2d27:refs/pull/3/head').pulls).toEqual([
      { number: 3, sha: 'db8e2d27' },
    ]);
  });

  it.each([
    '',
    'main',
    'main:',
    ':0967f9ec',
    'main:0967f9ec,42',
    'main:0967f9ec,x:db8e2d27',
    'main:zzzzzzzz',
  ])('rejects %j with a StepEnvError naming the value', (text) => {
    expect(() => parsePullRefs(text)).toThrow(StepEnvError);
    expect(() => parsePullRefs(text)).toThrow(`PULL_REFS ${JSON.stringify(text)}`);
  });
});

/** The test repositories are local paths: git's `file` transport, which the step refuses by default. */
const local = ['file'];

describe('checkout', () => {
  let repo: TestRepository;
  let work: string;
  let base: string;

  beforeEach(async () => {
    repo = await TestRepository.create();
    work = await mkdtemp(join(tmpdir(), 'meta-step-checkout-'));
    base = await repo.commit('main', { 'README.md': 'hello\n', 'shared.txt': 'one\ntwo\nthree\n' });
  });
  afterEach(async () => {
    await repo.remove();
    await rm(work, { recursive: true, force: true });
  });

  it('checks out the base commit when there are no pulls', async () => {
    await repo.commit('main', { 'later.txt': 'after the base\n' });
    const { head } = await checkout({
      protocols: local,
      repoUrl: repo.url,
      refs: { baseRef: 'main', baseSha: base, pulls: [] },
      dir: work,
    });
    expect(head).toBe(base);
    await expect(readFile(join(work, 'later.txt'), 'utf8')).rejects.toThrow(/ENOENT/);
  });

  it('merges a pull onto the base with a merge commit by the fixed identity', async () => {
    const pull = await repo.commit('feature', { 'feature.txt': 'new\n' });
    const { head } = await checkout({
      protocols: local,
      repoUrl: repo.url,
      refs: { baseRef: 'main', baseSha: base, pulls: [{ number: 12, sha: pull }] },
      dir: work,
    });
    expect(await readFile(join(work, 'feature.txt'), 'utf8')).toBe('new\n');
    expect(await gitOutput(work, 'rev-parse', 'HEAD')).toBe(head);
    expect((await gitOutput(work, 'show', '--no-patch', '--format=%P', head)).split(' ')).toEqual([
      base,
      pull,
    ]);
    expect(await gitOutput(work, 'show', '--no-patch', '--format=%cn <%ce>|%s', head)).toBe(
      `${mergeIdentity.name} <${mergeIdentity.email}>|Merge pull request #12 (${pull})`,
    );
  });

  it('merges two pulls in the order given, and the same refs give the same merge commits', async () => {
    const first = await repo.commit('first', { 'shared.txt': 'one\ntwo changed by first\nthree\n' });
    const second = await repo.commit('second', { 'second.txt': 'second\n' });
    const refs = {
      baseRef: 'main',
      baseSha: base,
      pulls: [
        { number: 1, sha: first },
        { number: 2, sha: second },
      ],
    };
    const { head } = await checkout({ protocols: local, repoUrl: repo.url, refs, dir: work });

    expect(await readFile(join(work, 'shared.txt'), 'utf8')).toBe('one\ntwo changed by first\nthree\n');
    expect(await readFile(join(work, 'second.txt'), 'utf8')).toBe('second\n');
    const subjects = await gitOutput(work, 'log', '--first-parent', '--format=%s', `${base}..${head}`);
    expect(subjects.split('\n')).toEqual([
      `Merge pull request #2 (${second})`,
      `Merge pull request #1 (${first})`,
    ]);

    const again = await mkdtemp(join(tmpdir(), 'meta-step-checkout-'));
    try {
      expect((await checkout({ protocols: local, repoUrl: repo.url, refs, dir: again })).head).toBe(head);
    } finally {
      await rm(again, { recursive: true, force: true });
    }
  });

  it('names the pull and the conflicting files when a pull does not merge', async () => {
    const first = await repo.commit('first', { 'shared.txt': 'one\ntwo by first\nthree\n', 'a.txt': 'a\n' });
    const second = await repo.commit('second', {
      'shared.txt': 'one\ntwo by second\nthree\n',
      'README.md': 'hello from second\n',
    });
    await repo.commit('main', { 'README.md': 'hello from main\n' });
    const refs = {
      baseRef: 'main',
      baseSha: await gitOutput(repo.path, 'rev-parse', 'main'),
      pulls: [
        { number: 1, sha: first },
        { number: 2, sha: second },
      ],
    };
    const error = await checkout({ protocols: local, repoUrl: repo.url, refs, dir: work }).catch(
      (e: unknown) => e,
    );

    expect(error).toBeInstanceOf(MergeConflictError);
    expect(error).toMatchObject({ pull: 2, files: ['README.md', 'shared.txt'] });
    expect((error as Error).message).toBe(
      `pull request #2 (${second}) does not merge cleanly: conflicts in README.md, shared.txt`,
    );
  });

  it('says which commit cannot be fetched', async () => {
    const missing = 'deadbeef'.repeat(5);
    const pull = await repo.commit('feature', { 'feature.txt': 'new\n' });
    const refs = {
      baseRef: 'main',
      baseSha: base,
      pulls: [
        { number: 5, sha: pull },
        { number: 6, sha: missing },
      ],
    };
    const error = await checkout({ protocols: local, repoUrl: repo.url, refs, dir: work }).catch(
      (e: unknown) => e,
    );

    expect(error).toBeInstanceOf(GitError);
    expect((error as Error).message).toContain(
      `cannot fetch pull request #6 (${missing}) from ${repo.url}: `,
    );
    expect((error as GitError).stderr).toMatch(/not our ref|not found|unadvertised/i);
  });

  it('fetches over the network transports only, unless told otherwise: a local path is refused', async () => {
    const error = await checkout({
      repoUrl: repo.url,
      refs: { baseRef: 'main', baseSha: base, pulls: [] },
      dir: work,
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(GitError);
    expect((error as GitError).stderr).toMatch(/transport 'file' not allowed/);
  });

  it('says when the repository cannot be read', async () => {
    const url = join(repo.root, 'no-such-repository.git');
    const error = await checkout({
      protocols: local,
      repoUrl: url,
      refs: { baseRef: 'main', baseSha: base, pulls: [] },
      dir: work,
    }).catch((e: unknown) => e);

    expect(error).toBeInstanceOf(GitError);
    expect((error as Error).message).toContain(`cannot fetch base main (${base}) from ${url}: `);
  });
});
