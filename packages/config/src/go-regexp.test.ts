import { describe, expect, it } from 'vitest';
import { compileGoRegExp, type GoMatcher } from './go-regexp.ts';
import { defaultTriggerFor } from './job-config.ts';

function compiled(source: string): GoMatcher {
  const result = compileGoRegExp(source);
  if (!result.ok) throw new Error(result.reason);
  return result.value.regexp;
}

describe('compileGoRegExp', () => {
  it('keeps the pattern as written', () => {
    const result = compileGoRegExp('(?m)^/retest\\s*$');
    expect(result.ok && result.value.source).toBe('(?m)^/retest\\s*$');
  });

  it('reads a leading (?m) as multi-line', () => {
    const re = compiled('(?m)^/retest\\s*$');
    expect(re.test('looks good\n/retest\nthanks')).toBe(true);
    expect(compiled('^/retest\\s*$').test('looks good\n/retest\nthanks')).toBe(false);
  });

  it('reads (?i) and (?s) too, also in the middle of a pattern, as Go does', () => {
    expect(compiled('(?is)^a.b$').test('A\nB')).toBe(true);
    expect(compiled('^a.b$').test('a\nb')).toBe(false);
    expect(compiled('^a(?i)b$').test('aB')).toBe(true);
    expect(compiled('^a(?i)b$').test('AB')).toBe(false);
  });

  it.each([
    ['/test foo', true],
    ['/test bar foo', true],
    ['/test foo,', true],
    ['/test foo please', true],
    ['/test foobar', false],
    ['/testfoo', false],
    ['please /test foo', false],
    ['first line\n/test foo', true],
  ])('the default trigger for foo on %j -> %s', (body, matches) => {
    expect(compiled(defaultTriggerFor('foo')).test(body)).toBe(matches);
  });

  it('keeps unanchored patterns unanchored, as Go MatchString does', () => {
    expect(compiled('master').test('master-foo')).toBe(true);
  });

  it('accepts Go named groups, and gives matches in the shape of RegExp exec', () => {
    const match = compiled('(?P<dir>docs)/(x)?').exec('see docs/readme.md');
    expect(match?.[0]).toBe('docs/');
    expect(match?.[2]).toBeUndefined();
    expect(match?.index).toBe(4);
    expect(match?.groups?.dir).toBe('docs');
    expect(compiled('x').exec('y')).toBeNull();
  });

  it('expands POSIX classes inside brackets, negated ones included', () => {
    const re = compiled('^[[:digit:]]+$');
    expect(re.test('123')).toBe(true);
    expect(re.test('12a')).toBe(false);
    expect(compiled('^[[:^alpha:]]+$').test('12-')).toBe(true);
  });

  it('reads \\A and \\z as the start and end of the text', () => {
    const re = compiled('(?m)\\Afoo$');
    expect(re.test('foo\nbar')).toBe(true);
    expect(re.test('bar\nfoo')).toBe(false);
    expect(compiled('foo\\z').test('foo\n')).toBe(false);
  });

  it('reads a ] first in a class as a literal, as Go does', () => {
    expect(compiled('[]a]').test(']')).toBe(true);
    expect(compiled('[^]a]').test(']')).toBe(false);
  });

  it('quotes \\Q...\\E literally', () => {
    expect(compiled('\\Qa.b\\E').test('axb')).toBe(false);
    expect(compiled('\\Qa.b\\E').test('a.b')).toBe(true);
  });

  it('reads (?U) as ungreedy, as Go does', () => {
    expect(compiled('(?U)a+').exec('aaa')?.[0]).toBe('a');
  });

  it("keeps Go's classes: \\s is ASCII space without \\v, \\w is ASCII", () => {
    expect(compiled('\\s').test('\v')).toBe(false);
    expect(compiled('\\s').test('\u00a0')).toBe(false);
    expect(compiled('\\w').test('é')).toBe(false);
    expect(compiled('^\\pL+$').test('été')).toBe(true);
  });

  it.each([
    ['(unclosed', /^invalid regular expression: missing closing \): `\(unclosed`$/],
    ['a(?=b)', /lookaround is not supported/],
    ['a(?!b)', /lookaround is not supported/],
    ['a(?<=b)', /lookaround is not supported/],
    ['a(?<!b)', /lookaround is not supported/],
    ['(a)\\1', /backreferences are not supported/],
    ['[[:nope:]]', /invalid character class range: `\[:nope:\]`/],
    ['a{1001}', /invalid repeat count/],
    ['a**', /invalid nested repetition operator/],
    ['a\\', /trailing backslash/],
  ])('refuses %j, as Go does', (source, reason) => {
    const result = compileGoRegExp(source);
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.reason).toMatch(reason);
  });
});

// No timings here: a backtracking engine would not finish these (the first pattern doubles its time with each
// character past about 20), so the failure is vitest's timeout, and the answers show the match ran to the end.
// Each input holds the literals its pattern needs, so RE2 reads it through rather than skipping it after a
// quick search for them.
describe('compileGoRegExp matches in linear time', () => {
  const nested = '^([\\w.-]+/?)+\\.go$';

  it('matches with RE2, never with a backtracking RegExp', () => {
    expect(compiled(nested)).not.toBeInstanceOf(RegExp);
  });

  it('answers for a nested repetition on a 10,000-character hostile file name', () => {
    const re = compiled(nested);
    expect(re.test(`${'a'.repeat(10_000)}.go!`)).toBe(false);
    expect(re.test(`${'a/'.repeat(5_000)}x.go!`)).toBe(false);
    expect(re.test(`${'a/'.repeat(5_000)}x.go`)).toBe(true);
  });

  it('answers for (a|a)*b and (a*)*b on 10,000 characters', () => {
    expect(compiled('^(a|a)*b$').test(`${'a'.repeat(10_000)}cb`)).toBe(false);
    expect(compiled('(?i)^(a|A)*b$').test(`${'a'.repeat(10_000)}cb`)).toBe(false);
    expect(compiled('(a*)*b').test(`${'a'.repeat(10_000)}cb`)).toBe(true);
  });

  it('answers for the default trigger on a 1 MB comment of spaces, commas or lines', () => {
    const re = compiled(defaultTriggerFor('unit'));
    expect(re.test(`/test${' '.repeat(1_000_000)}unit!`)).toBe(false);
    expect(re.test(`/test ${','.repeat(1_000_000)} unit!`)).toBe(false);
    expect(re.test('/test  unit!\n'.repeat(80_000))).toBe(false);
    expect(re.test(`${' ,\n'.repeat(300_000)}/test unit`)).toBe(true);
  });
});
