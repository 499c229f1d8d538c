import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { JobState, LighthouseJob, LighthouseJobStatus, PipelineRun } from '@lighthouse-ts/crds';
import {
  KubeAlreadyExistsError,
  type KubeClient,
  KubeConflictError,
  KubeInvalidError,
} from '@lighthouse-ts/kube';
import * as z from 'zod';
import { effectivePipelineRun } from './effective.ts';
import { MetaStepError, PipelineRejectedError, StepEnvError } from './errors.ts';
import { checkout, type PullRefs, parsePullRefs } from './git.ts';
import { lighthouseParameterSpecs } from './inrepo/defaults.ts';
import { PipelineSpec } from './inrepo/tekton.ts';
import { findInRepoJob, type JobKind, loadJobPipeline } from './inrepo/triggers.ts';

/** What the meta PipelineRun tells its step, parsed from the step's environment. */
export interface StepEnv {
  repoUrl: string;
  pullRefs: PullRefs;
  /** The job's name in the repository's triggers (JOB_NAME). */
  jobName: string;
  jobKind: JobKind;
  /** The LighthouseJob this step works for. */
  lighthouseJob: { namespace: string; name: string };
  /** The service account the build runs as when its pipeline names none (the request's). */
  buildServiceAccount?: string;
}

const pipelineKinds = { pullrequest: 'presubmit', release: 'postsubmit', feature: 'postsubmit' } as const;

const StepEnvSchema = z.object({
  REPO_URL: z.string().min(1),
  PULL_REFS: z.string().min(1),
  JOB_NAME: z.string().min(1),
  PIPELINE_KIND: z.enum(Object.keys(pipelineKinds) as [keyof typeof pipelineKinds]),
  LIGHTHOUSE_JOB_NAME: z.string().min(1),
  LIGHTHOUSE_JOB_NAMESPACE: z.string().min(1),
  LIGHTHOUSE_BUILD_SERVICE_ACCOUNT: z.string().optional(),
});

/** The variables the meta step reads, for help texts. */
export const stepEnvNames = Object.keys(StepEnvSchema.shape);

/** Reads the step's environment; StepEnvError names every variable that is missing or wrong. */
export function parseStepEnv(env: Record<string, string | undefined>): StepEnv {
  const result = StepEnvSchema.safeParse(env);
  if (!result.success) {
    const problems = result.error.issues.map((issue) => {
      const name = String(issue.path[0]);
      return env[name] === undefined || env[name] === ''
        ? `${name} is not set`
        : `${name}: ${issue.message}, got ${JSON.stringify(env[name])}`;
    });
    throw new StepEnvError(`the meta step's environment is incomplete: ${problems.join('; ')}`);
  }
  const vars = result.data;
  return {
    repoUrl: vars.REPO_URL,
    pullRefs: parsePullRefs(vars.PULL_REFS),
    jobName: vars.JOB_NAME,
    jobKind: pipelineKinds[vars.PIPELINE_KIND],
    lighthouseJob: { namespace: vars.LIGHTHOUSE_JOB_NAMESPACE, name: vars.LIGHTHOUSE_JOB_NAME },
    ...(vars.LIGHTHOUSE_BUILD_SERVICE_ACCOUNT
      ? { buildServiceAccount: vars.LIGHTHOUSE_BUILD_SERVICE_ACCOUNT }
      : {}),
  };
}

/**
 * The variables the meta PipelineRun sets on its step to describe the job; any other variable on that
 * step came with the request, and goes on to every step of the build.
 */
const describingEnv = new Set([
  ...lighthouseParameterSpecs.map((spec) => spec.name),
  'LIGHTHOUSE_JOB_NAME',
  'LIGHTHOUSE_JOB_NAMESPACE',
  'LIGHTHOUSE_BUILD_SERVICE_ACCOUNT',
  'PIPELINE_KIND',
  'BRANCH_NAME',
  'PIPELINE_CONTEXT',
]);

export interface RunMetaStepOptions {
  kube: KubeClient;
  env: StepEnv;
  /** Where the checkout goes (a new directory inside, removed afterwards). Default the system's temp dir. */
  workDir?: string;
  /** The transports git may fetch the repository over. Default `https`, `ssh`, `http` and `git`. */
  gitProtocols?: readonly string[];
  signal?: AbortSignal;
}

/** What the step did: created the build PipelineRun, found it created, or left the finished job alone. */
export type MetaStepResult = (
  | { outcome: 'created' | 'existing'; pipelineRun: PipelineRun }
  /** The job had finished (aborted by a cancel or a newer push, say) before its build was created: none was. */
  | { outcome: 'jobFinished'; jobState: JobState }
) & {
  /** The commit the build runs on: the base with the pulls merged. */
  head: string;
  /** Milliseconds spent checking out, loading the pipeline, and creating it and recording it on the job. */
  timings: { checkout: number; load: number; create: number };
};

/** The states a LighthouseJob does not leave: nothing may start for it or change its outcome. */
const finishedStates: ReadonlySet<JobState> = new Set(['success', 'failure', 'aborted', 'error']);
const isFinished = (state: JobState | undefined): state is JobState =>
  state !== undefined && finishedStates.has(state);

/**
 * The meta step: checks out the base and merges the pulls, loads the job's pipeline from the repository,
 * creates the build PipelineRun (once per job: a rerun finds the first one; the API server validates it)
 * and records it on the LighthouseJob's status. When the job has finished meanwhile (aborted,
 * failed) it creates nothing. When the code or its pipeline is at fault (a merge conflict, a pipeline
 * that cannot be loaded or that the API server refuses) the job is marked failed with the reason, unless
 * it has finished already, and the error is thrown.
 */
export async function runMetaStep({
  kube,
  env,
  workDir,
  gitProtocols,
  signal,
}: RunMetaStepOptions): Promise<MetaStepResult> {
  const { namespace, name } = env.lighthouseJob;
  const job = await kube.lighthouseJobs.get(namespace, name, { signal });
  const dir = await mkdtemp(join(workDir ?? tmpdir(), 'meta-step-'));
  try {
    const started = performance.now();
    const { head } = await checkout({
      repoUrl: env.repoUrl,
      refs: env.pullRefs,
      dir,
      ...(gitProtocols ? { protocols: gitProtocols } : {}),
      signal,
    });
    const checkedOut = performance.now();
    const loaded = await loadJobPipeline(await findInRepoJob(dir, env.jobName, env.jobKind), { root: dir });
    const meta = await metaPipelineRun(kube, job, signal);
    const desired = effectivePipelineRun(loaded, job, {
      serviceAccountName: env.buildServiceAccount,
      metaServiceAccountName: meta.serviceAccountName,
      env: meta.env,
    });
    const load = performance.now();
    const timings = () => ({
      checkout: checkedOut - started,
      load: load - checkedOut,
      create: performance.now() - load,
    });
    // A cancel or a newer push may have aborted the job while the step checked out and loaded. The build is
    // recorded on the job as read here: the status sync may have written it since the first read, and an
    // older version would cost a conflict and another read.
    const reread = await kube.lighthouseJobs.get(namespace, name, { signal });
    const state = reread.status?.state;
    if (isFinished(state)) {
      return { outcome: 'jobFinished', jobState: state, head, timings: timings() };
    }
    const { pipelineRun, created } = await createOnce(kube, desired, job, signal);
    await recordOnJob(kube, reread, (current) =>
      current.activityName === pipelineRun.metadata.name ||
      // A job without a state yet is one whose status the sync has not written since its creation.
      !['triggered', 'pending', undefined].includes(current.state)
        ? undefined
        : {
            state: 'pending',
            activityName: pipelineRun.metadata.name,
            description: `build PipelineRun ${pipelineRun.metadata.name} created`,
          },
    );
    return { outcome: created ? 'created' : 'existing', pipelineRun, head, timings: timings() };
  } catch (error) {
    if (!(error instanceof MetaStepError)) throw error;
    await recordOnJob(kube, job, (current) =>
      isFinished(current.state)
        ? undefined
        : { state: 'failure', description: error.message, completionTime: now() },
    ).catch((recordError: Error) => {
      throw new AggregateError(
        [error, recordError],
        `${error.message}; marking LighthouseJob ${name} failed did not work either: ${recordError.message}`,
      );
    });
    throw error;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** The service account and request variables of the job's meta PipelineRun (named as the job). */
async function metaPipelineRun(
  kube: KubeClient,
  job: LighthouseJob,
  signal: AbortSignal | undefined,
): Promise<{ serviceAccountName: string | undefined; env: Record<string, string> }> {
  const run = await kube.pipelineRuns.get(job.metadata.namespace ?? '', job.metadata.name ?? '', { signal });
  const spec = PipelineSpec.parse(run.spec.pipelineSpec ?? {});
  const env: Record<string, string> = {};
  for (const task of spec.tasks ?? []) {
    for (const step of task.taskSpec?.steps ?? []) {
      for (const variable of step.env ?? []) {
        if (!describingEnv.has(variable.name) && variable.value !== undefined)
          env[variable.name] = variable.value;
      }
    }
  }
  return { serviceAccountName: run.spec.taskRunTemplate?.serviceAccountName, env };
}

/**
 * Creates the build PipelineRun, which the API server validates (a refusal names each field); the one an
 * earlier run of the step created counts as created.
 */
async function createOnce(
  kube: KubeClient,
  desired: PipelineRun,
  job: LighthouseJob,
  signal: AbortSignal | undefined,
): Promise<{ pipelineRun: PipelineRun; created: boolean }> {
  const namespace = desired.metadata.namespace ?? '';
  try {
    return { pipelineRun: await kube.pipelineRuns.create(namespace, desired, { signal }), created: true };
  } catch (error) {
    if (error instanceof KubeInvalidError) {
      const causes = error.causes.map(
        (c) => `${c.field ? `${c.field}: ` : ''}${c.message ?? c.reason ?? ''}`,
      );
      throw new PipelineRejectedError(
        `the API server rejected the build PipelineRun: ${causes.length > 0 ? causes.join('; ') : error.message}`,
        { cause: error },
      );
    }
    if (!(error instanceof KubeAlreadyExistsError)) throw error;
    const existing = await kube.pipelineRuns.get(namespace, desired.metadata.name ?? '', { signal });
    if (!existing.metadata.ownerReferences?.some((owner) => owner.uid === job.metadata.uid)) {
      throw new MetaStepError(
        `PipelineRun ${namespace}/${existing.metadata.name} exists and does not belong to LighthouseJob ${job.metadata.name}`,
      );
    }
    return { pipelineRun: existing, created: false };
  }
}

/**
 * Merges a status change into the job, decided on its current status; re-reads and decides again when
 * someone else (the status sync) changed the job meanwhile, so a newer status is never overwritten.
 */
async function recordOnJob(
  kube: KubeClient,
  job: LighthouseJob,
  decide: (status: LighthouseJobStatus) => LighthouseJobStatus | undefined,
): Promise<void> {
  const namespace = job.metadata.namespace ?? '';
  const name = job.metadata.name ?? '';
  let current = job;
  for (let attempt = 1; ; attempt++) {
    const change = decide(current.status ?? {});
    if (!change) return;
    try {
      await kube.lighthouseJobs.patchStatus(namespace, name, {
        metadata: { resourceVersion: current.metadata.resourceVersion },
        status: change,
      });
      return;
    } catch (error) {
      if (!(error instanceof KubeConflictError) || attempt >= 5) throw error;
      current = await kube.lighthouseJobs.get(namespace, name);
    }
  }
}

const now = () => new Date().toISOString().replace(/\.\d+Z$/, 'Z');
