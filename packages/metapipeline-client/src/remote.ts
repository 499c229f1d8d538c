import { randomBytes } from 'node:crypto';
import { Agent as HttpAgent, request as httpRequest, type IncomingMessage } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import { setTimeout as sleep } from 'node:timers/promises';
import type * as z from 'zod';
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
/** More than any answer of the contract needs (a list of thousands of pipelines); past it, the call fails. */
const maxAnswerLength = 64 * 1024 * 1024;

/** An answer read whole: its status and body text. */
interface Reply {
  status: number;
  text: string;
}

/**
 * The remote implementation: the runner's HTTP contract over node:http, on kept-alive connections. Every
 * call is safe to retry, since creates carry an idempotency key and the rest only read or cancel.
 *
 * Not `fetch`: per call it cost several times the CPU of node:http (WHATWG streams, and a copy of the
 * request whose body it streams, kept for following redirects, which the runner never sends), and that
 * CPU is most of what a call costs on top of the network.
 */
export function createRemoteClient(options: RemoteClientOptions): MetaPipelineClient {
  const base = new URL(options.url);
  const timeoutMs = options.timeoutMs ?? 10_000;
  const attempts = options.attempts ?? 4;
  const baseDelayMs = options.baseDelayMs ?? 100;
  const closing = new AbortController();
  const secure = base.protocol === 'https:';
  const agent = secure ? new HttpsAgent({ keepAlive: true }) : new HttpAgent({ keepAlive: true });
  const send = secure ? httpsRequest : httpRequest;

  /** One attempt: the request, headers and body written at once, and its answer read whole. */
  function exchange(
    method: string,
    url: URL,
    headers: Record<string, string>,
    body: string | undefined,
    signal: AbortSignal,
  ): Promise<Reply> {
    return new Promise((resolve, reject) => {
      const req = send(url, { method, headers, agent, signal }, (res: IncomingMessage) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => {
          text += chunk;
          if (text.length > maxAnswerLength)
            req.destroy(new Error(`the answer is over ${maxAnswerLength} characters`));
        });
        res.on('end', () => resolve({ status: res.statusCode ?? 0, text }));
        res.on('error', reject);
        res.on('close', () => reject(new Error('the connection closed before the answer ended')));
      });
      req.on('error', reject);
      req.end(body);
    });
  }

  async function call<T extends z.ZodType>(
    method: 'GET' | 'POST',
    path: string,
    body: unknown,
    response: T,
    callOptions: CallOptions = {},
  ): Promise<z.output<T>> {
    const requestId = randomBytes(8).toString('hex');
    const traceparent = callOptions.traceparent ?? newTraceparent();
    const url = new URL(path, base);
    const text = body === undefined ? undefined : JSON.stringify(body);
    const headers: Record<string, string> = {
      authorization: `Bearer ${options.token}`,
      accept: 'application/json, application/problem+json',
      'x-request-id': requestId,
      traceparent,
    };
    if (text !== undefined) {
      headers['content-type'] = 'application/json';
      headers['content-length'] = String(Buffer.byteLength(text));
    }
    for (let attempt = 1; ; attempt++) {
      const timeout = AbortSignal.timeout(timeoutMs);
      const signals = [closing.signal, timeout];
      if (callOptions.signal) signals.push(callOptions.signal);
      let reply: Reply;
      try {
        reply = await exchange(method, url, headers, text, AbortSignal.any(signals));
      } catch (error) {
        if (callOptions.signal?.aborted) throw aborted(callOptions.signal, `runner ${method} ${path}`);
        if (attempt < attempts && !closing.signal.aborted) {
          await backoff(attempt);
          continue;
        }
        const reason = timeout.aborted ? 'timed out' : reasonOf(error);
        throw new UnavailableError(`runner ${method} ${path}: ${reason}`, { cause: error });
      }
      if (retryableStatus.has(reply.status) && attempt < attempts) {
        await backoff(attempt);
        continue;
      }
      return read(reply, response, `${method} ${path}`);
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
    close: async () => {
      closing.abort();
      agent.destroy();
    },
  });
}

/** Checked here too, so a bad request fails the same way without a round trip. */
function validated<S extends z.ZodType>(schema: S, input: unknown, what: string): z.input<S> {
  const result = schema.safeParse(input);
  if (!result.success) throw InvalidRequestError.fromZod(result.error, what);
  return input as z.input<S>;
}

async function read<S extends z.ZodType>(
  { status, text }: Reply,
  schema: S,
  what: string,
): Promise<z.output<S>> {
  let body: unknown;
  try {
    body = text ? JSON.parse(text) : undefined;
  } catch {
    body = undefined;
  }
  if (status >= 200 && status < 300) {
    const parsed = schema.safeParse(body);
    if (parsed.success) return parsed.data;
    throw new MetaPipelineError(`runner ${what}: unexpected response: ${parsed.error.message}`);
  }
  const problem = Problem.safeParse(body);
  if (problem.success) return Promise.reject(fromProblem(problem.data));
  const detail = `runner ${what}: HTTP ${status} ${text.slice(0, 200)}`;
  throw retryableStatus.has(status) ? new UnavailableError(detail) : new MetaPipelineError(detail);
}

function newTraceparent(): string {
  return `00-${randomBytes(16).toString('hex')}-${randomBytes(8).toString('hex')}-01`;
}

function reasonOf(error: unknown): string {
  if (error instanceof Error) return (error as NodeJS.ErrnoException).code ?? error.message;
  return String(error);
}
