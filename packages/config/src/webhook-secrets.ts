import { parse as parseYaml, YAMLError } from 'yaml';
import * as z from 'zod';

const SecretValue = z.string().trim().min(1, 'is empty');
const Secret = z
  .union([SecretValue, z.object({ value: SecretValue })])
  .transform((s) => (typeof s === 'string' ? s : s.value));
const ScopedSecretsFile = z.record(
  z.string().regex(/^(\*|[^/\s]+(\/[^\s]+)?)$/, 'a scope is "*", "org" or "org/repo"'),
  z.array(Secret).min(1, 'lists at least one secret'),
);

export class ScopedSecretsError extends Error {
  override name = 'ScopedSecretsError';
}

/**
 * Prow's HMAC secrets format: a YAML mapping from `*`, `org` or `org/repo` to a list of secrets, each a
 * string or `{value: ...}` (Prow's `created_at` and other fields are ignored).
 */
export function parseScopedSecrets(text: string, file: string): ReadonlyMap<string, readonly string[]> {
  let document: unknown;
  try {
    document = parseYaml(text);
  } catch (error) {
    // The parser's message quotes the offending line, which may hold a secret: only its place is told.
    const at = error instanceof YAMLError && error.linePos ? ` at line ${error.linePos[0].line}` : '';
    throw new ScopedSecretsError(`${file}: not YAML${at}`);
  }
  const parsed = ScopedSecretsFile.safeParse(document);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const where = issue?.path.length ? issue.path.join('.') : '(top)';
    // A bad key's own reason is nested one level down.
    const reason = issue?.code === 'invalid_key' ? issue.issues[0]?.message : issue?.message;
    throw new ScopedSecretsError(`${file}: ${where}: ${reason ?? 'invalid'}`);
  }
  return new Map(Object.entries(parsed.data).map(([scope, list]) => [scope.toLowerCase(), list]));
}
