import { type ConfigWatch, repoConfig } from '@lighthouse-ts/config';
import {
  branchIdentifier,
  type CallOptions,
  KeyConflictError,
  type MetaPipeline,
  type MetaPipelineClient,
  type MetaPipelineRequest,
} from '@lighthouse-ts/metapipeline-client';
import {
  asPluginError,
  type Decision,
  type Dispatch,
  type DispatchContext,
  type DispatchLogger,
  type DispatchRecorder,
  type DispatchResult,
  decideAll,
  type FailedPlugin,
  type JobToStart,
  MissingFactError,
  PermanentError,
  PluginError,
  performActions,
  RetryableError,
  recordingFacts,
  type TriggerFacts,
} from '@lighthouse-ts/plugins';
import {
  cloneUrlOf,
  eventKey,
  type Provider,
  type ProviderWrites,
  type Repo,
  type WebhookEvent,
} from '@lighthouse-ts/scm';
import { failedForGood } from './permanent.ts';
import type { Metrics } from './server/index.ts';

export interface DispatchOptions {
  config: ConfigWatch;
  client: MetaPipelineClient;
  /** The facts for events of one provider (its REST API), or undefined when none is configured. */
  facts: (provider: Provider) => TriggerFacts | undefined;
  /** Where a provider's labels, comments and statuses are written, or undefined when none is configured. */
  writes: (provider: Provider) => ProviderWrites | undefined;
  /**
   * Where each provider's repositories are cloned from (see scm's isCloneUrlOf): a job's clone URL, from
   * the payload, must be the repository's own under one of them. None: no job of the provider starts.
   */
  webUrls: (provider: Provider) => readonly string[];
  /** Where jobs run unless their config names a namespace. */
  namespace: string;
  metrics: Metrics;
  botName?: string;
}

/**
 * The idempotency key of a job an event starts: what the event is (see scm's `eventKey`), not the
 * delivery's unsigned id, so a redelivery, a replay under a new id, a retry or another replica handling
 * the same event starts the same pipeline, never a second one.
 */
export function idempotencyKey(event: Exclude<WebhookEvent, { type: 'ping' }>, jobName: string): string {
  return `${eventKey(event)}/${jobName}`;
}

/**
 * Most events of one pull request waiting for the one being carried out; past it an event fails as one
 * that may pass (tried again later, kept across a restart), so a flood of comments holds bounded memory.
 */
export const maxQueuedPerPull = 100;

/** Decides with the trigger plugin and starts (and supersedes) meta-pipelines through the client. */
export function createDispatch(options: DispatchOptions): Dispatch {
  const oneAtATime = serialised(maxQueuedPerPull, options.metrics.dispatchesQueued);
  return async (event, context) => {
    const repo = event.repo;
    // Only a ping has no repository, and the server answers pings itself.
    if (!repo || event.type === 'ping') return { started: [] };
    if (event.type === 'push') return dispatch(event, repo, context);
    // A pull request's events are decided and carried out one after another: two at once (an /approve and
    // an /approve cancel) would each write the label from what they read before the other wrote.
    const pull = `${event.provider}/${repo.owner}/${repo.name}#${event.number}`;
    return oneAtATime(pull, () => dispatch(event, repo, context));
  };

  async function dispatch(
    event: Exclude<WebhookEvent, { type: 'ping' }>,
    repo: Repo,
    { log, signal, traceparent, attempt = 1, record }: DispatchContext,
  ): Promise<DispatchResult> {
    // It may have waited for the pull request's earlier events past the shutdown's grace period.
    if (signal.aborted) {
      throw new RetryableError('lighthouse is stopping: left for the next start', { cause: signal.reason });
    }
    const decision = await decideWithTrigger(event, repo, options, record);
    record?.decided(decision, decision.failed);
    for (const { plugin, error } of decision.failed) {
      options.metrics.dispatchErrors.inc({ type: 'plugin' });
      log.error({ err: error, plugin }, 'a plugin could not decide; the others go on');
    }
    log.info(
      {
        summary: decision.summary,
        start: decision.start.length,
        skip: decision.skip.length,
        actions: decision.actions.length,
        ...(decision.notBuilt.length > 0 ? { notBuilt: decision.notBuilt } : {}),
      },
      'plugins decided',
    );
    // Every job that can start does; the failures are answered together once all were tried.
    const started: string[] = [];
    const pipelines: MetaPipeline[] = [];
    const failures: { job: string; error: unknown }[] = [];
    for (const job of decision.start) {
      const { jobName, pullRefs } = job.request;
      try {
        const sourceUrl = checkedCloneUrl(
          event.provider,
          repo,
          pullRefs.sourceUrl,
          options.webUrls(event.provider),
        );
        const request: MetaPipelineRequest = {
          ...job.request,
          pullRefs: { ...pullRefs, sourceUrl },
          namespace: job.namespace ?? options.namespace,
          idempotencyKey: idempotencyKey(event, jobName),
        };
        const pipeline = await startOnce(request, options.client, { signal, traceparent }, log);
        started.push(jobName);
        record?.job({
          job: jobName,
          ...(pipeline ? { pipeline: { ...pipeline.ref, buildNumber: pipeline.buildNumber } } : {}),
        });
        if (!pipeline) continue;
        options.metrics.jobsStarted.inc({ repo: `${repo.owner}/${repo.name}`, job: jobName });
        log.info({ job: jobName, pipeline: pipeline.ref, build: pipeline.buildNumber }, 'job started');
        pipelines.push(pipeline);
      } catch (error) {
        // Its error status once: an attempt after the first finds the same refusal.
        if (attempt === 1) await reportLaunchFailure(event, job, error, options, log);
        else log.error({ err: error, job: jobName }, 'a job could not start');
        failures.push({ job: jobName, error });
        record?.job({ job: jobName, error: error instanceof Error ? error.message : String(error) });
      }
    }
    await supersede(decision, repo, { ...options, pipelines }, { signal, traceparent }, log);
    const writes = options.writes(event.provider);
    if (writes) {
      // The jobs have started: a label or comment the provider refused now fails no delivery (a
      // redelivery would not start them again, and the provider may not redeliver at all).
      for (const { action, error } of await performActions(decision.actions, writes, repo, log)) {
        options.metrics.dispatchErrors.inc({ type: 'provider-action' });
        log.error({ err: error, action: action.type }, 'the provider did not take an action');
      }
    } else if (decision.actions.length > 0) {
      log.warn(
        { actions: decision.actions.map((a) => a.type) },
        `no ${event.provider} API credentials: labels, comments and statuses left out`,
      );
    }
    if (failures.length > 0) throw launchFailure(failures, started);
    const mayPass = decision.failed.filter(({ error }) => {
      const known = asPluginError(error);
      return known instanceof PluginError && known.retryable;
    });
    if (mayPass.length > 0) {
      // The jobs started and the other plugins' actions were taken, each safe to repeat: the delivery is
      // tried again for the plugins that could not decide, as a job that could not start would be.
      const names = mayPass.map((failed) => failed.plugin).join(', ');
      throw new RetryableError(`plugins that may decide later: ${names}`, {
        cause: new AggregateError(mayPass.map((failed) => failed.error)),
      });
    }
    return {
      started,
      skipped: decision.skip.map((s) => ({ job: s.jobName, reason: s.why })),
    } satisfies DispatchResult;
  }
}

/**
 * Runs work given the same key one after another, in the order given; keys with nothing queued are
 * forgotten. Work given while `maxQueued` wait for a key is refused with a RetryableError.
 */
function serialised(
  maxQueued: number,
  queued: Pick<Metrics['dispatchesQueued'], 'inc' | 'dec'>,
): <T>(key: string, work: () => Promise<T>) => Promise<T> {
  const tails = new Map<string, { tail: Promise<void>; waiting: number }>();
  return (key, work) => {
    const line = tails.get(key) ?? { tail: Promise.resolve(), waiting: 0 };
    if (line.waiting >= maxQueued) {
      return Promise.reject(
        new RetryableError(`${line.waiting} events of ${key} are waiting already: tried again later`),
      );
    }
    line.waiting++;
    queued.inc();
    const result = line.tail.then(() => {
      line.waiting--;
      queued.dec();
      return work();
    });
    const tail = result.then(
      () => {},
      () => {},
    );
    line.tail = tail;
    tails.set(key, line);
    void tail.then(() => {
      if (line.tail === tail) tails.delete(key);
    });
    return result;
  };
}

/**
 * The event's pipeline for a job: the one this call creates or an earlier delivery of the event created,
 * or undefined when that one was asked for differently (a config or pull request changed since) and the
 * list cannot show it: the client's conflict on the key says it exists, and it stands.
 */
async function startOnce(
  request: MetaPipelineRequest,
  client: MetaPipelineClient,
  call: CallOptions,
  log: DispatchLogger,
): Promise<MetaPipeline | undefined> {
  try {
    return await client.create(request, call);
  } catch (error) {
    if (!(error instanceof KeyConflictError)) throw error;
    const { namespace, pullRefs } = request;
    const filter = {
      namespace,
      owner: pullRefs.owner,
      repo: pullRefs.repo,
      branch: branchIdentifier(request),
    };
    const listed = await client.list(filter, call).catch(() => []);
    const existing = listed.find((p) => p.idempotencyKey === request.idempotencyKey);
    log.info(
      { job: request.jobName, pipeline: existing?.ref, reason: error.message },
      "this event's pipeline exists already, asked for differently then: kept",
    );
    return existing;
  }
}

/**
 * The URL a job clones: the event's repository on its provider, as scm's cloneUrlOf builds it from the
 * payload's URL; a PermanentError if that is another repository or host.
 */
function checkedCloneUrl(provider: Provider, repo: Repo, url: string, webUrls: readonly string[]): string {
  if (webUrls.length === 0) {
    throw new PermanentError(
      `no ${provider} URL is configured, so the clone URL ${url} cannot be checked; set --${provider}-api-url or --${provider}-web-url`,
    );
  }
  const own = cloneUrlOf(provider, webUrls, repo, url);
  if (!own) {
    throw new PermanentError(
      `the clone URL ${url} is not ${repo.owner}/${repo.name} on ${webUrls.join(' or ')}: refused`,
    );
  }
  return own;
}

/**
 * What a delivery whose jobs did not all start answers: one job's own error when it was the only one to
 * try; else each failed job with its reason, retryable if any of them may start on a redelivery (which
 * starts those, and none of the started ones again).
 */
function launchFailure(failures: { job: string; error: unknown }[], started: string[]): unknown {
  const [only] = failures;
  if (only && failures.length === 1 && started.length === 0) return only.error;
  const reasons = failures
    .map(({ job, error }) => `${job}: ${error instanceof Error ? error.message : String(error)}`)
    .join('; ');
  const message = `${failures.length} of ${failures.length + started.length} jobs could not start (${reasons})`;
  const cause = new AggregateError(
    failures.map((f) => f.error),
    message,
  );
  return failures.every((f) => failedForGood(f.error))
    ? new PermanentError(message, { cause })
    : new RetryableError(message, { cause });
}

async function decideWithTrigger(
  event: WebhookEvent,
  { owner, name }: Repo,
  options: DispatchOptions,
  record: DispatchRecorder | undefined,
): Promise<Decision & { notBuilt: string[]; failed: FailedPlugin[] }> {
  const repo = repoConfig(options.config.current(), owner, name);
  const known = options.facts(event.provider) ?? missingFacts(event.provider);
  const facts = record ? recordingFacts(known, (fact) => record.consulted(fact)) : known;
  try {
    return await decideAll(event, { repo, facts, ...(options.botName ? { botName: options.botName } : {}) });
  } catch (error) {
    throw asPluginError(error);
  }
}

/**
 * A new push to a pull request supersedes the running pipelines of the same jobs on it: each active one
 * older than the one this event started for its job is cancelled (older by build number, which counts up
 * per pull request as pipelines are created). So a late redelivery of an older push, whose pipeline
 * exists already and is older, cancels nothing newer.
 */
async function supersede(
  decision: Decision,
  repo: Repo,
  options: DispatchOptions & { pipelines: MetaPipeline[] },
  call: CallOptions,
  log: DispatchLogger,
): Promise<void> {
  const ours = new Map(options.pipelines.map((pipeline) => [pipeline.jobName, pipeline.buildNumber]));
  for (const { pullNumber, jobNames } of decision.cancel) {
    const pipelines = await options.client.list(
      {
        namespace: options.namespace,
        owner: repo.owner,
        repo: repo.name,
        branch: `PR-${pullNumber}`,
      },
      call,
    );
    for (const pipeline of pipelines) {
      const active = pipeline.phase === 'pending' || pipeline.phase === 'running';
      const newest = ours.get(pipeline.jobName);
      const older = newest !== undefined && pipeline.buildNumber < newest;
      if (!active || !older || !jobNames.includes(pipeline.jobName)) continue;
      await options.client.cancel(pipeline.ref, call);
      log.info(
        { pipeline: pipeline.ref, job: pipeline.jobName, pull: pullNumber },
        'superseded run cancelled',
      );
    }
  }
}

/**
 * A job that cannot start for good (its request refused, say) gets an error status with the reason on
 * its commit, as Lighthouse posts one, so the pull request shows why it has no result. One that may start
 * on a redelivery gets none: the redelivery will try again.
 */
async function reportLaunchFailure(
  event: WebhookEvent,
  job: JobToStart,
  error: unknown,
  options: DispatchOptions,
  log: DispatchLogger,
): Promise<void> {
  log.error({ err: error, job: job.request.jobName }, 'a job could not start');
  const writes = options.writes(event.provider);
  const { pullRefs, context, jobName } = job.request;
  const sha = pullRefs.pulls?.[0]?.sha ?? pullRefs.baseSha;
  if (failedForGood(error) && writes && event.repo && sha) {
    // Public, on the commit: the error's kind only; its message (namespaces, URLs) goes to the log.
    const description = `Error creating metapipeline (${error.name}); lighthouse's log has the reason`;
    const status = { type: 'status', sha, context: context ?? jobName, state: 'error', description } as const;
    for (const failed of await performActions([status], writes, event.repo, log)) {
      log.error({ err: failed.error }, 'cannot post the error status');
    }
  }
}

function missingFacts(provider: Provider): TriggerFacts {
  const refuse = async (): Promise<never> => {
    throw new MissingFactError(
      `a plugin needs to ask ${provider} something its payload does not say, and no ${provider} API token is configured`,
    );
  };
  return {
    isCollaborator: refuse,
    isAdmin: refuse,
    isMember: refuse,
    changedFiles: refuse,
    prLabels: refuse,
    repoLabels: refuse,
    combinedStatus: refuse,
    pullRequest: refuse,
    comments: refuse,
    reviews: refuse,
    hasOtherPullRequests: refuse,
    fileAt: refuse,
    botLogin: refuse,
  };
}
