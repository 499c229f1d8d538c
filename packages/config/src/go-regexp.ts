/**
 * Lighthouse configs hold Go (RE2) regular expressions. This turns one into a JavaScript RegExp with the
 * same meaning for the syntax configs use, and rejects what RE2 does not accept (lookaround, backreferences)
 * so a config that works here also works in Lighthouse, and the other way round.
 */

export interface GoRegExp {
  /** The pattern as written in the config. */
  source: string;
  regexp: RegExp;
}

export type GoRegExpResult = { ok: true; value: GoRegExp } | { ok: false; reason: string };

const posixClasses: Readonly<Record<string, string>> = {
  alnum: '0-9A-Za-z',
  alpha: 'A-Za-z',
  ascii: '\\x00-\\x7F',
  blank: '\\t ',
  cntrl: '\\x00-\\x1F\\x7F',
  digit: '0-9',
  graph: '!-~',
  lower: 'a-z',
  print: ' -~',
  punct: '!-\\/:-@\\[-`{-~',
  space: '\\t\\n\\v\\f\\r ',
  upper: 'A-Z',
  word: '0-9A-Za-z_',
  xdigit: '0-9A-Fa-f',
};

const leadingFlags = /^\(\?([imsU]+)\)/;

export function compileGoRegExp(source: string): GoRegExpResult {
  let pattern = source;
  let flags = '';
  const leading = leadingFlags.exec(pattern);
  if (leading?.[1]) {
    if (leading[1].includes('U')) return failure('the U (ungreedy) flag has no JavaScript equivalent');
    flags = [...new Set(leading[1])].join('');
    pattern = pattern.slice(leading[0].length);
  }
  const translated = translate(pattern);
  if (!translated.ok) return translated;
  if (translated.unicode) flags += 'u';
  try {
    return { ok: true, value: { source, regexp: new RegExp(translated.pattern, flags) } };
  } catch (error) {
    return failure(error instanceof Error ? error.message : String(error));
  }
}

const failure = (reason: string): { ok: false; reason: string } => ({
  ok: false,
  reason: `invalid regular expression: ${reason}`,
});

type Translation = { ok: true; pattern: string; unicode: boolean } | { ok: false; reason: string };

function translate(pattern: string): Translation {
  let out = '';
  let inClass = false;
  let unicode = false;
  for (let i = 0; i < pattern.length; i++) {
    const char = pattern[i];
    if (char === '\\') {
      const next = pattern[i + 1];
      if (next === undefined) return failure('trailing backslash');
      if (next === 'Q') {
        const end = pattern.indexOf('\\E', i + 2);
        const literal = pattern.slice(i + 2, end === -1 ? undefined : end);
        out += literal.replace(/[\\^$.*+?()[\]{}|/-]/g, '\\$&');
        i = end === -1 ? pattern.length : end + 1;
        continue;
      }
      if (!inClass && /[1-9]/.test(next)) return failure('backreferences are not supported by Go (RE2)');
      if (!inClass && next === 'A') out += '(?<![\\s\\S])';
      else if (!inClass && next === 'z') out += '(?![\\s\\S])';
      else {
        if (next === 'p' || next === 'P') unicode = true;
        out += char + next;
      }
      i++;
      continue;
    }
    if (inClass) {
      if (char === '[' && pattern[i + 1] === ':') {
        const end = pattern.indexOf(':]', i + 2);
        const name = end === -1 ? undefined : pattern.slice(i + 2, end);
        const negated = name?.startsWith('^');
        const range = name === undefined ? undefined : posixClasses[negated ? name.slice(1) : name];
        if (range === undefined || end === -1) return failure(`unknown character class ${pattern.slice(i)}`);
        if (negated) return failure('negated POSIX classes inside brackets are not supported');
        out += range;
        i = end + 1;
        continue;
      }
      if (char === ']') inClass = false;
      out += char;
      continue;
    }
    if (char === '[') {
      inClass = true;
      out += char;
      // A `]` right after `[` or `[^` is a literal in Go, but closes an empty class in JavaScript.
      const negation = pattern[i + 1] === '^' ? '^' : '';
      if (pattern[i + 1 + negation.length] === ']') {
        out += `${negation}\\]`;
        i += negation.length + 1;
      }
      continue;
    }
    if (char === '(' && pattern[i + 1] === '?') {
      const rest = pattern.slice(i + 2);
      if (/^(?:=|!|<=|<!)/.test(rest)) return failure('lookaround is not supported by Go (RE2)');
      if (rest.startsWith('P<')) {
        out += '(?<';
        i += 3;
        continue;
      }
    }
    out += char;
  }
  return { ok: true, pattern: out, unicode };
}
