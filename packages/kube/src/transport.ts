import { promisify } from 'node:util';
import { gunzip as gunzipCallback } from 'node:zlib';
import type { KubeConfig } from '@kubernetes/client-node';
import { Agent, fetch, type Response } from 'undici';
import { errorFromResponse, KubeUnavailableError } from './errors.ts';
import { RateLimiter, type RateLimitOptions } from './ratelimit.ts';
import { type RetryOptions, withRetry } from './retry.ts';

const gunzip = promisify(gunzipCallback);

export interface TransportOptions extends RateLimitOptions {
  retry?: RetryOptions;
  /** Per-attempt timeout of a request (not of a watch). Default 30 s. */
  timeoutMs?: number;
  /** Sent as User-Agent; the API server's audit log shows it. */
  userAgent?: string;
}

export interface Request {
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  path: string;
  query?: Record<string, string | number | boolean | undefined>;
  body?: unknown;
  contentType?: string;
  signal?: AbortSignal;
  /** False for requests the server may have applied before failing, where a retry could do it twice. */
  retry?: boolean;
}

type HttpsOptions = {
  ca?: Buffer;
  cert?: Buffer;
  key?: Buffer;
  rejectUnauthorized?: boolean;
  servername?: string;
  headers?: Record<string, string>;
};

/**
 * HTTP to one API server: auth and TLS from client-node's KubeConfig (kubeconfig, in-cluster, exec and
 * OIDC plugins), one pooled connection agent, the client's rate limit, retries and typed errors.
 */
export class Transport {
  readonly server: string;
  readonly #config: KubeConfig;
  readonly #limiter: RateLimiter;
  readonly #retry: RetryOptions;
  readonly #timeoutMs: number;
  readonly #userAgent: string;
  #agent: Agent | undefined;

  constructor(config: KubeConfig, options: TransportOptions = {}) {
    const cluster = config.getCurrentCluster();
    if (!cluster) throw new Error('kube: the configuration names no current cluster');
    this.server = cluster.server.replace(/\/$/, '');
    this.#config = config;
    this.#limiter = new RateLimiter(options);
    this.#retry = options.retry ?? {};
    this.#timeoutMs = options.timeoutMs ?? 30_000;
    this.#userAgent = options.userAgent ?? 'lighthouse-ts';
  }

  /**
   * A JSON request, retried when that is safe; resolves to the parsed body. Through undici's request API,
   * not fetch: per call it takes half the CPU (no WHATWG streams), and these are most of the calls made.
   */
  request<T = unknown>(request: Request): Promise<T> {
    const attempt = async () => {
      await this.#limiter.take(request.signal);
      const timeout = AbortSignal.timeout(this.#timeoutMs);
      const signal = request.signal ? AbortSignal.any([request.signal, timeout]) : timeout;
      const { agent, url, headers, body } = await this.#prepare(request);
      let status: number;
      let answer: Buffer;
      let encoding: string | string[] | undefined;
      let retryAfter: string | string[] | undefined;
      try {
        const res = await agent.request({
          origin: url.origin,
          path: `${url.pathname}${url.search}`,
          method: request.method,
          headers,
          body,
          signal,
        });
        status = res.statusCode;
        retryAfter = res.headers['retry-after'];
        encoding = res.headers['content-encoding'];
        answer = Buffer.from(await res.body.arrayBuffer());
      } catch (error) {
        throw this.#unavailable(request, error);
      }
      // The API server compresses answers over 128 KiB (lists) for clients that accept it. One that cannot
      // be decompressed fails as one that cannot be parsed does: not retried, since it was answered.
      const text = (encoding === 'gzip' && answer.length > 0 ? await gunzip(answer) : answer).toString(
        'utf8',
      );
      if (status < 200 || status > 299) {
        const header = Array.isArray(retryAfter) ? retryAfter[0] : retryAfter;
        throw errorFromResponse(describe(request), status, text, header ?? null);
      }
      return (text ? JSON.parse(text) : undefined) as T;
    };
    return request.retry === false
      ? attempt()
      : withRetry(attempt, { ...this.#retry, ...(request.signal ? { signal: request.signal } : {}) });
  }

  /** A streaming GET (a watch); the caller reads and cancels the body. Not retried. */
  async stream(request: Request): Promise<Response> {
    await this.#limiter.take(request.signal);
    const res = await this.#send(request, request.signal);
    if (!res.ok)
      throw errorFromResponse(
        describe(request),
        res.status,
        await res.text(),
        res.headers.get('retry-after'),
      );
    return res;
  }

  close(): Promise<void> {
    return this.#agent?.close() ?? Promise.resolve();
  }

  async #send(request: Request, signal: AbortSignal | undefined): Promise<Response> {
    const { agent, url, headers, body } = await this.#prepare(request);
    try {
      return await fetch(url, {
        method: request.method,
        headers,
        body: body ?? null,
        dispatcher: agent,
        signal: signal ?? null,
      });
    } catch (error) {
      throw this.#unavailable(request, error);
    }
  }

  /** The connection agent (made on first use), the URL, headers with credentials, and the body. */
  async #prepare(request: Request) {
    const options: HttpsOptions = { headers: {} };
    // Asked per request: token files and exec credentials rotate.
    await this.#config.applyToHTTPSOptions(options);
    this.#agent ??= new Agent({
      // HTTP/1.1 only: over HTTP/2 (undici's default), a request aborted mid-flight has left Node's http2
      // session spinning in native code at full CPU (seen with Node 24.21, undici 8.13).
      allowH2: false,
      connect: {
        ca: options.ca,
        cert: options.cert,
        key: options.key,
        rejectUnauthorized: options.rejectUnauthorized ?? true,
        servername: options.servername,
        keepAlive: true,
        keepAliveInitialDelay: 30_000,
      },
    });
    const url = new URL(this.server + request.path);
    for (const [key, value] of Object.entries(request.query ?? {})) {
      if (value !== undefined) url.searchParams.set(key, String(value));
    }
    const headers: Record<string, string> = {
      ...options.headers,
      accept: 'application/json',
      'accept-encoding': 'gzip',
      'user-agent': this.#userAgent,
    };
    if (request.body !== undefined) headers['content-type'] = request.contentType ?? 'application/json';
    const body = request.body === undefined ? undefined : JSON.stringify(request.body);
    return { agent: this.#agent, url, headers, body };
  }

  #unavailable(request: Request, error: unknown): unknown {
    if (request.signal?.aborted) return request.signal.reason;
    return new KubeUnavailableError(`${describe(request)}: ${reasonOf(error)}`, { cause: error });
  }
}

function describe(request: Request): string {
  return `${request.method} ${request.path}`;
}

function reasonOf(error: unknown): string {
  if (error instanceof Error) {
    if (error.name === 'TimeoutError') return 'timed out';
    // fetch wraps what went wrong (its cause); undici's request API throws it as it is.
    const cause = error.cause as { code?: string; message?: string } | undefined;
    const { code } = error as { code?: string };
    return cause?.code ?? code ?? cause?.message ?? error.message;
  }
  return String(error);
}
