import type { IncomingMessage, ServerResponse } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  type Answer,
  type BodyBudget,
  ClientGoneError,
  checkDeclaredLength,
  createLifecycle,
  type DrainingListener,
  HttpError,
  header,
  json,
  methodNotAllowed,
  problem,
  type Readiness,
  readBody,
  requireJson,
  sendAnswer,
  traceContextOf,
  trackedListener,
  within,
} from '@lighthouse-ts/http';
import { MetaPipelineError } from '@lighthouse-ts/metapipeline-client';
import { type Dispatch, type DispatchResult, PluginError } from '@lighthouse-ts/plugins';
import { eventKey, type Provider, type WebhookEvent } from '@lighthouse-ts/scm';
import {
  countSecrets,
  detectProvider,
  handledEvents,
  receiveWebhook,
  sharedSecrets,
  type WebhookSecrets,
} from '@lighthouse-ts/scm/webhooks';
import type { Logger } from 'pino';
import { failedForGood } from '../permanent.ts';
import type { RecentDeliveries, StoryHandle } from '../ui/recent.ts';
import { createDeliveryLedger } from './dedupe.ts';
import type { ExternalPlugins } from './external-plugins.ts';
import type { Metrics } from './metrics.ts';
import type { PendingDelivery, PendingStore } from './pending.ts';

export interface WebhookHandlerOptions {
  /**
   * The secrets accepted now: a list for every repository (several during a rotation) or scoped ones;
   * a function is asked on every delivery.
   */
  secrets: readonly string[] | (() => WebhookSecrets);
  allowSha1?: boolean;
  dispatch: Dispatch;
  logger: Logger;
  metrics: Metrics;
  /** Largest body accepted; default 25 MiB, GitHub's own cap. */
  maxBodyBytes?: number;
  /** Bytes of bodies read at once across deliveries (503 with Retry-After over it); default no budget. */
  bodyBudget?: BodyBudget;
  /** Longest a sender waits for an answer; default 8 s, under GitHub's 10 s. Past it: 202. */
  budgetMs?: number;
  /** How long a dispatched delivery is remembered as done; default 1 hour. 0 turns this off. */
  dedupeWindowMs?: number;
  /** Most deliveries remembered; the oldest are forgotten first. Default 100,000. */
  dedupeMaxEntries?: number;
  /** Whether to take traffic (config loaded, client reachable...); default always, until shutdown. */
  readiness?: () => Readiness | Promise<Readiness>;
  /** How a dispatch that failed but may succeed later is tried again (see DispatchRetry). */
  retry?: DispatchRetry;
  /**
   * Where a delivery answered 202 is kept until its dispatch settles, so a process that dies or shuts
   * down first leaves it to the next one (see `resume`). None: it lives in this process only.
   */
  pending?: PendingStore;
  /** Deliveries kept in the pending store at once; past it one lives in the process only. Default 1,000. */
  maxKept?: number;
  /** Where each delivery's story is told, for the web page. */
  recent?: RecentDeliveries;
  /**
   * Gets the verified deliveries that are neither pings nor duplicates: an ignored one at once, a new
   * event with its first dispatch attempt, to be sent once that has settled.
   */
  externalPlugins?: Pick<ExternalPlugins, 'forward'>;
}

/**
 * A dispatch that failed for a reason that may pass (Kubernetes or the runner unavailable, a provider's
 * API down) is tried again in the process, after `firstDelayMs`, then twice as long each time up to
 * `maxDelayMs` (each with jitter), until it succeeds, fails for good, `forMs` have passed since the
 * delivery, or lighthouse shuts down. Its jobs are keyed on the event, so no attempt starts one twice.
 * GitHub, Gitea and Bitbucket Server never deliver again on their own, and GitLab disables a hook that
 * keeps failing: a 503 would lose the jobs. Defaults 1 s, 1 min, 30 min.
 */
export interface DispatchRetry {
  firstDelayMs?: number;
  maxDelayMs?: number;
  forMs?: number;
  /** Dispatches waiting to be tried again at once; past it a failure is answered (503). Default 1,000. */
  maxWaiting?: number;
}

/**
 * The request listener for `POST /hook`, `/healthz`, `/readyz` and `/metrics`; `drained` waits for the
 * dispatches that outlive their answers too, and `abort` aborts their signal (the grace period is over).
 * `resume` dispatches the deliveries an earlier process kept and did not finish; it resolves to how many
 * once they are loaded (their dispatches go on).
 */
export type WebhookHandler = DrainingListener & { abort(reason: string): void; resume(): Promise<number> };

export const hookPath = '/hook';
export const defaultMaxBodyBytes = 25 * 1024 * 1024;
export const defaultBudgetMs = 8000;
/** Longest an answer waits for its delivery to be kept on disk. */
const keepWaitMs = 2000;
/** Starts that may resume one kept delivery before it is set aside. */
const maxResumes = 5;

/**
 * GitHub can also send `application/x-www-form-urlencoded` with the JSON in a `payload` field; that is
 * refused (415) saying what to change, because the signature covers the form encoding and every provider we
 * support can send JSON, so one body format keeps verification on the raw bytes simple.
 */
const contentTypeAdvice = {
  'application/x-www-form-urlencoded':
    'set the webhook\'s content type to "application/json" in the provider\'s settings',
};

/**
 * A dispatch's outcome. `unfinished`: it failed for a reason that may pass but is not tried again in this
 * process (shutting down, its time or the room to wait is up), so a kept delivery stays kept for the
 * next start.
 */
type Settled = { ok: true; result: DispatchResult } | { ok: false; error: unknown; unfinished?: true };

/**
 * The answers to `POST /hook`, in the order they are decided (JSON bodies; problem+json for errors):
 *
 * - 405 another method; 413 a Content-Length over the cap; 415 not JSON (form-encoded included);
 *   413 a body that grows past the cap while streaming;
 * - 400 no provider recognised; 401 signature or token missing or wrong; 400 (after the signature)
 *   no delivery id, malformed JSON, or a payload that does not have the event's shape;
 * - 200 `pong` for a ping; 202 `ignored` with the reason for an event or action we do not handle;
 * - 200 `duplicate` for an event (scm's eventKey, whatever its delivery id) dispatched successfully
 *   within the dedupe window; one that arrives while the same event is being dispatched waits for that
 *   dispatch and shares its outcome;
 * - 200 `done` with what started; 202 `accepted` if dispatch outlasts the budget (it goes on, tried
 *   again after failures that may pass, see DispatchRetry, and kept in the pending store until it settles,
 *   so a restart resumes it; its outcome is logged); 503
 *   `dispatch-failed` for a retryable MetaPipelineError or PluginError it can no longer try again (an
 *   outage past the retries, shutting down, too many waiting); 202 `failed` with the reason for a permanent one (a missing token, RBAC, a namespace that
 *   does not exist: a redelivery cannot fix the configuration, and a 4xx would make GitLab disable the
 *   hook); 500 for any other error (a bug). After a failure the delivery is not remembered, so a
 *   redelivery dispatches it again.
 *
 * Node itself refuses unreadable requests (431 headers too large, 400 malformed, 408 too slow); see
 * clientErrorListener in @lighthouse-ts/http.
 */
export function createWebhookHandler(options: WebhookHandlerOptions): WebhookHandler {
  const { allowSha1 = false, dispatch, logger, metrics, pending, recent } = options;
  const maxBodyBytes = options.maxBodyBytes ?? defaultMaxBodyBytes;
  const budgetMs = options.budgetMs ?? defaultBudgetMs;
  const given = options.secrets;
  const fixed = typeof given === 'function' ? undefined : sharedSecrets(given);
  const secrets = typeof given === 'function' ? given : () => fixed as WebhookSecrets;
  if (countSecrets(secrets()) === 0) {
    throw new Error('no webhook secret: lighthouse refuses to accept webhooks it cannot verify');
  }
  const ledger = createDeliveryLedger<Settled>({
    windowMs: options.dedupeWindowMs ?? 60 * 60 * 1000,
    maxEntries: options.dedupeMaxEntries ?? 100_000,
  });
  const firstRetryMs = options.retry?.firstDelayMs ?? 1000;
  const maxRetryMs = options.retry?.maxDelayMs ?? 60_000;
  const retryForMs = options.retry?.forMs ?? 30 * 60_000;
  const maxWaiting = options.retry?.maxWaiting ?? 1000;
  let waiting = 0;
  const maxKept = options.maxKept ?? 1000;
  // Files in the pending store this process keeps or resumed, and has not forgotten.
  let keptNow = 0;
  // Aborted on shutdown: a dispatch waiting to be tried again gives up then, instead of holding the drain.
  const retries = new AbortController();
  const stopping = new AbortController();
  // Requests being handled plus dispatches running, answered ones included.
  const lifecycle = createLifecycle(logger, options.readiness);

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = (req.url ?? '/').split('?')[0] ?? '/';
    if (path === hookPath) return receive(req, res);
    const method = req.method ?? 'GET';
    const answer = await probe(path, method);
    logger.debug({ method, path, status: answer.status }, 'request');
    send(req, res, answer);
  }

  async function probe(path: string, method: string): Promise<Answer> {
    // A Map, not an object literal: a path such as /constructor must not find Object's own members.
    const operations = new Map<string, () => Promise<Answer>>([
      ['/healthz', async () => json(200, { status: 'ok' })],
      ['/readyz', readyz],
      [
        '/metrics',
        async () => ({
          status: 200,
          body: await metrics.registry.metrics(),
          contentType: metrics.registry.contentType,
        }),
      ],
    ]);
    const operation = operations.get(path);
    if (!operation)
      return problem(404, 'not-found', `no route for ${method} ${path}; webhooks go to POST /hook`);
    if (method !== 'GET' && method !== 'HEAD') return methodNotAllowed(method, ['GET', 'HEAD']).toAnswer();
    return operation();
  }

  async function readyz(): Promise<Answer> {
    const state = await lifecycle.readiness();
    return state.ready
      ? json(200, { status: 'ready' })
      : problem(503, 'unavailable', `not ready: ${state.reason}`);
  }

  async function receive(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const receivedAt = performance.now();
    const receivedAtMs = Date.now();
    const trace = traceContextOf(header(req, 'traceparent'));
    const detected = detectProvider(req.headers);
    const provider = detected.kind === 'known' ? detected.provider : 'unknown';
    // As claimed by the headers: logged before it is verified, so it can be looked up even if refused.
    const deliveryId = detected.kind === 'known' ? detected.deliveryId?.slice(0, 128) : undefined;
    const log = logger.child({
      deliveryId,
      traceId: trace.traceId,
      provider,
      ...(detected.kind === 'known' ? { event: detected.event.slice(0, 64) } : {}),
    });
    const ids = { ...(deliveryId ? { deliveryId } : {}), traceId: trace.traceId };
    let eventLabel = 'unverified';
    let outcome = 'refused';
    let reason: string | undefined;
    let story: StoryHandle | undefined;
    res.on('close', () => {
      const status = res.writableFinished ? res.statusCode : 499;
      const seconds = (performance.now() - receivedAt) / 1000;
      metrics.deliveries.inc({ provider, event: eventLabel, code: status });
      metrics.deliveryDuration.observe({ provider }, seconds);
      const line = { status, outcome, durationMs: Math.round(seconds * 1000), ...(reason ? { reason } : {}) };
      if (status >= 500) log.warn(line, 'delivery answered');
      else log.info(line, 'delivery answered');
    });
    log.debug({ method: req.method, contentLength: header(req, 'content-length') }, 'delivery received');

    const answer = (result: Answer, why?: string) => {
      reason = why;
      // Told before it is sent, so whoever reads the answer finds the page telling it too.
      if (story) story.answered(result.status, why ? `${outcome}: ${why}` : outcome);
      else {
        recent?.refuse({
          receivedAt: new Date(receivedAtMs).toISOString(),
          provider,
          status: result.status,
          reason: why ?? outcome,
          ...(detected.kind === 'known' ? { event: detected.event.slice(0, 64) } : {}),
          ...(deliveryId ? { deliveryId } : {}),
        });
      }
      send(req, res, result);
    };
    if (req.method !== 'POST') {
      return answer(methodNotAllowed(req.method ?? '', ['POST']).toAnswer(), `method ${req.method}`);
    }

    let body: Buffer;
    try {
      checkDeclaredLength(req, maxBodyBytes);
      requireJson(header(req, 'content-type'), contentTypeAdvice);
      body = await readBody(req, maxBodyBytes, options.bodyBudget?.meter(res));
    } catch (error) {
      if (error instanceof ClientGoneError) {
        outcome = 'sender gone';
        return;
      }
      if (!(error instanceof HttpError)) throw error;
      return answer(error.toAnswer(ids), error.message);
    }

    const received = receiveWebhook({ headers: req.headers, body, secrets: secrets(), allowSha1, detected });
    if (received.kind === 'rejected') {
      // Every 400 after the provider is known comes after the signature verified.
      if (received.status === 400 && detected.kind === 'known') eventLabel = metricEvent(detected);
      const kind = received.status === 401 ? 'unauthorized' : 'bad-request';
      return answer(problem(received.status, kind, received.reason, ids), received.reason);
    }
    if (detected.kind === 'known') eventLabel = metricEvent(detected);
    story = recent?.add({
      receivedAt: new Date(receivedAtMs).toISOString(),
      provider,
      event: detected.kind === 'known' ? detected.event.slice(0, 64) : 'unknown',
      ...(deliveryId ? { deliveryId } : {}),
      ...(received.kind === 'event' ? describeEvent(received.event) : {}),
      summary: 'being handled',
    });
    const verified =
      detected.kind === 'known'
        ? { provider: detected.provider, event: detected.event, deliveryId: deliveryId ?? '', body }
        : undefined;
    if (received.kind === 'ignored') {
      if (verified) options.externalPlugins?.forward(verified);
      outcome = 'ignored';
      return answer(json(202, { status: 'ignored', reason: received.reason, ...ids }), received.reason);
    }
    const { event } = received;
    if (event.type === 'ping') {
      outcome = 'pong';
      return answer(json(200, { status: 'pong', ...ids }));
    }

    // What the event is, not its unsigned delivery id: a replay under a new id is the same event.
    const key = eventKey(event);
    const seen = ledger.lookup(key);
    let run: Promise<Settled>;
    if (seen) {
      metrics.duplicates.inc({ provider });
      outcome = 'duplicate';
      if (seen.state === 'done') return answer(json(200, { status: 'duplicate', ...ids }));
      log.info(
        'this delivery is already being dispatched: waiting for that dispatch instead of starting another',
      );
      run = seen.outcome;
    } else {
      const dispatching = startDispatch(event, log, trace.traceparent, {
        retryFrom: receivedAtMs,
        ...(story ? { story } : {}),
      });
      run = dispatching.run;
      ledger.track(key, run, (settled) => settled.ok);
      // Not the whole run: its retries may go on for half an hour.
      const repository = event.repo && `${event.repo.owner}/${event.repo.name}`;
      if (verified) {
        options.externalPlugins?.forward({ ...verified, repository }, dispatching.firstAttempt);
      }
    }

    const settled = await within(run, receivedAt + budgetMs - performance.now());
    if (!settled) {
      outcome = seen ? 'duplicate, still dispatching' : 'still dispatching';
      // Accepted: kept before it is answered so, whatever happens to this process, its jobs will exist.
      if (!seen) {
        const kept = {
          version: 1,
          key,
          traceparent: trace.traceparent,
          receivedAt: receivedAtMs,
          attempts: 1,
          resumes: 0,
          event,
        } as const;
        await keepUntilSettled({ ...kept, ...(deliveryId ? { deliveryId } : {}) }, run, log);
      }
      const why = `still dispatching after ${budgetMs} ms; the outcome goes to lighthouse's log`;
      return answer(json(202, { status: 'accepted', reason: why, ...ids }), why);
    }
    if (settled.ok) {
      if (!seen) outcome = 'dispatched';
      const { started, skipped } = settled.result;
      const what = `${started.length} started${skipped?.length ? `, ${skipped.length} skipped` : ''}`;
      return answer(json(200, { status: seen ? 'duplicate' : 'done', started, skipped, ...ids }), what);
    }
    outcome = 'dispatch failed';
    const { error } = settled;
    // Only when it could not be tried again (shutting down, or retried for as long as it may be).
    if (failedForGood(error)) {
      const why = `the jobs cannot start until the configuration changes: ${error.message}`;
      return answer(json(202, { status: 'failed', reason: why, errorType: error.name, ...ids }), why);
    }
    if (error instanceof MetaPipelineError || error instanceof PluginError) {
      const detail = `could not start the jobs: ${error.message}`;
      const extra = { errorType: error.name, retryable: true, ...ids };
      return answer(problem(503, 'dispatch-failed', detail, extra), detail);
    }
    const detail = `internal error while dispatching; lighthouse's log has the details under traceId ${trace.traceId}`;
    return answer(problem(500, 'internal', detail, ids), detail);
  }

  /**
   * Runs dispatch, tried again while it fails for a reason that may pass (see DispatchRetry), and records
   * and logs its outcome whenever it comes (before or after the answer). `firstAttempt` settles with the
   * first try.
   */
  function startDispatch(
    event: WebhookEvent,
    log: Logger,
    traceparent: string,
    {
      retryFrom,
      attempts = 0,
      story,
    }: {
      /** When its retries started counting (epoch ms): its receipt, or its resumption after a restart. */
      retryFrom: number;
      attempts?: number;
      story?: StoryHandle;
    },
  ): { run: Promise<Settled>; firstAttempt: Promise<Settled> } {
    lifecycle.enter();
    metrics.dispatchesInFlight.inc();
    const started = performance.now();
    log.debug({ type: event.type }, 'dispatching');
    const attempt = (): Promise<Settled> => {
      const number = ++attempts;
      story?.attempt(number);
      return (async () =>
        dispatch(event, {
          log,
          signal: stopping.signal,
          traceparent,
          attempt: number,
          ...(story ? { record: story } : {}),
        }))().then(
        (result): Settled => ({ ok: true, result }),
        (error: unknown): Settled => ({ ok: false, error }),
      );
    };
    const firstAttempt = attempt();
    const run: Promise<Settled> = (async () => {
      let settled = await firstAttempt;
      for (let delayMs = firstRetryMs; ; delayMs = Math.min(delayMs * 2, maxRetryMs)) {
        if (settled.ok) return settled;
        // Shutting down: a failure that may pass (an aborted call included) is left for the next start.
        if (retries.signal.aborted && (mayPass(settled.error) || stopping.signal.aborted)) {
          return { ...settled, unfinished: true as const };
        }
        if (!mayPass(settled.error)) return settled;
        const waitMs = delayMs / 2 + Math.random() * (delayMs / 2);
        const deadline = Date.now() + waitMs - retryFrom > retryForMs;
        if (deadline || waiting >= maxWaiting) return { ...settled, unfinished: true as const };
        metrics.dispatchRetries.inc();
        log.warn({ err: settled.error, retryInMs: Math.round(waitMs) }, 'dispatch failed; trying again');
        waiting++;
        await sleep(waitMs, undefined, { signal: retries.signal })
          .catch(() => undefined)
          .finally(() => waiting--);
        if (retries.signal.aborted) return { ...settled, unfinished: true as const };
        settled = await attempt();
      }
    })()
      .then((settled) => {
        const durationMs = Math.round(performance.now() - started);
        metrics.dispatchesInFlight.dec();
        metrics.dispatchDuration.observe({ outcome: settled.ok ? 'ok' : 'error' }, durationMs / 1000);
        story?.settled(settled.ok ? 'done' : `failed: ${messageOf(settled.error)}`);
        if (settled.ok) {
          const { started: jobs, skipped = [] } = settled.result;
          log.info({ started: jobs, skipped, durationMs }, 'dispatched');
        } else {
          const { error } = settled;
          const known = error instanceof MetaPipelineError || error instanceof PluginError;
          const type = known ? error.name : 'unexpected';
          metrics.dispatchErrors.inc({ type });
          log.error({ err: error, errorType: type, durationMs }, 'dispatch failed');
        }
        return settled;
      })
      .finally(lifecycle.leave);
    return { run, firstAttempt };
  }

  /**
   * Keeps an accepted delivery in the pending store until its dispatch settles; one left unfinished (see
   * Settled) stays kept for the next start. The answer waits for the write at most `keepWaitMs`; a store
   * that cannot write, or holds `maxKept` already, costs only what a restart would lose.
   */
  async function keepUntilSettled(
    delivery: PendingDelivery,
    run: Promise<Settled>,
    log: Logger,
  ): Promise<void> {
    if (!pending) return;
    if (keptNow >= maxKept) {
      metrics.keepFailures.inc();
      log.error({ kept: keptNow }, 'too many deliveries kept already: this one lives in this process only');
      return;
    }
    keptNow++;
    const written = pending.keep(delivery).then(
      (file) => forgetOnceSettled(file, run, log),
      (error: unknown) => {
        keptNow--;
        metrics.keepFailures.inc();
        log.error(
          { err: error, dir: pending.dir },
          'cannot keep the accepted delivery on disk: its dispatch goes on, but a restart first would lose it',
        );
      },
    );
    if (
      (await within(
        written.then(() => true),
        keepWaitMs,
      )) === undefined
    ) {
      log.warn(
        { dir: pending.dir },
        `keeping the delivery took over ${keepWaitMs} ms; answered before it was kept`,
      );
    }
  }

  /** Forgets a kept file once its dispatch settles, unless it was left unfinished. */
  function forgetOnceSettled(file: string, run: Promise<Settled>, log: Logger): void {
    if (!pending) return;
    metrics.deliveriesKept.inc();
    // Part of the work in flight, so a drained process has forgotten what it finished.
    lifecycle.enter();
    void run
      .then(async (settled) => {
        if (!settled.ok && settled.unfinished) {
          log.warn({ file }, 'left kept: the next start on the pending directory tries it again');
          return;
        }
        keptNow--;
        metrics.deliveriesKept.dec();
        await pending.forget(file);
      })
      .catch((error: unknown) =>
        log.error(
          { err: error, file },
          'cannot forget a kept delivery; the next start dispatches it again, starting nothing twice',
        ),
      )
      .finally(lifecycle.leave);
  }

  /** Dispatches what an earlier process kept and did not finish, each as if just accepted. */
  async function resume(): Promise<number> {
    if (!pending) return 0;
    const { pending: kept, unreadable } = await pending.load();
    for (const { file, reason } of unreadable) {
      logger.error({ file, reason }, 'a kept delivery is unreadable: renamed *.unreadable, not dispatched');
    }
    for (const { file, delivery } of kept) {
      const { key, event, traceparent, deliveryId } = delivery;
      const log = logger.child({
        deliveryId,
        traceId: traceContextOf(traceparent).traceId,
        provider: event.provider,
        resumed: true,
      });
      if (delivery.resumes >= maxResumes) {
        await pending.setAside(file, 'abandoned');
        log.error(
          { file, resumes: delivery.resumes },
          `a kept delivery was resumed ${maxResumes} times without settling (did it end its process?): renamed *.abandoned, not dispatched`,
        );
        continue;
      }
      // Counted before it runs, so a delivery that ends its process every time stops being resumed.
      const counted = await pending.keep({ ...delivery, resumes: delivery.resumes + 1 });
      await pending.forget(file);
      keptNow++;
      // Two files of one event (kept twice before) share one dispatch.
      const seen = ledger.lookup(key);
      if (seen?.state === 'running') {
        forgetOnceSettled(counted, seen.outcome, log);
        continue;
      }
      const receivedAt = new Date(delivery.receivedAt).toISOString();
      log.info({ receivedAt }, 'resuming a kept delivery');
      const story = recent?.add({
        receivedAt,
        provider: event.provider,
        event: event.type,
        ...(deliveryId ? { deliveryId } : {}),
        ...describeEvent(event),
        summary: 'resumed after a restart',
        resumed: true,
      });
      // Its retries count from now: the time it waited for a start is not its own.
      const { run } = startDispatch(event, log, traceparent, {
        retryFrom: Date.now(),
        attempts: delivery.attempts,
        ...(story ? { story } : {}),
      });
      ledger.track(key, run, (settled) => settled.ok);
      forgetOnceSettled(counted, run, log);
    }
    return kept.length;
  }

  function send(req: IncomingMessage, res: ServerResponse, answer: Answer): void {
    sendAnswer(req, res, answer, { closing: lifecycle.shuttingDown, maxBodyBytes });
  }

  const internalError = (req: IncomingMessage, res: ServerResponse) =>
    send(req, res, problem(500, 'internal', "internal error; see lighthouse's log"));
  return Object.assign(trackedListener(lifecycle, logger, handle, internalError), {
    shutdown() {
      retries.abort();
      lifecycle.shutdown();
    },
    drained: lifecycle.drained,
    abort(reason: string) {
      retries.abort();
      stopping.abort(new Error(reason));
    },
    resume,
  });
}

/** Whether a failed dispatch may succeed if tried again: a typed failure that is not for good. */
function mayPass(error: unknown): boolean {
  return (error instanceof MetaPipelineError || error instanceof PluginError) && !failedForGood(error);
}

/** An event's metric label: its name if lighthouse reads it, else `other`, so senders cannot add labels. */
function metricEvent({ provider, event }: { provider: Provider; event: string }): string {
  return handledEvents[provider].includes(event) ? event : 'other';
}

/** What a delivery is about, for its story: the repository and, in a few words, what in it. */
function describeEvent(event: WebhookEvent): { repo?: string; subject?: string } {
  const repo = event.repo ? { repo: `${event.repo.owner}/${event.repo.name}` } : {};
  switch (event.type) {
    case 'push':
      return { ...repo, subject: `push to ${event.ref} (${event.after.slice(0, 12)})` };
    case 'pull_request':
      return { ...repo, subject: `PR #${event.number} ${event.action} (${event.head.sha.slice(0, 12)})` };
    case 'ping':
      return repo;
    case 'review':
      return { ...repo, subject: `review of #${event.number} by ${event.author.login}` };
    default:
      return { ...repo, subject: `comment on #${event.number} by ${event.author.login}` };
  }
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
