import { ProviderError, type ProviderReads } from './api.ts';
import type { TtlCache } from './cache.ts';

type FileContent = ProviderReads['fileContent'];

/** The largest file `fileContent` reads: OWNERS files are a few lines, and whoever pushes decides their size. */
export const maxFileBytes = 256 * 1024;

/** The largest file kept in the cache (OWNERS files are far smaller). */
const maxCachedChars = 16 * 1024;

/** A full commit SHA (SHA-1 or SHA-256): what a repository holds at one never changes. */
const fullSha = /^(?:[0-9a-f]{40}|[0-9a-f]{64})$/i;

/** `path` with each segment percent-encoded (spaces, `#`, `?`, unicode), its slashes kept. */
export const encodePath = (path: string) => path.split('/').map(encodeURIComponent).join('/');

/** `answer`, or undefined when the provider has no such file (404). */
export function unlessMissing<T>(answer: Promise<T>): Promise<T | undefined> {
  return answer.catch((error: unknown) => {
    if (error instanceof ProviderError && error.status === 404) return undefined;
    throw error;
  });
}

/**
 * `fileContent` for a client, `read` asking the provider. Answers at a full SHA are kept in `cache`, a
 * missing file's too, unless the file is large. A path no file has (an empty, `.` or `..` segment, which a URL would resolve away) is
 * answered without asking.
 */
export function cachedFileContent(cache: TtlCache<string | undefined>, read: FileContent): FileContent {
  return async (owner, repo, path, ref) => {
    if (path.split('/').some((segment) => segment === '' || segment === '.' || segment === '..')) {
      return undefined;
    }
    const load = () => read(owner, repo, path, ref);
    if (!fullSha.test(ref)) return load();
    const key = `${owner}/${repo}@${ref}:${path}`;
    const text = await cache.get(key, load);
    // Only small files are kept, so a full cache (1,000) holds at most about 16 MiB whatever is pushed.
    if (text !== undefined && text.length > maxCachedChars) cache.delete(key);
    return text;
  };
}
