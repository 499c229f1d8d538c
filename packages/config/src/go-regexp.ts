/**
 * Lighthouse configs hold Go (RE2) regular expressions, and they run on text that whoever opens a pull
 * request controls: file names, comment bodies, branch names. They are compiled and matched by re2js, a
 * JavaScript port of RE2, not by JavaScript's RegExp: RE2 matches in time linear in the input whatever the
 * pattern, where V8's backtracking engine can take exponential time (`^([\w.-]+/?)+\.go$` on a 31-character
 * file name blocks the event loop for seconds). It is also Go's own syntax and meaning, not a translation:
 * what Go's regexp.Compile refuses (lookaround, backreferences, repeat counts over 1000) is refused here with
 * Go's message, and `(?i)`, `(?U)`, `\pL`, `[[:^alpha:]]`, `\Q…\E`, `\A`, `\z` mean what they mean in Go.
 */
import { RE2JS, RE2JSSyntaxException } from 're2js';

/** A compiled Go regexp. Matching takes time linear in the input, whatever the pattern. */
export interface GoMatcher {
  /** Whether the pattern matches anywhere in `input` (Go's MatchString: unanchored unless the pattern anchors). */
  test(input: string): boolean;
  /**
   * The leftmost match (Go's FindStringSubmatch), shaped as RegExp's: `[0]` the match, then each group,
   * undefined where a group took no part; `index` where it starts; `groups` the named ones (`(?P<name>…)`),
   * undefined when there are none. Null when nothing matches.
   */
  exec(input: string): RegExpExecArray | null;
}

export interface GoRegExp {
  /** The pattern as written in the config. */
  source: string;
  /** Not a RegExp: RE2's linear-time matcher (see GoMatcher). */
  regexp: GoMatcher;
}

export type GoRegExpResult = { ok: true; value: GoRegExp } | { ok: false; reason: string };

class Re2Matcher implements GoMatcher {
  readonly #re2: RE2JS;

  constructor(re2: RE2JS) {
    this.#re2 = re2;
  }

  test(input: string): boolean {
    return this.#re2.test(input);
  }

  exec(input: string): RegExpExecArray | null {
    // re2js builds the RegExp-shaped array (index, input, groups); its types only say any[].
    return this.#re2.exec(input) as RegExpExecArray | null;
  }
}

/** Compiles `source` as Go's regexp.Compile would; `reason` says why not, in Go's words. */
export function compileGoRegExp(source: string): GoRegExpResult {
  try {
    return { ok: true, value: { source, regexp: new Re2Matcher(RE2JS.compile(source)) } };
  } catch (error) {
    if (error instanceof RE2JSSyntaxException) return failure(describe(error));
    return failure(error instanceof Error ? error.message : String(error));
  }
}

const failure = (reason: string): { ok: false; reason: string } => ({
  ok: false,
  reason: `invalid regular expression: ${reason}`,
});

/** Go's message without its `error parsing regexp: ` prefix, and what a JavaScript habit runs into. */
function describe(error: RE2JSSyntaxException): string {
  const message = error.input === null ? error.error : `${error.error}: \`${error.input}\``;
  const input = error.input ?? '';
  if (/^\(\?(?:=|!|<=|<!)/.test(input)) return `${message} (lookaround is not supported by Go (RE2))`;
  if (error.error === 'invalid escape sequence' && /^\\[1-9]/.test(input)) {
    return `${message} (backreferences are not supported by Go (RE2))`;
  }
  return message;
}
