import { setTimeout as delay } from 'node:timers/promises';
import type * as z from 'zod';
import { type Credentials, ProviderError, ProviderUnavailableError } from './api.ts';

/** How hard one call tries before it gives up with `ProviderUnavailableError`. */
export interface RetryOptions {
  /** Requests sent at most for one call, the first included. Default 3. */
  attempts?: number;
  /**
   * The longest one call may wait in all, backoffs and rate-limit pauses together. Default 2 s, for a client
   * that answers within a webhook's budget; a background reporter can afford minutes. A call that would have
   * to wait longer fails at once with `retryAfterMs`, so its caller can queue the work for later.
   */
  maxWaitMs?: number;
}

/** What every provider client takes besides its API root. */
export interface ClientOptions {
  /** A token that never changes, or where to get the token for each request. */
  token: string | Credentials;
  /** Per request. Default 5 s. */
  timeoutMs?: number;
  retry?: RetryOptions;
  /** How to wait. Default a timer; tests pass one that records the waits and moves their clock. */
  sleep?: (ms: number) => Promise<void>;
  /** The time, in ms since the epoch, that rate-limit resets and pauses are measured against. Default `Date.now`. */
  now?: () => number;
  /** A number in [0, 1) that picks each backoff's jitter. Default `Math.random`. */
  random?: () => number;
  /**
   * Shared by the clients of one account (a webhook's and the reporter's), whose rate limit is one: a
   * limit any of them meets pauses them all. Default: this client's own.
   */
  pause?: RateLimitPause;
}

/** Until when the clients sharing it send nothing, in ms since the epoch (see `ClientOptions.pause`). */
export class RateLimitPause {
  #until = 0;

  get until(): number {
    return this.#until;
  }

  /** Pauses until `until`, unless a pause already lasts longer. */
  extend(until: number): void {
    this.#until = Math.max(this.#until, until);
  }
}

export interface RestOptions extends ClientOptions {
  /** API root, e.g. `https://api.github.com` or `https://gitlab.example.com/api/v4`. */
  baseUrl: string;
  /** Sent with every request (media type, API version). */
  headers?: Record<string, string>;
  /** The headers that carry a token, e.g. `{ authorization: 'Bearer <token>' }`. */
  authorize(token: string): Record<string, string>;
}

export type Method = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

/** One call to the API, sent again under the client's retry policy until it has an answer. */
export interface Call {
  /** Whose repositories the call is about: the credentials pick the token by it. */
  owner: string;
  repo?: string;
  /** Default GET. */
  method?: Method;
  /** A path under the API root, or a whole URL (a next page from a `Link` header). */
  path: string;
  /** Sent as JSON. */
  body?: unknown;
  /** The statuses that are an answer rather than a failure. Default any 2xx. */
  answers?: readonly number[];
  /**
   * The longest answer read, in bytes, for answers whose size someone else decides (a repository's files):
   * a longer one is refused with a `ProviderError` once that many bytes are in, the rest left unread.
   */
  maxBytes?: number;
  /**
   * Whether sending the call twice does what sending it once does. Default: every method but POST. A call
   * that is not is sent again only after answers proving it was not carried out (see `mayHaveBeenDone`).
   */
  idempotent?: boolean;
}

/** A provider's REST API under one retry policy and one shared rate-limit pause. */
export interface Rest {
  /** Sends `call`; resolves to the answer's status, its body unread. */
  send(call: Call): Promise<number>;
  /** Sends `call` and parses its JSON answer with `schema`; `next` is the `Link: <...>; rel="next"` page. */
  json<S extends z.ZodType>(
    call: Call,
    schema: S,
  ): Promise<{ status: number; body: z.output<S>; next: string | undefined }>;
  /**
   * Every page of a list, following `Link: rel="next"`; a list longer than `maxPages` is refused with a
   * `ProviderError` rather than cut short (a prefix would hide the newest comments, a job's changed file).
   */
  pages<T>(call: Call, schema: z.ZodType<T[]>, maxPages?: number): Promise<T[]>;
  /** Sends `call` and reads its answer as text. */
  text(call: Call): Promise<string>;
}

const backoffBaseMs = 250;
const backoffCapMs = 30_000;
/** GitHub: after a secondary rate limit, "wait for at least one minute before retrying". */
const secondaryLimitWaitMs = 60_000;

/** When `Retry-After` (seconds, or an HTTP date) says to ask again, as a wait from `now`. */
export function retryAfterMs(value: string | null, now: number): number | undefined {
  if (value === null) return undefined;
  if (/^\s*\d+\s*$/.test(value)) return Number(value) * 1000;
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}

/**
 * Whether an answer is a rate limit, and how long it asks us to wait (undefined when it does not say):
 * `Retry-After` on a 429, 403 or 503; GitHub's primary limit (403 or 429 with `x-ratelimit-remaining: 0`)
 * until `x-ratelimit-reset`; GitHub's secondary limits (403 or 429 whose message says so) at least a minute,
 * as GitHub's documentation asks. A 403 that is none of these is a refusal, not a limit.
 */
export function rateLimit(
  status: number,
  headers: Headers,
  body: string,
  now: number,
): { waitMs: number | undefined } | undefined {
  const limitStatus = status === 403 || status === 429;
  const after = status === 503 || limitStatus ? retryAfterMs(headers.get('retry-after'), now) : undefined;
  if (limitStatus && /secondary rate limit/i.test(body)) {
    return { waitMs: Math.max(after ?? 0, secondaryLimitWaitMs) };
  }
  if (after !== undefined) return { waitMs: after };
  if (limitStatus && headers.get('x-ratelimit-remaining') === '0') {
    return { waitMs: primaryLimitResetMs(headers, now) };
  }
  return status === 429 ? { waitMs: undefined } : undefined;
}

/**
 * Whether a rate limit holds back this kind of call only: GitHub's search has a limit of its own (30 a
 * minute), and using it up must not pause the client's other calls. A secondary limit holds back them all.
 */
function limitsOneKindOfCall(headers: Headers, body = ''): boolean {
  const resource = headers.get('x-ratelimit-resource');
  return resource !== null && resource !== 'core' && !/secondary rate limit/i.test(body);
}

/** Until GitHub's primary limit resets, when an answer says none is left (`x-ratelimit-remaining: 0`). */
function primaryLimitResetMs(headers: Headers, now: number): number | undefined {
  if (headers.get('x-ratelimit-remaining') !== '0') return undefined;
  const reset = Number(headers.get('x-ratelimit-reset') ?? Number.NaN);
  return Number.isFinite(reset) && reset > 0 ? Math.max(0, reset * 1000 - now) : undefined;
}

// Failures to connect: the request never left, so even a create may be sent again.
const notSentCodes = new Set([
  'ECONNREFUSED',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'UND_ERR_CONNECT_TIMEOUT',
]);

function errorCode(error: unknown): string | undefined {
  const cause = (error as { cause?: { code?: unknown; errors?: { code?: unknown }[] } }).cause;
  const code = cause?.code ?? cause?.errors?.[0]?.code;
  return typeof code === 'string' ? code : undefined;
}

/**
 * Whether a failed request may have been carried out, so that sending a create again could make a second
 * one. A 429 or 503 is refused before any work; a refused connection sent nothing. A timeout, a reset
 * connection, a 500 and a gateway's 502 or 504 leave it unknown: a gateway answers 502 or 504 when the
 * server behind it was too slow, and GitHub's have been seen to follow comments and issues that were made.
 */
export function mayHaveBeenDone(failure: { status: number } | { error: unknown }): boolean {
  if ('status' in failure) return failure.status !== 429 && failure.status !== 503;
  const code = errorCode(failure.error);
  return code === undefined || !notSentCodes.has(code);
}

const seconds = (ms: number) => `${Math.ceil(ms / 1000)} s`;

const kib = (bytes: number) => (bytes % 1024 === 0 ? `${bytes / 1024} KiB` : `${bytes} bytes`);

/**
 * An answer's body, of at most `maxBytes` when given; one cut off or timed out while it was read is an
 * outage, as a failed request is.
 */
async function readText(res: Response, what: string, maxBytes?: number): Promise<string> {
  try {
    if (maxBytes === undefined || !res.body) return await res.text();
    const decoder = new TextDecoder();
    const reader = res.body.getReader();
    let text = '';
    let read = 0;
    for (let chunk = await reader.read(); !chunk.done; chunk = await reader.read()) {
      read += chunk.value.byteLength;
      if (read > maxBytes) {
        // The rest of the answer is not read.
        await reader.cancel();
        const message = `${what}: the answer is larger than ${kib(maxBytes)}, the most this call reads`;
        throw new ProviderError(message, res.status);
      }
      text += decoder.decode(chunk.value, { stream: true });
    }
    return text + decoder.decode();
  } catch (error) {
    if (error instanceof ProviderError) throw error;
    throw new ProviderUnavailableError(`${what}: the answer was cut off: ${(error as Error).message}`, {
      cause: error,
    });
  }
}

/** The JSON in `text`, or undefined when it is none (the schema then says what was wrong). */
function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/**
 * The one way requests reach a provider. Each call is retried under one policy:
 * - 5xx, 429 without a wait, and connection failures and timeouts: again after an exponential backoff with
 *   full jitter (a random wait up to 250 ms, 500 ms, 1 s ... capped at 30 s); a call that may create
 *   something twice only after answers proving nothing was done (see `mayHaveBeenDone`);
 * - rate limits that say how long (see `rateLimit`): the whole client pauses until then, so no request of
 *   it hammers the provider meanwhile; a 2xx saying `x-ratelimit-remaining: 0` pauses it until the reset;
 *   a limit of one kind of call (GitHub's search) makes that call wait, not the client;
 * - any other 4xx: never again, a `ProviderError`.
 * A call that would wait beyond `retry.maxWaitMs` in all, or has sent `retry.attempts` requests, throws
 * `ProviderUnavailableError`, with `retryAfterMs` when the wait needed is known.
 */
export function restClient(options: RestOptions): Rest {
  const { attempts = 3, maxWaitMs = 2_000 } = options.retry ?? {};
  const sleep = options.sleep ?? ((ms: number) => delay(ms));
  const now = options.now ?? Date.now;
  const random = options.random ?? Math.random;
  const { token } = options;
  const tokenFor = typeof token === 'string' ? async () => token : token.token.bind(token);
  const root = options.baseUrl.replace(/\/$/, '');
  const { origin } = new URL(root);
  const pause = options.pause ?? new RateLimitPause();

  async function attempt(call: Call, method: Method, url: string) {
    const headers: Record<string, string> = {
      accept: 'application/json',
      ...options.headers,
      ...options.authorize(await tokenFor(call.owner, call.repo)),
    };
    if (call.body !== undefined) headers['content-type'] = 'application/json';
    try {
      const res = await fetch(url, {
        method,
        headers,
        ...(call.body === undefined ? {} : { body: JSON.stringify(call.body) }),
        redirect: 'manual',
        signal: AbortSignal.timeout(options.timeoutMs ?? 5000),
      });
      return { res };
    } catch (error) {
      return { error };
    }
  }

  async function answer(call: Call): Promise<{ url: string; res: Response }> {
    const method = call.method ?? 'GET';
    const url = call.path.startsWith('http') ? call.path : `${root}${call.path}`;
    const what = `${method} ${url}`;
    // A next page's link comes from the answer: the token goes to the API's own origin and nowhere else.
    if (new URL(url).origin !== origin) {
      throw new ProviderError(`${what}: not the API's origin ${origin}; the token is not sent there`, 0);
    }
    const idempotent = call.idempotent ?? method !== 'POST';
    const isAnswer = (status: number) =>
      call.answers ? call.answers.includes(status) : status >= 200 && status < 300;
    let waited = 0;
    const wait = async (ms: number, why: string) => {
      if (waited + ms > maxWaitMs) {
        const message = `${what}: ${why}; waiting ${seconds(ms)} is beyond this client's budget`;
        throw new ProviderUnavailableError(message, { retryAfterMs: ms });
      }
      await sleep(ms);
      waited += ms;
    };

    for (let sent = 1; ; sent++) {
      // Waits once for each pause it sees: another request may lengthen the pause meanwhile.
      for (let seen = 0; pause.until > now() && pause.until !== seen; ) {
        seen = pause.until;
        await wait(pause.until - now(), 'the provider is rate limiting this client');
      }
      const outcome = await attempt(call, method, url);
      let failure: ProviderUnavailableError;
      let mayBeDone: boolean;
      let retryAfter: number | undefined;
      let ownLimit = false;
      if (outcome.res) {
        const { res } = outcome;
        if (isAnswer(res.status)) {
          const reset = primaryLimitResetMs(res.headers, now());
          if (reset !== undefined && !limitsOneKindOfCall(res.headers)) pause.extend(now() + reset);
          return { url, res };
        }
        const text = await readText(res, what);
        const limit = rateLimit(res.status, res.headers, text, now());
        const message = `${what}: HTTP ${res.status} ${text.slice(0, 200)}`;
        if (!limit && res.status < 500) throw new ProviderError(message, res.status);
        retryAfter = limit?.waitMs;
        ownLimit = limitsOneKindOfCall(res.headers, text);
        if (retryAfter !== undefined && !ownLimit) pause.extend(now() + retryAfter);
        failure = new ProviderUnavailableError(
          message,
          retryAfter === undefined ? {} : { retryAfterMs: retryAfter },
        );
        mayBeDone = !limit && mayHaveBeenDone({ status: res.status });
      } else {
        const code = errorCode(outcome.error);
        const reason = `${(outcome.error as Error).message}${code ? ` (${code})` : ''}`;
        failure = new ProviderUnavailableError(`${what}: ${reason}`, { cause: outcome.error });
        mayBeDone = mayHaveBeenDone({ error: outcome.error });
      }
      if (sent >= attempts) throw failure;
      if (mayBeDone && !idempotent) {
        const message = `${failure.message}; not sent again, as it may have been carried out`;
        throw new ProviderUnavailableError(message, { cause: failure });
      }
      if (retryAfter === undefined) {
        const backoff = random() * Math.min(backoffCapMs, backoffBaseMs * 2 ** (sent - 1));
        await wait(backoff, failure.message);
      } else if (ownLimit) await wait(retryAfter, failure.message);
    }
  }

  async function json<S extends z.ZodType>(call: Call, schema: S) {
    const { url, res } = await answer(call);
    const text = await readText(res, `${call.method ?? 'GET'} ${url}`, call.maxBytes);
    const parsed = schema.safeParse(parseJson(text));
    if (!parsed.success) {
      const method = call.method ?? 'GET';
      throw new ProviderError(
        `${method} ${url}: unexpected answer: ${parsed.error.issues[0]?.message}`,
        res.status,
      );
    }
    const next = /<([^>]+)>;\s*rel="next"/.exec(res.headers.get('link') ?? '')?.[1];
    return { status: res.status, body: parsed.data as z.output<S>, next };
  }

  return {
    async send(call) {
      const { res } = await answer(call);
      await res.body?.cancel();
      return res.status;
    },
    json,
    async pages<T>(call: Call, schema: z.ZodType<T[]>, maxPages = 30) {
      const items: T[] = [];
      let next: string | undefined = call.path;
      for (let page = 0; next; page++) {
        if (page === maxPages) {
          throw new ProviderError(
            `${call.path}: the list has more than ${maxPages} pages, the most read`,
            200,
          );
        }
        const res: { body: T[]; next: string | undefined } = await json({ ...call, path: next }, schema);
        items.push(...res.body);
        next = res.next;
      }
      return items;
    },
    async text(call) {
      const { url, res } = await answer(call);
      return readText(res, `${call.method ?? 'GET'} ${url}`, call.maxBytes);
    },
  };
}
