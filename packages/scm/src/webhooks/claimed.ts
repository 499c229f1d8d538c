import type { Provider } from '../events.ts';
import { repositoryOf } from './secrets.ts';

/** The top-level members that can name a repository, in any provider's payload (see repositoryOf). */
const naming = ['repository', 'organization', 'project', 'pullRequest'];
/** A member larger or deeper than this names nothing: a provider's own are a few kilobytes, a few deep. */
const maxMemberBytes = 256 * 1024;
const maxDepth = 32;

/**
 * The repository an unverified body claims to be about, to choose the secrets its signature is checked
 * with. The body is not parsed: one pass over its bytes finds the top-level members that can name a
 * repository, and only those (each at most 256 KiB and 32 levels deep) are parsed. Nothing else is read from it. A claim is no
 * proof: once verified, the normalised event's repository must be the signing secret's own.
 */
export function claimedRepository(provider: Provider, body: Buffer): string | undefined {
  const members: Record<string, unknown> = {};
  for (const [key, value] of topLevelMembers(body)) {
    try {
      members[key] = JSON.parse(value.toString('utf8'));
    } catch {
      // A member that is not JSON names nothing; the body will be refused once verified, if it ever is.
    }
  }
  return repositoryOf(provider, members);
}

const quote = 0x22;
const backslash = 0x5c;
const colon = 0x3a;
const comma = 0x2c;
const openObject = 0x7b;
const closeObject = 0x7d;
const openArray = 0x5b;
const closeArray = 0x5d;

/** The raw bytes of each wanted member of a top-level JSON object, the first of each name; linear time. */
function topLevelMembers(body: Buffer): Map<string, Buffer> {
  const found = new Map<string, Buffer>();
  const byteOrderMark = body[0] === 0xef && body[1] === 0xbb && body[2] === 0xbf ? 3 : 0;
  let at = skipSpace(body, byteOrderMark);
  if (body[at] !== openObject) return found;
  at = skipSpace(body, at + 1);
  while (body[at] === quote) {
    const keyEnd = stringEnd(body, at);
    if (keyEnd < 0) break;
    const key = body.toString('latin1', at + 1, keyEnd - 1);
    at = skipSpace(body, keyEnd);
    if (body[at] !== colon) break;
    const start = skipSpace(body, at + 1);
    const end = valueEnd(body, start);
    if (end < 0) break;
    if (
      naming.includes(key) &&
      !found.has(key) &&
      end - start <= maxMemberBytes &&
      shallow(body, start, end)
    ) {
      found.set(key, body.subarray(start, end));
    }
    at = skipSpace(body, end);
    if (body[at] !== comma) break;
    at = skipSpace(body, at + 1);
  }
  return found;
}

/** Past the string that opens at `at`, or -1 if it never closes. */
function stringEnd(body: Buffer, at: number): number {
  for (let from = at + 1; ; ) {
    const close = body.indexOf(quote, from);
    if (close < 0) return -1;
    let escapes = 0;
    for (let back = close - 1; body[back] === backslash; back--) escapes++;
    if (escapes % 2 === 0) return close + 1;
    from = close + 1;
  }
}

/** Past the value that starts at `at` (a string, an object, an array or a scalar), or -1. */
function valueEnd(body: Buffer, at: number): number {
  const first = body[at];
  if (first === quote) return stringEnd(body, at);
  if (first !== openObject && first !== openArray) {
    let end = at;
    while (end < body.length && !isDelimiter(body[end] ?? 0)) end++;
    return end > at ? end : -1;
  }
  let depth = 0;
  for (let next = at; next < body.length; ) {
    const byte = body[next];
    if (byte === quote) {
      next = stringEnd(body, next);
      if (next < 0) return -1;
      continue;
    }
    if (byte === openObject || byte === openArray) depth++;
    else if ((byte === closeObject || byte === closeArray) && --depth === 0) return next + 1;
    next++;
  }
  return -1;
}

/** Whether the value between `start` and `end` nests at most maxDepth deep (strings skipped). */
function shallow(body: Buffer, start: number, end: number): boolean {
  let depth = 0;
  for (let next = start; next < end; ) {
    const byte = body[next];
    if (byte === quote) {
      next = stringEnd(body, next);
      if (next < 0) return false;
      continue;
    }
    if (byte === openObject || byte === openArray) {
      if (++depth > maxDepth) return false;
    } else if (byte === closeObject || byte === closeArray) depth--;
    next++;
  }
  return true;
}

function skipSpace(body: Buffer, at: number): number {
  let next = at;
  while (isSpace(body[next] ?? 0)) next++;
  return next;
}

const isSpace = (byte: number) => byte === 0x20 || byte === 0x0a || byte === 0x0d || byte === 0x09;
const isDelimiter = (byte: number) =>
  isSpace(byte) || byte === comma || byte === closeObject || byte === closeArray;
