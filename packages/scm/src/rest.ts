import type { z } from 'zod';
import { ProviderError, ProviderUnavailableError } from './api.ts';

export interface RestOptions {
  /** API root, e.g. `https://api.github.com` or `https://gitlab.example.com/api/v4`. */
  baseUrl: string;
  headers: Record<string, string>;
  /** Per request. Default 5 s: the answer is needed within the webhook's budget. */
  timeoutMs?: number;
}

async function get(options: RestOptions, pathOrUrl: string): Promise<{ url: string; res: Response }> {
  const url = pathOrUrl.startsWith('http') ? pathOrUrl : `${options.baseUrl.replace(/\/$/, '')}${pathOrUrl}`;
  try {
    const res = await fetch(url, {
      headers: { accept: 'application/json', ...options.headers },
      redirect: 'manual',
      signal: AbortSignal.timeout(options.timeoutMs ?? 5000),
    });
    return { url, res };
  } catch (error) {
    throw new ProviderUnavailableError(`GET ${url}: ${(error as Error).message}`, { cause: error });
  }
}

async function failure(url: string, res: Response): Promise<Error> {
  const text = (await res.text()).slice(0, 200);
  const rateLimited =
    res.status === 429 || (res.status === 403 && res.headers.get('x-ratelimit-remaining') === '0');
  return rateLimited || res.status >= 500
    ? new ProviderUnavailableError(`GET ${url}: HTTP ${res.status} ${text}`)
    : new ProviderError(`GET ${url}: HTTP ${res.status} ${text}`, res.status);
}

/** A yes/no question answered by status code (e.g. 204 yes, 404 no); other answers are errors. */
export async function getStatus(options: RestOptions, path: string, answers: number[]): Promise<number> {
  const { url, res } = await get(options, path);
  if (!answers.includes(res.status)) throw await failure(url, res);
  await res.body?.cancel();
  return res.status;
}

/** A JSON GET, parsed with `schema`; `next` is the next page from the `Link: <...>; rel="next"` header. */
export async function getJson<S extends z.ZodType>(
  options: RestOptions,
  pathOrUrl: string,
  schema: S,
): Promise<{ body: z.output<S>; next: string | undefined }> {
  const { url, res } = await get(options, pathOrUrl);
  if (res.status < 200 || res.status >= 300) throw await failure(url, res);
  const parsed = schema.safeParse(await res.json().catch(() => undefined));
  if (!parsed.success) {
    throw new ProviderError(`GET ${url}: unexpected answer: ${parsed.error.issues[0]?.message}`, res.status);
  }
  const next = /<([^>]+)>;\s*rel="next"/.exec(res.headers.get('link') ?? '')?.[1];
  return { body: parsed.data, next };
}

/** Every page of a list, following `Link: rel="next"`, up to `maxPages`. */
export async function getAllPages<T>(
  options: RestOptions,
  path: string,
  schema: z.ZodType<T[]>,
  maxPages = 30,
): Promise<T[]> {
  const items: T[] = [];
  let next: string | undefined = path;
  for (let page = 0; next && page < maxPages; page++) {
    const res: { body: T[]; next: string | undefined } = await getJson(options, next, schema);
    items.push(...res.body);
    next = res.next;
  }
  return items;
}
