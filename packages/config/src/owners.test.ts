import { describe, expect, it } from 'vitest';
import { parseOwners, parseOwnersAliases } from './owners.ts';

// OWNERS files as Prow's and Lighthouse's repoowners read them: the simple form, the full form with
// filters, and what makes one unreadable.

const value = (text: string) => {
  const result = parseOwners(text);
  if (!result.ok) throw new Error(result.reason);
  return result.value;
};

describe('parseOwners', () => {
  it('reads the simple form, logins lower-cased', () => {
    const owners = value(
      'approvers: [Alice, sig-foo]\nreviewers: [bob]\nlabels: [area/foo]\noptions:\n  no_parent_owners: true\n',
    );
    expect(owners.noParentOwners).toBe(true);
    expect(owners.filters).toEqual([
      { files: undefined, approvers: ['alice', 'sig-foo'], reviewers: ['bob'], labels: ['area/foo'] },
    ]);
  });

  it('reads the full form: `.*` for every file, other patterns as Go regexps on the relative path', () => {
    const owners = value(
      'filters:\n  ".*":\n    approvers: [alice]\n  "\\\\.go$":\n    approvers: [gopher]\n    labels: [lang/go]\n',
    );
    expect(owners.noParentOwners).toBe(false);
    const [all, go] = owners.filters;
    expect(all).toMatchObject({ files: undefined, approvers: ['alice'] });
    expect(go?.approvers).toEqual(['gopher']);
    expect(go?.files?.test('cmd/main.go')).toBe(true);
    expect(go?.files?.test('README.md')).toBe(false);
  });

  it('reads past what approvals do not use (minimum_reviewers, required_reviewers), and an empty file', () => {
    expect(
      value('approvers: [a]\nminimum_reviewers: 2\nrequired_reviewers: [c]\n').filters[0]?.approvers,
    ).toEqual(['a']);
    expect(value('')).toEqual({ filters: [], noParentOwners: false });
  });

  it.each([
    ['not YAML', 'approvers: [a\n', /Flow sequence|Unexpected|Missing/],
    ['a list where logins go', 'approvers: {a: b}\nfilters: 3\n', /filters/],
    ['a filter that is no Go regexp', 'filters:\n  "(?<!x)":\n    approvers: [a]\n', /filter "\(\?<!x\)"/],
    [
      'a billion laughs',
      `a: &a [x, x, x, x, x, x, x, x, x, x]\n${[...'bcdefghij'].map((n, i) => `${n}: &${n} [${Array(10).fill(`*${'abcdefghij'[i]}`).join(', ')}]`).join('\n')}\n`,
      /alias/i,
    ],
  ])('%s is refused with the reason', (_, text, reason) => {
    const result = parseOwners(text);
    expect(result.ok).toBe(false);
    expect(result.ok ? '' : result.reason).toMatch(reason);
  });
});

describe('parseOwnersAliases', () => {
  it('reads each alias with its logins, lower-cased', () => {
    const result = parseOwnersAliases('aliases:\n  Sig-Foo: [Alice, bob]\n  empty:\n');
    expect(result.ok && [...result.value]).toEqual([
      ['sig-foo', ['alice', 'bob']],
      ['empty', []],
    ]);
  });

  it('refuses a file that is not one', () => {
    expect(parseOwnersAliases('aliases: [a, b]\n').ok).toBe(false);
  });
});
