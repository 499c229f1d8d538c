import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import type { z } from 'zod';
import type { CallOptions, MetaPipelineClient } from './client.ts';
import {
  aborted,
  fromProblem,
  guarded,
  InvalidRequestError,
  MetaPipelineError,
  UnavailableError,
} from './errors.ts';
import { routes } from './openapi.ts';
import {
  ListFilter,
  MetaPipeline,
  MetaPipelineList,
  MetaPipelineRef,
  MetaPipelineRequest,
  Problem,
} from './schemas.ts';

export interface RemoteClientOptions {
  /** The runner's base URL, e.g. `http://lighthouse-runner:8080`. */
  url: string;
  /** Bearer token the runner expects. */
  token: string;
  /** Per-attempt timeout. Default 10 s. */
  timeoutMs?: number;
  /** Attempts in all for connection errors and 502/503/504. Default 4. */
  attempts?: number;
  /** First backoff; doubles per attempt, full jitter. Default 100 ms. */
  baseDelayMs?: number;
}

const retryableStatus = new Set([502, 503, 504]);

/**
 * The remote implementation: the runner's HTTP contract over `fetch`. Every call is safe to retry,
 * since creates carry an idempotency key and the rest only read or cancel.
 */
export function createRemoteClient(options: RemoteClientOptions): MetaPipelineClient {
  const base = new URL(options.url);
  const timeoutMs = options.timeoutMs ?? 10_000;
  const attempts = options.attempts ?? 4;
  const baseDelayMs = options.baseDelayMs ?? 100;
  const closing = new AbortController();

  async function call<T extends z.ZodType>(
    method: 'GET' | 'POST',
    path: string,
    body: unknown,
    response: T,
    callOptions: CallOptions = {},
  ): Promise<z.output<T>> {
    const requestId = randomBytes(8).toString('hex');
    const traceparent = callOptions.traceparent ?? newTraceparent();
    for (let attempt = 1; ; attempt++) {
      const signals = [closing.signal, AbortSignal.timeout(timeoutMs)];
      if (callOptions.signal) signals.push(callOptions.signal);
      let res: Response;
      try {
        res = await fetch(new URL(path, base), {
          method,
          headers: {
            authorization: `Bearer ${options.token}`,
            accept: 'application/json, application/problem+json',
            'x-request-id': requestId,
            traceparent,
            ...(body === undefined ? {} : { 'content-type': 'application/json' }),
          },
          body: body === undefined ? null : JSON.stringify(body),
          signal: AbortSignal.any(signals),
        });
      } catch (error) {
        if (callOptions.signal?.aborted) throw aborted(callOptions.signal, `runner ${method} ${path}`);
        if (attempt < attempts && !closing.signal.aborted) {
          await backoff(attempt);
          continue;
        }
        throw new UnavailableError(`runner ${method} ${path}: ${reasonOf(error)}`, { cause: error });
      }
      if (retryableStatus.has(res.status) && attempt < attempts) {
        await res.body?.cancel();
        await backoff(attempt);
        continue;
      }
      return read(res, response, `${method} ${path}`);
    }
  }

  function backoff(attempt: number): Promise<void> {
    return sleep(Math.random() * baseDelayMs * 2 ** (attempt - 1), undefined, {
      signal: closing.signal,
    }).catch(() => {});
  }

  return guarded({
    create: async (request, callOptions) =>
      call(
        'POST',
        routes.create,
        validated(MetaPipelineRequest, request, 'request'),
        MetaPipeline,
        callOptions,
      ),
    get: async (ref, callOptions) => {
      const { namespace, name } = validated(MetaPipelineRef, ref, 'reference');
      return call('GET', routes.item(namespace, name), undefined, MetaPipeline, callOptions);
    },
    list: async (filter, callOptions) => {
      const { namespace, ...query } = validated(ListFilter, filter, 'filter');
      const search = new URLSearchParams(Object.entries(query).filter((e): e is [string, string] => !!e[1]));
      const path = `${routes.collection(namespace)}${search.size ? `?${search}` : ''}`;
      return (await call('GET', path, undefined, MetaPipelineList, callOptions)).items;
    },
    cancel: async (ref, callOptions) => {
      const { namespace, name } = validated(MetaPipelineRef, ref, 'reference');
      return call('POST', routes.cancel(namespace, name), undefined, MetaPipeline, callOptions);
    },
    close: async () => closing.abort(),
  });
}

/** Checked here too, so a bad request fails the same way without a round trip. */
function validated<S extends z.ZodType>(schema: S, input: unknown, what: string): z.input<S> {
  const result = schema.safeParse(input);
  if (!result.success) throw InvalidRequestError.fromZod(result.error, what);
  return input as z.input<S>;
}

async function read<S extends z.ZodType>(res: Response, schema: S, what: string): Promise<z.output<S>> {
  const text = await res.text();
  let body: unknown;
  try {
    body = text ? JSON.parse(text) : undefined;
  } catch {
    body = undefined;
  }
  if (res.ok) {
    const parsed = schema.safeParse(body);
    if (parsed.success) return parsed.data;
    throw new MetaPipelineError(`runner ${what}: unexpected response: ${parsed.error.message}`);
  }
  const problem = Problem.safeParse(body);
  if (problem.success) return Promise.reject(fromProblem(problem.data));
  const detail = `runner ${what}: HTTP ${res.status} ${text.slice(0, 200)}`;
  throw retryableStatus.has(res.status) ? new UnavailableError(detail) : new MetaPipelineError(detail);
}

function newTraceparent(): string {
  return `00-${randomBytes(16).toString('hex')}-${randomBytes(8).toString('hex')}-01`;
}

function reasonOf(error: unknown): string {
  if (error instanceof Error) {
    if (error.name === 'TimeoutError') return 'timed out';
    const cause = error.cause as { code?: string } | undefined;
    return cause?.code ?? error.message;
  }
  return String(error);
}
