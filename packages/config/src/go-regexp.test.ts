import { describe, expect, it } from 'vitest';
import { compileGoRegExp } from './go-regexp.ts';
import { defaultTriggerFor } from './job-config.ts';

function compiled(source: string): RegExp {
  const result = compileGoRegExp(source);
  if (!result.ok) throw new Error(result.reason);
  return result.value.regexp;
}

describe('compileGoRegExp', () => {
  it('turns a leading (?m) into the m flag', () => {
    const re = compiled('(?m)^/retest\\s*$');
    expect(re.flags).toBe('m');
    expect(re.test('looks good\n/retest\nthanks')).toBe(true);
  });

  it('turns (?i) and (?s) into flags too', () => {
    expect(compiled('(?is)^a.b$').flags).toBe('is');
    expect(compiled('(?is)^a.b$').test('A\nB')).toBe(true);
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

  it('accepts Go named groups', () => {
    expect(compiled('(?P<dir>docs)/').exec('docs/readme.md')?.groups?.dir).toBe('docs');
  });

  it('expands POSIX classes inside brackets', () => {
    const re = compiled('^[[:digit:]]+$');
    expect(re.test('123')).toBe(true);
    expect(re.test('12a')).toBe(false);
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

  it.each([
    ['(unclosed', /invalid regular expression/],
    ['a(?=b)', /lookaround is not supported/],
    ['a(?<!b)', /lookaround is not supported/],
    ['(a)\\1', /backreferences are not supported/],
    ['(?U)a+', /ungreedy/],
    ['[[:nope:]]', /unknown character class/],
  ])('refuses %j', (source, reason) => {
    const result = compileGoRegExp(source);
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.reason).toMatch(reason);
  });
});
