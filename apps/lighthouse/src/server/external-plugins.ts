import { setTimeout as sleep } from 'node:timers/promises';
import type { ExternalPlugin, PluginsConfig } from '@lighthouse-ts/config';
import { within } from '@lighthouse-ts/http';
import { externalPluginsFor } from '@lighthouse-ts/plugins';
import { type Provider, retryAfterMs } from '@lighthouse-ts/scm';
import {
  goScmHook,
  goScmHookKinds,
  goScmHooksBuilt,
  secretsFor,
  sha256Signature,
  type WebhookSecrets,
} from '@lighthouse-ts/scm/webhooks';
import type { Logger } from 'pino';
import type { Metrics } from './metrics.ts';

/** A delivery whose signature verified. */
export interface VerifiedDelivery {
  provider: Provider;
  /** The provider's event header. */
  event: string;
  deliveryId: string;
  body: Buffer;
  /** Its repository (owner/name) when already known: then plugins of other repositories cost no parse. */
  repository?: string;
}

export interface ExternalPluginsOptions {
  /** The plugins.yaml in force now. */
  config: () => Pick<PluginsConfig, 'externalPlugins'>;
  /** The webhook secrets in force now: a delivery is signed with the first one for its repository. */
  secrets: () => WebhookSecrets;
  logger: Logger;
  metrics: Pick<Metrics, 'externalPluginDrops' | 'externalPluginSends'>;
  /** Longest one attempt may take; default 10 s. */
  timeoutMs?: number;
  /** Attempts after the first, for a network error, a timeout, a 5xx or a 429; default 3. */
  retries?: number;
  /** Wait before the first retry, doubled for each next one (each with jitter); default 100 ms. */
  firstRetryDelayMs?: number;
  /** Longest wait before a retry; a Retry-After asking for more ends the tries. Default 30 s. */
  maxRetryDelayMs?: number;
  /** Requests in flight at once, over all endpoints; default 8. */
  maxConcurrent?: number;
  /** Requests in flight at once to one endpoint; default 2. */
  maxConcurrentPerEndpoint?: number;
  /** Requests waiting for a slot, over all endpoints; past it a request is dropped. Default 1,000. */
  maxWaiting?: number;
  /** Requests waiting for a slot for one endpoint; past it a request is dropped. Default 100. */
  maxWaitingPerEndpoint?: number;
}

export interface ExternalPlugins {
  /**
   * Sends a verified delivery to the external plugins that want it: its places in their endpoints' queues
   * are taken now, and it is read and built once `after` (its first dispatch attempt) has settled,
   * whatever its outcome, or without one on the next turn of the event loop, so never before the
   * webhook's answer. Never throws.
   */
  forward(delivery: VerifiedDelivery, after?: Promise<unknown>): void;
  /**
   * Takes no new events, lets those in flight or waiting finish for up to `graceMs`, then aborts the
   * rest, counting them as dropped (shutdown). Resolves once nothing is left.
   */
  close(graceMs: number): Promise<void>;
}

/** One endpoint's share of the sends: its own limits, so a dead one holds up no other. */
interface Endpoint {
  url: string;
  inFlight: number;
  /** Places taken by deliveries not built yet, plus the requests in `queue`. */
  waiting: number;
  queue: Request[];
}

/** A delivery's places in its plugins' endpoint queues, until it is built. */
interface Reservation {
  delivery: VerifiedDelivery;
  /** The configuration it was forwarded under, so its plugins are the same objects when it is built. */
  config: Pick<PluginsConfig, 'externalPlugins'>;
  plugins: readonly ExternalPlugin[];
}

interface Request {
  plugin: ExternalPlugin;
  headers: Record<string, string>;
  body: string;
  log: Logger;
}

interface Attempt {
  status: number;
  retryAfter?: string | null;
  error?: unknown;
}

export const userAgent = 'LighthouseHook';

/**
 * Jenkins X Lighthouse's external plugins: each gets the events it names as go-scm's hook JSON, POSTed
 * and signed with the webhook secret, as Lighthouse sends them, so plugins written for it work unchanged.
 */
export function createExternalPlugins(options: ExternalPluginsOptions): ExternalPlugins {
  const { logger, metrics } = options;
  const timeoutMs = options.timeoutMs ?? 10_000;
  const retries = options.retries ?? 3;
  const firstRetryDelayMs = options.firstRetryDelayMs ?? 100;
  const maxRetryDelayMs = options.maxRetryDelayMs ?? 30_000;
  const maxConcurrent = options.maxConcurrent ?? 8;
  const maxConcurrentPerEndpoint = options.maxConcurrentPerEndpoint ?? 2;
  const maxWaiting = options.maxWaiting ?? 1000;
  const maxWaitingPerEndpoint = options.maxWaitingPerEndpoint ?? 100;
  const aborting = new AbortController();
  // In insertion order, each moved to the end when it gets a slot: the endpoints take turns.
  const endpoints = new Map<string, Endpoint>();
  const reservations = new Set<Reservation>();
  const idle: Array<() => void> = [];
  let inFlight = 0;
  let waiting = 0;
  let accepting = true;
  let toldNoSecret = false;

  const drop = (plugin: ExternalPlugin, reason: 'queue_full' | 'shutdown') =>
    metrics.externalPluginDrops.inc({ plugin: plugin.name, reason });

  function endpointOf(url: string): Endpoint {
    let endpoint = endpoints.get(url);
    if (!endpoint) {
      endpoint = { url, inFlight: 0, waiting: 0, queue: [] };
      endpoints.set(url, endpoint);
    }
    return endpoint;
  }

  /** Forgets an endpoint with nothing left, and tells `close` when nothing is left anywhere. */
  function tidy(endpoint: Endpoint): void {
    if (endpoint.inFlight === 0 && endpoint.waiting === 0) endpoints.delete(endpoint.url);
    if (inFlight === 0 && waiting === 0) for (const resolve of idle.splice(0)) resolve();
  }

  function reserve(plugin: ExternalPlugin, deliveryId: string): boolean {
    if (!accepting) {
      drop(plugin, 'shutdown');
      return false;
    }
    const endpoint = endpointOf(plugin.endpoint);
    if (endpoint.waiting >= maxWaitingPerEndpoint || waiting >= maxWaiting) {
      drop(plugin, 'queue_full');
      logger.warn(
        {
          deliveryId,
          externalPlugin: plugin.name,
          endpoint: shown(plugin.endpoint),
          waiting: endpoint.waiting,
        },
        'event for an external plugin dropped: too many waiting',
      );
      tidy(endpoint);
      return false;
    }
    endpoint.waiting++;
    waiting++;
    return true;
  }

  function unreserve(plugin: ExternalPlugin): void {
    const endpoint = endpointOf(plugin.endpoint);
    endpoint.waiting--;
    waiting--;
    tidy(endpoint);
  }

  /** Turns a reservation into requests once its delivery is built; places it does not use are given back. */
  function enqueue(reservation: Reservation): void {
    // Gone: dropped at shutdown while it waited for its dispatch.
    if (!reservations.delete(reservation)) return;
    let requests: Request[] = [];
    try {
      requests = requestsFor(reservation);
    } catch (error) {
      logger.warn(
        { err: error, deliveryId: reservation.delivery.deliveryId },
        'cannot build the event for external plugins',
      );
    }
    for (const plugin of reservation.plugins) {
      const request = requests.find((each) => each.plugin === plugin);
      if (request) endpointOf(plugin.endpoint).queue.push(request);
      else unreserve(plugin);
    }
    pump();
  }

  function requestsFor({ delivery, config, plugins }: Reservation): Request[] {
    const { provider, event, deliveryId, body } = delivery;
    const hook = goScmHook({ provider, event, deliveryId, payload: JSON.parse(body.toString('utf8')) });
    if (!hook) return [];
    const wanted = externalPluginsFor(config, hook.repository, hook.kind).filter((plugin) =>
      plugins.includes(plugin),
    );
    if (wanted.length === 0) return [];
    const secret = secretsFor(options.secrets(), hook.repository)[0];
    if (secret === undefined) {
      if (!toldNoSecret) {
        logger.error(
          { repository: hook.repository },
          'no webhook secret to sign events for external plugins with: none is sent until there is one',
        );
      }
      toldNoSecret = true;
      return [];
    }
    toldNoSecret = false;
    const json = JSON.stringify(hook.hook);
    const headers = {
      'Content-Type': 'application/json',
      'User-Agent': userAgent,
      'X-Lighthouse-Payload-Type': 'webhook',
      'X-Lighthouse-Webhook-Kind': hook.kind,
      'X-Lighthouse-Signature': sha256Signature(json, secret),
    };
    return wanted.map((plugin) => ({
      plugin,
      headers,
      body: json,
      log: logger.child({
        deliveryId,
        kind: hook.kind,
        externalPlugin: plugin.name,
        endpoint: shown(plugin.endpoint),
      }),
    }));
  }

  function pump(): void {
    while (inFlight < maxConcurrent) {
      const ready = [...endpoints.values()].find(
        (endpoint) => endpoint.queue.length > 0 && endpoint.inFlight < maxConcurrentPerEndpoint,
      );
      if (!ready) return;
      endpoints.delete(ready.url);
      endpoints.set(ready.url, ready);
      const request = ready.queue.shift() as Request;
      ready.waiting--;
      waiting--;
      ready.inFlight++;
      inFlight++;
      void send(request).finally(() => {
        ready.inFlight--;
        inFlight--;
        tidy(ready);
        pump();
      });
    }
  }

  async function send(request: Request): Promise<void> {
    const { plugin, log } = request;
    for (let attempt = 1; ; attempt++) {
      const result = await attemptOnce(request);
      // Aborted at shutdown; an answer that came in time still counts.
      if (result.error !== undefined && aborting.signal.aborted) break;
      const retryInMs = retryDelay(result, attempt);
      if (retryInMs === undefined) {
        report(request, result, attempt);
        return;
      }
      log.debug({ ...describe(result), retryInMs }, 'external plugin failed; trying again');
      await sleep(retryInMs, undefined, { signal: aborting.signal }).catch(() => undefined);
      if (aborting.signal.aborted) break;
    }
    drop(plugin, 'shutdown');
    log.warn('shutting down: the event was not sent to the external plugin');
  }

  /** How long to wait before trying again, or undefined to give up. */
  function retryDelay(result: Attempt, attempt: number): number | undefined {
    const retryable = result.error !== undefined || result.status >= 500 || result.status === 429;
    if (!retryable || attempt > retries) return undefined;
    const askedMs = retryAfterMs(result.retryAfter ?? null, Date.now()) ?? 0;
    if (askedMs > maxRetryDelayMs) return undefined;
    const backoffMs = Math.min(firstRetryDelayMs * 2 ** (attempt - 1), maxRetryDelayMs);
    // Jittered, so the sends that failed together are not all tried again together.
    return Math.round(Math.max(askedMs, backoffMs / 2 + (Math.random() * backoffMs) / 2));
  }

  async function attemptOnce({ plugin, headers, body }: Request): Promise<Attempt> {
    const signal = AbortSignal.any([aborting.signal, AbortSignal.timeout(timeoutMs)]);
    try {
      const response = await fetch(plugin.endpoint, {
        method: 'POST',
        headers,
        body,
        signal,
        redirect: 'manual',
      });
      // Only the status matters; the body is not read, so a large or endless one costs nothing.
      await response.body?.cancel();
      return { status: response.status, retryAfter: response.headers.get('retry-after') };
    } catch (error) {
      return { status: 0, error };
    }
  }

  function report({ plugin, log }: Request, result: Attempt, attempts: number): void {
    const delivered = result.error === undefined && result.status >= 200 && result.status < 300;
    metrics.externalPluginSends.inc({ plugin: plugin.name, outcome: delivered ? 'delivered' : 'failed' });
    if (delivered) log.info({ status: result.status, attempts }, 'event sent to external plugin');
    else log.warn({ ...describe(result), attempts }, 'external plugin did not take the event');
  }

  function settled(): Promise<void> {
    if (inFlight === 0 && waiting === 0) return Promise.resolve();
    return new Promise((resolve) => idle.push(resolve));
  }

  return {
    forward(delivery, after) {
      const kinds = goScmHookKinds(delivery.provider, delivery.event);
      if (kinds.length === 0) return;
      const config = options.config();
      const candidates = candidatesFor(config, delivery.repository, kinds);
      if (candidates.length === 0) return;
      const reservation = {
        delivery,
        config,
        plugins: candidates.filter((plugin) => reserve(plugin, delivery.deliveryId)),
      };
      if (reservation.plugins.length === 0) return;
      reservations.add(reservation);
      const build = () => setImmediate(enqueue, reservation);
      if (after) after.then(build, build);
      else build();
    },
    async close(graceMs) {
      accepting = false;
      await within(settled(), graceMs);
      aborting.abort();
      for (const { plugins } of reservations) {
        for (const plugin of plugins) {
          drop(plugin, 'shutdown');
          unreserve(plugin);
        }
      }
      reservations.clear();
      for (const endpoint of [...endpoints.values()]) {
        for (const { plugin } of endpoint.queue.splice(0)) {
          drop(plugin, 'shutdown');
          unreserve(plugin);
        }
      }
      await settled();
    },
  };
}

/**
 * Every plugin configured for the repository, or for any repository when it is not known yet, that
 * wants one of the kinds the delivery can become: a superset of those that get it, found without reading it.
 */
function candidatesFor(
  config: Pick<PluginsConfig, 'externalPlugins'>,
  repository: string | undefined,
  kinds: readonly string[],
): ExternalPlugin[] {
  const repositories = repository === undefined ? [...config.externalPlugins.keys()] : [repository];
  return [
    ...new Set(
      repositories.flatMap((each) => kinds.flatMap((kind) => externalPluginsFor(config, each, kind))),
    ),
  ];
}

/** Events and providers external plugins are configured for that `goScmHook` never builds, to warn about. */
export function unbuiltExternalPluginEvents(
  config: Pick<PluginsConfig, 'externalPlugins'>,
  providers: readonly Provider[],
): { events: string[]; providers: Provider[] } {
  const plugins = [...config.externalPlugins.values()].flat();
  if (plugins.length === 0) return { events: [], providers: [] };
  const built = (event: string) =>
    goScmHooksBuilt.kinds.some((kind) => event === kind || event === `${kind}s`);
  return {
    events: [...new Set(plugins.flatMap(({ events }) => events.filter((event) => !built(event))))],
    providers: providers.filter((provider) => !goScmHooksBuilt.providers.includes(provider)),
  };
}

/** An endpoint as logs show it: its origin and path, without a query that might hold a token. */
function shown(endpoint: string): string {
  const url = new URL(endpoint);
  return `${url.origin}${url.pathname}`;
}

function describe({ status, retryAfter, error }: Attempt) {
  if (error === undefined) return { status, ...(retryAfter ? { retryAfter } : {}) };
  return { error: reasonOf(error) };
}

/** Why a fetch failed: undici's "fetch failed" says nothing, its cause's code (ECONNREFUSED...) does. */
function reasonOf(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  if (error.name === 'TimeoutError') return 'timed out';
  const cause: unknown = error.cause;
  if (cause instanceof Error) {
    const code = (cause as NodeJS.ErrnoException).code;
    return typeof code === 'string' ? code : cause.message;
  }
  return error.message;
}
