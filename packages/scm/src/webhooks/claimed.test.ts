import { describe, expect, inject, it, vi } from 'vitest';
import { goScmPayloads, octokitExamples } from '../../test/payloads.ts';
import { claimedRepository } from './claimed.ts';
import { repositoryOf } from './secrets.ts';

const claim = (provider: 'github' | 'gitlab' | 'bitbucketserver', text: string) =>
  claimedRepository(provider, Buffer.from(text));

describe('claimedRepository', () => {
  it('names the repository of every real payload as parsing it whole does', () => {
    const payloads = [
      ...goScmPayloads(inject('fixturesDir')),
      ...['push', 'pull_request', 'issue_comment', 'pull_request_review', 'organization'].flatMap((event) =>
        octokitExamples(event).map((example) => ({
          provider: 'github' as const,
          event,
          body: Buffer.from(JSON.stringify(example, null, event === 'push' ? 2 : undefined)),
        })),
      ),
    ];
    let named = 0;
    for (const { provider, event, body } of payloads) {
      const whole = repositoryOf(provider, JSON.parse(body.toString('utf8')));
      expect(claimedRepository(provider, body), `${provider} ${event}`).toBe(whole);
      if (whole) named++;
    }
    expect(named).toBeGreaterThan(60);
  });

  it('reads strings with escaped quotes and brackets, and members in any order', () => {
    const text = JSON.stringify({
      comment: { body: 'a "quoted" {brace} [bracket] \\ backslash \\" and "repository":{"full_name":"x/y"}' },
      repository: { name: 'rocket', owner: { login: 'acme' } },
    });
    expect(claim('github', text)).toBe('acme/rocket');
    expect(claim('gitlab', `{"object_kind":"push", "project" : {"path_with_namespace":"g/sub/p"}}`)).toBe(
      'g/sub/p',
    );
  });

  it('claims nothing of a body that is not one JSON object, or whose naming member is too large', () => {
    for (const text of [
      '',
      '[]',
      'null',
      '{"repository":',
      '{"repository":{"name":"r"',
      '{"a":"unterminated',
    ]) {
      expect(claim('github', text), text).toBeUndefined();
    }
    const huge = JSON.stringify({
      repository: { name: 'rocket', owner: { login: 'acme' }, padding: 'x'.repeat(2 * 1024 * 1024) },
    });
    expect(claim('github', huge)).toBeUndefined();
  });

  it('claims nothing of a member nested deeper than a provider nests, nor parses it', () => {
    const deep = (n: number) => `${'['.repeat(n)}${']'.repeat(n)}`;
    const members = ['repository', 'organization', 'project', 'pullRequest'];
    const body = `{${members.map((key) => `"${key}":${deep(100_000)}`).join(',')}}`;
    const parse = vi.spyOn(JSON, 'parse');
    expect(claim('github', body)).toBeUndefined();
    expect(parse).not.toHaveBeenCalled();
    parse.mockRestore();
    const nested = { repository: { name: 'r', owner: { login: 'o' }, a: JSON.parse(deep(20)) } };
    expect(claim('github', JSON.stringify(nested))).toBe('o/r');
  });

  it('skips a byte order mark, and refuses names that are not names', () => {
    expect(claim('github', '\uFEFF{"repository":{"name":"r","owner":{"login":"o"}}}')).toBe('o/r');
    for (const name of ['r/x', 'r ', '..', '']) {
      expect(
        claim('github', JSON.stringify({ repository: { name, owner: { login: 'o' } } })),
        name,
      ).toBeUndefined();
    }
    expect(claim('gitlab', '{"project":{"path_with_namespace":"g/../b/r"}}')).toBeUndefined();
  });

  it('reads a 25 MiB body of nothing but nesting or backslashes in one pass', () => {
    const size = 25 * 1024 * 1024;
    expect(claim('github', `{"a":${'['.repeat(size)}`)).toBeUndefined();
    expect(claim('github', `{"a":"${'\\'.repeat(size)}"}`)).toBeUndefined();
    expect(
      claim('github', `{"a":"${'\\"'.repeat(size / 2)}","repository":{"name":"r","owner":{"login":"o"}}}`),
    ).toBe('o/r');
  });
});
