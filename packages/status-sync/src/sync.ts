import {
  customRunType,
  type JobState,
  labels,
  lighthouseJobType,
  ownLabels,
  PipelineRole,
  pipelineRunType,
  taskRunType,
} from '@lighthouse-ts/crds';
import {
  ConflictError,
  Informer,
  type KubeClient,
  type KubeObject,
  NotFoundError,
  type ResourceClient,
} from '@lighthouse-ts/kube';
import { WorkQueue } from './queue.ts';
import { type ChildRuns, type JobRuns, nextJobStatus } from './status.ts';
import { CustomRunView, LighthouseJobView, PipelineRunView, TaskRunView } from './views.ts';

/** The part of a pino logger the status sync uses. */
export interface Logger {
  info(fields: object, message: string): void;
  warn(fields: object, message: string): void;
  error(fields: object, message: string): void;
}

/** What became of one pass over one job: its status written, already right, the job gone, or an error. */
export interface SyncResult {
  job: string;
  outcome: 'written' | 'unchanged' | 'gone' | 'failed';
  /** The state written. */
  state?: JobState;
  /** Writes refused because the job had changed since it was read (each followed by a re-read). */
  conflicts: number;
  error?: unknown;
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
  /** Jobs written at once. Default 4. */
  concurrency?: number;
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
 * pipeline role: ours), their TaskRuns and CustomRuns. It lists everything first, then follows changes,
 * so a restart converges on the same statuses. Each write replaces the status at the resourceVersion
 * the status was computed from; on a conflict the job is read again and its status computed again.
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
    watched.on('retry', (error, delayMs) =>
      logger.warn({ err: error, kind: resource.type.kind, delayMs }, 'watch failed; trying again'),
    );
    return watched;
  };
  const jobs = kube.resource(lighthouseJobType, LighthouseJobView);
  const jobCache = informer(jobs, `${labels.createdByLighthouse}=true`);
  const pipelineRuns = informer(kube.resource(pipelineRunType, PipelineRunView), oursSelector);
  const childSelector = `${oursSelector},${pipelineRunLabel}`;
  const taskRuns = informer(kube.resource(taskRunType, TaskRunView), childSelector);
  const customRuns = informer(kube.resource(customRunType, CustomRunView), childSelector);
  const informers = [jobCache, pipelineRuns, taskRuns, customRuns];

  // The names of each job's PipelineRuns, so a pass over a job need not scan them all.
  const runNames = new Map<string, Set<string>>();
  const jobOf = (object: KubeObject) => object.metadata.labels?.[labels.id];

  const queue = new WorkQueue(syncJob, { concurrency: options.concurrency ?? 4 });
  const enqueue = (job: string | undefined) => {
    if (job) queue.add(job);
  };
  const enqueueJobOf = (object: KubeObject) => enqueue(jobOf(object));

  pipelineRuns.on('add', (run) => {
    indexRun(run);
    enqueueJobOf(run);
  });
  pipelineRuns.on('update', (run, previous) => {
    if (jobOf(previous) !== jobOf(run)) unindexRun(previous);
    indexRun(run);
    enqueueJobOf(run);
  });
  pipelineRuns.on('delete', (run) => {
    unindexRun(run);
    enqueueJobOf(run);
  });
  for (const event of ['add', 'update', 'delete'] as const) {
    taskRuns.on(event, enqueueJobOf);
    customRuns.on(event, enqueueJobOf);
  }
  // A job changed by someone else (the meta step, a cancel) is checked again, as is each job at start.
  jobCache.on('add', (job) => enqueue(job.metadata.name));
  jobCache.on('update', (job) => enqueue(job.metadata.name));

  function indexRun(run: PipelineRunView) {
    const job = jobOf(run);
    if (!job || !run.metadata.name) return;
    const names = runNames.get(job) ?? new Set();
    names.add(run.metadata.name);
    runNames.set(job, names);
  }

  function unindexRun(run: PipelineRunView) {
    const job = jobOf(run);
    const names = job ? runNames.get(job) : undefined;
    if (!job || !names || !run.metadata.name) return;
    names.delete(run.metadata.name);
    if (names.size === 0) runNames.delete(job);
  }

  function runsOf(job: string): JobRuns {
    const runs: JobRuns = {};
    for (const name of [...(runNames.get(job) ?? [])].sort()) {
      const run = pipelineRuns.get(namespace, name);
      const role = PipelineRole.safeParse(run?.metadata.labels?.[ownLabels.pipelineRole]);
      if (run && role.success) runs[role.data] ??= run;
    }
    return runs;
  }

  const children = ((kind: 'TaskRun' | 'CustomRun', name: string) =>
    (kind === 'TaskRun' ? taskRuns : customRuns).get(namespace, name)) as ChildRuns;

  /** One pass over a job: its status computed from the caches and written if it changed. */
  async function syncJob(name: string): Promise<void> {
    const result: SyncResult = { job: name, outcome: 'unchanged', conflicts: 0 };
    try {
      let job = jobCache.get(namespace, name) ?? (await jobs.get(namespace, name, { signal }));
      for (;;) {
        const status = nextJobStatus(job.status, runsOf(name), children);
        if (!status) break;
        try {
          await jobs.replaceStatus(namespace, { ...job, status }, { signal });
          Object.assign(result, { outcome: 'written', state: status.state });
          logger.info(
            { job: name, state: status.state, description: status.description },
            'job status written',
          );
          break;
        } catch (error) {
          if (!(error instanceof ConflictError) || result.conflicts >= maxConflicts) throw error;
          result.conflicts++;
          job = await jobs.get(namespace, name, { signal });
        }
      }
    } catch (error) {
      if (signal.aborted) return;
      if (error instanceof NotFoundError) result.outcome = 'gone';
      else {
        Object.assign(result, { outcome: 'failed', error });
        logger.error({ err: error, job: name }, 'cannot write the job status; trying again later');
        throw error;
      }
    } finally {
      if (!signal.aborted) onSync?.(result);
    }
  }

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
