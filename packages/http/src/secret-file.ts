import { readFile } from 'node:fs/promises';

/** A secret file cannot be used; the message names the file and why, never what it holds. */
export class SecretFileError extends Error {
  override name = 'SecretFileError';
  readonly path: string;

  constructor(path: string, message: string) {
    super(message);
    this.path = path;
  }
}

/**
 * The token a secret file holds (a mounted Secret, a bearer token), trimmed: an unreadable or empty file,
 * or one with whitespace inside the token, throws a SecretFileError. `name` says what the file is in the
 * message, e.g. `runner token file`. A secret of several lines (a PEM key) is read with `multiline`.
 */
export async function readSecretFile(
  path: string,
  name = 'secret file',
  { multiline = false }: { multiline?: boolean } = {},
): Promise<string> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? (error as Error).message;
    throw new SecretFileError(path, `cannot read the ${name} ${path}: ${code}`);
  }
  const token = text.trim();
  if (!token) throw new SecretFileError(path, `the ${name} ${path} is empty`);
  if (!multiline && /\s/.test(token))
    throw new SecretFileError(path, `the ${name} ${path} holds whitespace inside the token`);
  return token;
}

export interface RereadOptions<T> {
  /** What to serve while the files cannot be read: fail closed (no secret at all, so nothing verifies). */
  failed: T;
  /** Sees each failed read; the next read after `refreshMs` tries again. */
  onError: (error: unknown) => void;
  /** Default 10 s. */
  refreshMs?: number;
}

/**
 * A value read from files that rotate (a mounted Secret that changes under a running process): `read` runs
 * on the first ask and again on an ask at least `refreshMs` after the last read, so a rotation takes effect
 * without a restart. A read that throws is reported, and `failed` is served until a read succeeds.
 */
export function rereading<T>(read: () => T, options: RereadOptions<T>): () => T {
  const { failed, onError, refreshMs = 10_000 } = options;
  let value = failed;
  let readAt = Number.NEGATIVE_INFINITY;
  return () => {
    if (performance.now() - readAt >= refreshMs) {
      readAt = performance.now();
      try {
        value = read();
      } catch (error) {
        value = failed;
        onError(error);
      }
    }
    return value;
  };
}
