import { type ConfigWatch, repoConfig } from '@lighthouse-ts/config';
import type {
  CallOptions,
  MetaPipelineClient,
  MetaPipelineRef,
  MetaPipelineRequest,
} from '@lighthouse-ts/metapipeline-client';
import {
  asPluginError,
  type Decision,
  type Dispatch,
  type DispatchLogger,
  type DispatchResult,
  type JobToStart,
  MissingFactError,
  performActions,
  type TriggerFacts,
  trigger,
} from '@lighthouse-ts/plugins';
import type { Provider, ProviderWrites, Repo, WebhookEvent } from '@lighthouse-ts/scm';
import { failedForGood } from './permanent.ts';
import type { Metrics } from './server/index.ts';

export interface DispatchOptions {
  config: ConfigWatch;
  client: MetaPipelineClient;
  /** The facts for events of one provider (its REST API), or undefined when none is configured. */
  facts: (provider: Provider) => TriggerFacts | undefined;
  /** Where a provider's labels, comments and statuses are written, or undefined when none is configured. */
  writes: (provider: Provider) => ProviderWrites | undefined;
  /** Where jobs run unless their config names a namespace. */
  namespace: string;
  metrics: Metrics;
  botName?: string;
}

/**
 * The idempotency key of a job started by a delivery: a redelivery, a retry or another replica handling
 * the same delivery starts the same pipeline, never a second one.
 */
export function idempotencyKey(event: WebhookEvent, jobName: string): string {
  return `${event.provider}/${event.deliveryId}/${jobName}`;
}

/** Decides with the trigger plugin and starts (and supersedes) meta-pipelines through the client. */
export function createDispatch(options: DispatchOptions): Dispatch {
  return async (event, { log, signal, traceparent }) => {
    const repo = event.repo;
    // Only a ping has no repository, and the server answers pings itself.
    if (!repo) return { started: [] };
    const decision = await decideWithTrigger(event, repo, options);
    log.info(
      { summary: decision.summary, start: decision.start.length, skip: decision.skip.length },
      'trigger decided',
    );
    const started: string[] = [];
    const startedRefs: MetaPipelineRef[] = [];
    for (const job of decision.start) {
      const request: MetaPipelineRequest = {
        ...job.request,
        namespace: job.namespace ?? options.namespace,
        idempotencyKey: idempotencyKey(event, job.request.jobName),
      };
      const pipeline = await options.client
        .create(request, { signal, traceparent })
        .catch((error: unknown) => reportLaunchFailure(event, job, error, options, log));
      options.metrics.jobsStarted.inc({
        repo: `${repo.owner}/${repo.name}`,
        job: job.request.jobName,
      });
      log.info(
        { job: job.request.jobName, pipeline: pipeline.ref, build: pipeline.buildNumber },
        'job started',
      );
      started.push(job.request.jobName);
      startedRefs.push(pipeline.ref);
    }
    await supersede(decision, repo, { ...options, startedRefs }, { signal, traceparent }, log);
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
    return {
      started,
      skipped: decision.skip.map((s) => ({ job: s.jobName, reason: s.why })),
    } satisfies DispatchResult;
  };
}

async function decideWithTrigger(
  event: WebhookEvent,
  { owner, name }: Repo,
  options: DispatchOptions,
): Promise<Decision> {
  const repo = repoConfig(options.config.current(), owner, name);
  const facts = options.facts(event.provider) ?? missingFacts(event.provider);
  try {
    return await trigger(event, { repo, facts, ...(options.botName ? { botName: options.botName } : {}) });
  } catch (error) {
    throw asPluginError(error);
  }
}

/**
 * A new push to a pull request supersedes the running pipelines of the same jobs on it: every active one
 * but those this delivery has just started is cancelled.
 */
async function supersede(
  decision: Decision,
  repo: Repo,
  options: DispatchOptions & { startedRefs: MetaPipelineRef[] },
  call: CallOptions,
  log: DispatchLogger,
): Promise<void> {
  const justStarted = new Set(options.startedRefs.map((ref) => `${ref.namespace}/${ref.name}`));
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
      const ours = justStarted.has(`${pipeline.ref.namespace}/${pipeline.ref.name}`);
      if (!active || ours || !jobNames.includes(pipeline.jobName)) continue;
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
 * its commit, as Lighthouse posts one, so the pull request shows why it has no result; then the error
 * goes on to the caller. One that may start on a redelivery gets none: the redelivery will try again.
 */
async function reportLaunchFailure(
  event: WebhookEvent,
  job: JobToStart,
  error: unknown,
  options: DispatchOptions,
  log: DispatchLogger,
): Promise<never> {
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
  throw error;
}

function missingFacts(provider: Provider): TriggerFacts {
  const refuse = async (): Promise<never> => {
    throw new MissingFactError(
      `the trigger needs to ask ${provider} something its payload does not say, and no ${provider} API token is configured`,
    );
  };
  return {
    isCollaborator: refuse,
    isMember: refuse,
    changedFiles: refuse,
    prLabels: refuse,
    combinedStatus: refuse,
    pullRequest: refuse,
  };
}
