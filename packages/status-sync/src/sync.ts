import {
  buildPipelineRunName,
  customRunType,
  type JobState,
  type LighthouseJobStatus,
  labels,
  lighthouseJobType,
  ownAnnotations,
  ownLabels,
  type PipelineRole,
  pipelineRunType,
  taskRunType,
} from '@lighthouse-ts/crds';
import {
  Informer,
  type KubeClient,
  KubeConflictError,
  KubeNotFoundError,
  type KubeObject,
  type ResourceClient,
  WorkQueue,
} from '@lighthouse-ts/kube';
import {
  type ChildRuns,
  isRunOf,
  isTerminal,
  type JobRuns,
  mayLackBuildRun,
  nextJobStatus,
  runsOfJob,
} from './status.ts';
import { CustomRunView, LighthouseJobView, PipelineRunView, TaskRunView } from './views.ts';

/** The part of a pino logger the status sync uses. */
export interface Logger {
  info(fields: object, message: string): void;
  warn(fields: object, message: string): void;
  error(fields: object, message: string): void;
}

/**
 * What became of one pass over one job: its status written, nothing to write (already right, or waiting
 * for a build PipelineRun the cache has yet to see), the job gone, or an error.
 */
export interface SyncResult {
  job: string;
  outcome: 'written' | 'unchanged' | 'gone' | 'failed';
  /** The state written. */
  state?: JobState;
  /** Writes refused because the job had changed since it was read (each followed by a re-read). */
  conflicts: number;
  error?: unknown;
  /** The job has no PipelineRun yet: it is looked at again then, to be ended if it still has none. */
  againInMs?: number;
}

export interface StatusSyncOptions {
  kube: KubeClient;
  /** The namespace whose jobs and runs are kept in step. */
  namespace: string;
  logger?: Logger;
  /** Stops the sync when it aborts, as stop() does. */
  signal?: AbortSignal;
  /** Called after every pass over a job (metrics, for instance). */
  onSync?: (result: SyncResult) => void;
  /** Called when a list or watch failed and is tried again (before the start too: RBAC, the API down). */
  onRetry?: (error: unknown, kind: string) => void;
  /** Jobs written at once. Default 4. */
  concurrency?: number;
  /**
   * How long a job may have no PipelineRun of ours before it is ended as an `error`: its creation stopped
   * half-way (the client or the API server failed between the job and its run) and nobody retried it.
   * Default 40 minutes: longer than lighthouse tries a delivery again (30 minutes), so no retry still
   * under way is overtaken.
   */
  orphanAfterMs?: number;
}

export interface StatusSync {
  /** Stops watching and waits for the writes in flight. */
  stop(): Promise<void>;
}

/** Tekton gives a PipelineRun's labels to its TaskRuns and CustomRuns, and names the PipelineRun. */
const pipelineRunLabel = 'tekton.dev/pipelineRun';
const oursSelector = `${labels.createdByLighthouse}=true,${ownLabels.pipelineRole}`;
const maxConflicts = 10;

const silent: Logger = { info() {}, warn() {}, error() {} };

/**
 * Keeps every LighthouseJob's status in `namespace` in step with its PipelineRuns (those labelled with a
 * pipeline role: ours; of those, only the ones named and owned as the job's, see runsOfJob), their
 * TaskRuns and CustomRuns. It lists everything first, then follows changes, so a restart converges on
 * the same statuses. Each write replaces the status at the resourceVersion the status was computed
 * from; on a conflict the job is read again and its status computed again.
 *
 * Several processes may run it at once: each computes the same status from the same objects, the
 * conflict check keeps them from overwriting each other blindly, and a status never moves backwards
 * (see nextJobStatus), so one whose cache lags cannot undo another's write. No leader election needed.
 */
export async function startStatusSync(options: StatusSyncOptions): Promise<StatusSync> {
  const { kube, namespace, logger = silent, onSync } = options;
  const stopping = new AbortController();
  const signal = options.signal ? AbortSignal.any([options.signal, stopping.signal]) : stopping.signal;

  const informer = <T extends KubeObject>(resource: ResourceClient<T>, labelSelector: string) => {
    const watched = new Informer(resource, { namespace, labelSelector });
    watched.on('retry', (error, delayMs) => {
      logger.warn({ err: error, kind: resource.type.kind, delayMs }, 'watch failed; trying again');
      options.onRetry?.(error, resource.type.kind);
    });
    return watched;
  };
  const jobs = kube.resource(lighthouseJobType, LighthouseJobView);
  const jobCache = informer(jobs, `${labels.createdByLighthouse}=true`);
  const pipelineRunClient = kube.resource(pipelineRunType, PipelineRunView);
  const pipelineRuns = informer(pipelineRunClient, oursSelector);
  const childSelector = `${oursSelector},${pipelineRunLabel}`;
  const taskRuns = informer(kube.resource(taskRunType, TaskRunView), childSelector);
  const customRuns = informer(kube.resource(customRunType, CustomRunView), childSelector);
  const informers = [jobCache, pipelineRuns, taskRuns, customRuns];

  const source: JobSource = {
    namespace,
    orphanAfterMs: options.orphanAfterMs ?? 40 * 60_000,
    jobs,
    pipelineRuns: pipelineRunClient,
    cachedJob: (name) => jobCache.get(namespace, name),
    cachedRun: (name) => pipelineRuns.get(namespace, name),
    children: ((kind: 'TaskRun' | 'CustomRun', name: string) =>
      (kind === 'TaskRun' ? taskRuns : customRuns).get(namespace, name)) as ChildRuns,
    logger,
    signal,
  };
  const queue = new WorkQueue(
    async (name) => {
      const result = await syncJob(source, name);
      if (signal.aborted) return;
      onSync?.(result);
      if (result.outcome === 'failed') throw result.error;
      if (result.againInMs !== undefined) queue.addAfter(name, result.againInMs);
    },
    { concurrency: options.concurrency ?? 4 },
  );
  const enqueue = (job: string | undefined) => {
    if (job) queue.add(job);
  };
  const enqueueJobOf = (object: KubeObject) => enqueue(object.metadata.labels?.[labels.id]);

  pipelineRuns.on('add', enqueueJobOf);
  pipelineRuns.on('update', (run, previous) => {
    enqueueJobOf(previous);
    enqueueJobOf(run);
  });
  pipelineRuns.on('delete', enqueueJobOf);
  for (const event of ['add', 'update', 'delete'] as const) {
    taskRuns.on(event, enqueueJobOf);
    customRuns.on(event, enqueueJobOf);
  }
  // A job changed by someone else (the meta step, a cancel) is checked again, as is each job at start.
  jobCache.on('add', (job) => enqueue(job.metadata.name));
  jobCache.on('update', (job) => enqueue(job.metadata.name));

  let stopped: Promise<void> | undefined;
  const stop = () => {
    stopped ??= (async () => {
      stopping.abort();
      await queue.stop();
      await Promise.all(informers.map((i) => i.stop()));
    })();
    return stopped;
  };
  signal.addEventListener('abort', () => void stop(), { once: true });
  try {
    await Promise.all(informers.map((i) => i.start(signal)));
  } catch (error) {
    await stop();
    throw error;
  }
  // Only once every cache is full, so no job is written from half of what there is to see.
  queue.start();
  logger.info(
    { namespace, jobs: jobCache.list().length, pipelineRuns: pipelineRuns.list().length },
    'status sync started',
  );
  return { stop };
}

/** What a pass over one job reads and writes: the sync's caches, and the API server behind them. */
export interface JobSource {
  namespace: string;
  /** See StatusSyncOptions. */
  orphanAfterMs: number;
  jobs: ResourceClient<LighthouseJobView>;
  pipelineRuns: ResourceClient<PipelineRunView>;
  cachedJob(name: string): LighthouseJobView | undefined;
  cachedRun(name: string): PipelineRunView | undefined;
  children: ChildRuns;
  logger: Logger;
  signal: AbortSignal;
}

/**
 * One pass over a job: its status computed from the caches and written if it changed. When the status
 * from the caches would be wrong if they lacked the job's build PipelineRun (see mayLackBuildRun), the
 * API server is asked for it first: if it is there the pass writes nothing, since the run's watch event
 * brings the job back once the cache holds it.
 */
export async function syncJob(source: JobSource, name: string): Promise<SyncResult> {
  const { namespace, jobs, signal } = source;
  const result: SyncResult = { job: name, outcome: 'unchanged', conflicts: 0 };
  try {
    let job = source.cachedJob(name) ?? (await jobs.get(namespace, name, { signal }));
    for (;;) {
      const runs = runsOfJob(job, source.cachedRun);
      const orphaned = await orphanedStatus(source, job, runs);
      if (orphaned?.againInMs !== undefined) result.againInMs = orphaned.againInMs;
      const status = orphaned?.status ?? nextJobStatus(job.status, runs, source.children);
      if (!status) break;
      if (mayLackBuildRun(name, job.status, runs) && (await hasBuildRun(source, job))) break;
      try {
        await jobs.replaceStatus(namespace, { ...job, status }, { signal });
        Object.assign(result, { outcome: 'written', state: status.state });
        source.logger.info(
          { job: name, state: status.state, description: status.description },
          'job status written',
        );
        break;
      } catch (error) {
        if (!(error instanceof KubeConflictError) || result.conflicts >= maxConflicts) throw error;
        result.conflicts++;
        job = await jobs.get(namespace, name, { signal });
      }
    }
  } catch (error) {
    if (error instanceof KubeNotFoundError) result.outcome = 'gone';
    else {
      Object.assign(result, { outcome: 'failed', error });
      if (!signal.aborted)
        source.logger.error({ err: error, job: name }, 'cannot write the job status; trying again later');
    }
  }
  return result;
}

/**
 * For a job that has no PipelineRun of ours and has not ended: wait until it is `orphanAfterMs` old
 * (`againInMs`), then, if the API server has no meta PipelineRun for it either, the `error` status that
 * ends it, saying why. Undefined for any other job.
 */
async function orphanedStatus(
  source: JobSource,
  job: LighthouseJobView,
  runs: JobRuns,
): Promise<{ againInMs?: number; status?: LighthouseJobStatus } | undefined> {
  // Ours only: Jenkins X Lighthouse's own jobs, in a namespace being migrated, are its to end.
  const ours = job.metadata.annotations?.[ownAnnotations.idempotencyKey] !== undefined;
  if (!ours || runs.meta || runs.build || isTerminal(job.status?.state)) return undefined;
  const created = Date.parse(job.metadata.creationTimestamp ?? '');
  const age = Number.isNaN(created) ? 0 : Date.now() - created;
  if (age < source.orphanAfterMs) return { againInMs: source.orphanAfterMs - age };
  if (await hasRun(source, job, 'meta')) return undefined;
  const minutes = Math.round(source.orphanAfterMs / 60_000);
  const description = `no meta PipelineRun was created for this job within ${minutes} min; run it again (/retest)`;
  return {
    status: { ...job.status, state: 'error', description, completionTime: new Date().toISOString() },
  };
}

/** Whether the API server has the job's build PipelineRun (one the job owns). */
async function hasBuildRun(source: JobSource, job: LighthouseJobView): Promise<boolean> {
  return hasRun(source, job, 'build');
}

/** Whether the API server has the job's PipelineRun in `role` (one the job owns). */
async function hasRun(source: JobSource, job: LighthouseJobView, role: PipelineRole): Promise<boolean> {
  const { namespace, pipelineRuns, signal } = source;
  const name = job.metadata.name ?? '';
  try {
    const run = await pipelineRuns.get(namespace, role === 'meta' ? name : buildPipelineRunName(name), {
      signal,
    });
    return isRunOf(job, role, run);
  } catch (error) {
    if (error instanceof KubeNotFoundError) return false;
    throw error;
  }
}
