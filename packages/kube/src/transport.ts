import { Agent as HttpAgent, request as httpRequest, type IncomingMessage } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import { promisify } from 'node:util';
import { gunzip as gunzipCallback } from 'node:zlib';
import type { KubeConfig } from '@kubernetes/client-node';
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
  /** client-node's agent for the cluster: one through its proxy when the kubeconfig names a proxy-url. */
  agent?: HttpAgent;
  ca?: Buffer;
  cert?: Buffer;
  key?: Buffer;
  rejectUnauthorized?: boolean;
  servername?: string;
  headers?: Record<string, string>;
};

interface Prepared {
  method: Request['method'];
  url: URL;
  headers: Record<string, string>;
  body: string | undefined;
}

/**
 * HTTP to one API server: auth and TLS from client-node's KubeConfig (kubeconfig, in-cluster, exec and
 * OIDC plugins), one pool of kept-alive connections, the client's rate limit, retries and typed errors.
 * Node's own http client: per request it costs what undici's request API does (fetch took twice the CPU),
 * and it is part of Node, where undici would add 0.7 MiB of modules to load at every start.
 */
export class Transport {
  readonly server: string;
  readonly #config: KubeConfig;
  readonly #limiter: RateLimiter;
  readonly #retry: RetryOptions;
  readonly #timeoutMs: number;
  readonly #userAgent: string;
  readonly #tls: boolean;
  readonly #proxied: boolean;
  #agent: HttpAgent | undefined;
  /** Calls under way (requests, retries included, and watches until their answer ends): close() waits. */
  #underWay = 0;
  #drained: PromiseWithResolvers<void> | undefined;
  #closed = false;

  constructor(config: KubeConfig, options: TransportOptions = {}) {
    const cluster = config.getCurrentCluster();
    if (!cluster) throw new Error('kube: the configuration names no current cluster');
    this.server = cluster.server.replace(/\/$/, '');
    this.#tls = new URL(this.server).protocol === 'https:';
    this.#proxied = Boolean(cluster.proxyUrl);
    this.#config = config;
    this.#limiter = new RateLimiter(options);
    this.#retry = options.retry ?? {};
    this.#timeoutMs = options.timeoutMs ?? 30_000;
    this.#userAgent = options.userAgent ?? 'lighthouse-ts';
  }

  /** A JSON request, retried when that is safe; resolves to the parsed body. */
  async request<T = unknown>(request: Request): Promise<T> {
    const attempt = async () => {
      await this.#limiter.take(request.signal);
      // Credentials and TLS settings that cannot be had fail as they are: no server was asked.
      const prepared = await this.#prepare(request, { compressed: true });
      const timeout = AbortSignal.timeout(this.#timeoutMs);
      const signal = request.signal ? AbortSignal.any([request.signal, timeout]) : timeout;
      let res: IncomingMessage;
      let answer: Buffer;
      try {
        res = await this.#send(prepared, signal);
        answer = await readAll(res);
      } catch (error) {
        // Cut off by the timeout, the request or its answer fails as aborted or reset: say it timed out.
        throw this.#unavailable(request, timeout.aborted ? timeout.reason : error);
      }
      // The API server compresses answers over 128 KiB (lists) for clients that accept it. One that cannot
      // be decompressed fails as one that cannot be parsed does: not retried, since it was answered.
      const compressed = res.headers['content-encoding'] === 'gzip' && answer.length > 0;
      const text = (compressed ? await gunzip(answer) : answer).toString('utf8');
      const status = res.statusCode ?? 0;
      if (status < 200 || status > 299) {
        throw errorFromResponse(describe(request), status, text, res.headers['retry-after'] ?? null);
      }
      return (text ? JSON.parse(text) : undefined) as T;
    };
    this.#begin();
    try {
      return await (request.retry === false
        ? attempt()
        : withRetry(attempt, { ...this.#retry, ...(request.signal ? { signal: request.signal } : {}) }));
    } finally {
      this.#end();
    }
  }

  /**
   * A streaming GET (a watch): resolves to the answer's body once its headers arrived; aborting the
   * request's signal ends it. Not retried.
   */
  async stream(request: Request): Promise<AsyncIterable<Buffer>> {
    this.#begin();
    try {
      await this.#limiter.take(request.signal);
      // Uncompressed: a watch's events are read as they arrive.
      const prepared = await this.#prepare(request, { compressed: false });
      let res: IncomingMessage;
      let text: string | undefined;
      try {
        res = await this.#send(prepared, request.signal);
        if (res.statusCode !== undefined && res.statusCode >= 200 && res.statusCode <= 299) {
          res.once('close', () => this.#end());
          return res;
        }
        text = (await readAll(res)).toString('utf8');
      } catch (error) {
        throw this.#unavailable(request, error);
      }
      throw errorFromResponse(
        describe(request),
        res.statusCode ?? 0,
        text,
        res.headers['retry-after'] ?? null,
      );
    } catch (error) {
      this.#end();
      throw error;
    }
  }

  /**
   * Waits for the calls under way to end, then closes the pooled connections; calls made after it fail.
   */
  async close(): Promise<void> {
    this.#closed = true;
    if (this.#underWay > 0) {
      this.#drained ??= Promise.withResolvers<void>();
      await this.#drained.promise;
    }
    // A proxy's agent is client-node's, shared by every client of the same configuration, and keeps no
    // connection open: it is left alone.
    if (!this.#proxied) this.#agent?.destroy();
  }

  #begin(): void {
    if (this.#closed) throw new Error(`kube: the client of ${this.server} is closed`);
    this.#underWay++;
  }

  #end(): void {
    if (--this.#underWay > 0) return;
    this.#drained?.resolve();
    this.#drained = undefined;
  }

  /** The connection agent (made on first use), the URL, headers with credentials, and the body. */
  async #prepare(request: Request, { compressed }: { compressed: boolean }): Promise<Prepared> {
    const options: HttpsOptions = { headers: {} };
    // Asked per request: token files and exec credentials rotate.
    await this.#config.applyToHTTPSOptions(options);
    this.#agent ??= this.#newAgent(options);
    const url = new URL(this.server + request.path);
    for (const [key, value] of Object.entries(request.query ?? {})) {
      if (value !== undefined) url.searchParams.set(key, String(value));
    }
    const headers: Record<string, string> = {
      ...options.headers,
      accept: 'application/json',
      'user-agent': this.#userAgent,
    };
    if (compressed) headers['accept-encoding'] = 'gzip';
    const body = request.body === undefined ? undefined : JSON.stringify(request.body);
    if (body !== undefined) {
      headers['content-type'] = request.contentType ?? 'application/json';
      headers['content-length'] = String(Buffer.byteLength(body));
    }
    return { method: request.method, url, headers, body };
  }

  /** The connection agent, made with the first request's TLS settings. */
  #newAgent(options: HttpsOptions): HttpAgent {
    if (this.#proxied) {
      // Through a proxy (SOCKS, or HTTP CONNECT), client-node's agent for it; it keeps no connection alive.
      if (!options.agent) throw new Error('kube: the configuration names a proxy but gives no agent for it');
      // It sets no timeout, and an agent's options override a request's: without one, a CONNECT the proxy
      // never answers would hold its connection after the call gave up, until the proxy dropped it. Shared
      // by the clients of one configuration: the first one's timeout is kept.
      const { options: agentOptions } = options.agent as HttpAgent & { options: { timeout?: number } };
      agentOptions.timeout ??= this.#timeoutMs;
      return options.agent;
    }
    if (!this.#tls) return new HttpAgent(keepAlive);
    return new HttpsAgent({
      ca: options.ca,
      cert: options.cert,
      key: options.key,
      rejectUnauthorized: options.rejectUnauthorized ?? true,
      servername: options.servername,
      ...keepAlive,
    });
  }

  /** Sends a prepared request; resolves to the answer once its headers arrived. */
  #send({ method, url, headers, body }: Prepared, signal: AbortSignal | undefined): Promise<IncomingMessage> {
    return new Promise<IncomingMessage>((resolve, reject) => {
      const req = (this.#tls ? httpsRequest : httpRequest)(url, {
        method,
        headers,
        agent: this.#agent,
        signal,
      });
      // Node reports an abort only once the request has a connection; through a proxy that is after the
      // proxy answered, which it may never do. The abort fails the call at once.
      const abort = () => {
        reject(signal?.reason);
        req.destroy();
      };
      signal?.addEventListener('abort', abort, { once: true });
      req.once('close', () => signal?.removeEventListener('abort', abort));
      req.on('error', reject);
      req.once('response', resolve);
      req.end(body);
    });
  }

  #unavailable(request: Request, error: unknown): unknown {
    if (request.signal?.aborted) return request.signal.reason;
    return new KubeUnavailableError(`${describe(request)}: ${reasonOf(error)}`, { cause: error });
  }
}

/**
 * Pooled connections are kept alive between requests, and closed after 4 s unused (as undici does), well
 * before the API server drops them, so a request is not sent on a connection being closed.
 */
const keepAlive = { keepAlive: true, keepAliveMsecs: 30_000, timeout: 4_000 } as const;

async function readAll(res: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of res) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

function describe(request: Request): string {
  return `${request.method} ${request.path}`;
}

function reasonOf(error: unknown): string {
  if (error instanceof Error) {
    if (error.name === 'TimeoutError') return 'timed out';
    const cause = error.cause as { code?: string; message?: string } | undefined;
    const { code } = error as { code?: string };
    return code ?? cause?.code ?? cause?.message ?? error.message;
  }
  return String(error);
}
