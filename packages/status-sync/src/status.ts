// Deciding a LighthouseJob's status from its PipelineRuns and their TaskRuns: pure functions, no I/O.

import { isDeepStrictEqual } from 'node:util';
import {
  type ActivityRecord,
  type ActivityStageOrStep,
  annotations,
  buildPipelineRunName,
  type Condition,
  type JobState,
  type LighthouseJobStatus,
  labels,
  ownLabels,
  type PipelineRole,
} from '@lighthouse-ts/crds';
import type { CustomRunView, LighthouseJobView, PipelineRunView, StepView, TaskRunView } from './views.ts';

/** What a PipelineRun says about the job that runs it. */
export interface RunOutcome {
  state: JobState;
  description: string;
  startTime?: string;
  completionTime?: string;
}

/**
 * Tekton's reasons for a PipelineRun that failed before any of its tasks could run: the pipeline cannot
 * be found, resolved or validated. Lighthouse calls a job that could not be scheduled an error, not a
 * failure of the build.
 */
const notStartedReasons = new Set([
  'CouldntGetPipeline',
  'CouldntGetTask',
  'InvalidPipelineResourceBindings',
  'InvalidWorkspaceBindings',
  'InvalidTaskRunSpecs',
  'ParameterTypeMismatch',
  'ObjectParameterMissKeys',
  'ParamArrayIndexingInvalid',
  'ParameterMissing',
  'PipelineValidationFailed',
  'PipelineInvalidGraph',
  'InvalidMatrixParameterTypes',
  'RequiredWorkspaceMarkedOptional',
  'ResourceVerificationFailed',
  'CreateRunFailed',
  'CELEvaluationFailed',
  'InvalidParamValue',
]);

const terminalStates = new Set<JobState>(['success', 'failure', 'aborted', 'error']);

export function isTerminal(state: JobState | undefined): boolean {
  return state !== undefined && terminalStates.has(state);
}

/** How far along a job is; a status never moves to a lower rank. */
function rank(state: JobState | undefined): number {
  if (state === undefined || state === 'triggered') return 0;
  if (state === 'pending') return 1;
  if (state === 'running') return 2;
  return 3;
}

function succeeded(conditions: readonly Condition[] | null | undefined): Condition | undefined {
  return conditions?.find((c) => c.type === 'Succeeded');
}

const orUndefined = <T>(value: T | null | undefined): T | undefined => value ?? undefined;

/** The job state a PipelineRun's Succeeded condition means, its description, and its times. */
export function pipelineRunOutcome(run: PipelineRunView): RunOutcome {
  const condition = succeeded(run.status?.conditions);
  const startTime = orUndefined(run.status?.startTime);
  let state: JobState;
  if (!condition) state = 'pending';
  else if (condition.status === 'True') state = 'success';
  else if (condition.status === 'False') {
    if (condition.reason === 'Cancelled') state = 'aborted';
    else state = notStartedReasons.has(condition.reason ?? '') ? 'error' : 'failure';
  } else state = !startTime || condition.reason === 'PipelineRunPending' ? 'pending' : 'running';
  const finished = isTerminal(state)
    ? (orUndefined(run.status?.completionTime) ?? condition?.lastTransitionTime)
    : undefined;
  return {
    state,
    description: condition?.message || `${run.metadata.name} ${stateWords[state]}`,
    ...(startTime ? { startTime } : {}),
    ...(finished ? { completionTime: finished } : {}),
  };
}

const stateWords: Record<JobState, string> = {
  triggered: 'triggered',
  pending: 'waiting to start',
  running: 'running',
  success: 'succeeded',
  failure: 'failed',
  aborted: 'cancelled',
  error: 'could not start',
};

/** A job's PipelineRuns: the meta PipelineRun, and the build PipelineRun its step creates. */
export interface JobRuns {
  meta?: PipelineRunView;
  build?: PipelineRunView;
}

/**
 * The job's runs among those `lookup` finds: the meta PipelineRun named as the job and the build
 * PipelineRun named `<job>-build`, each only if it is labelled for the job in its role and owned by the
 * job (by uid). Any other run, whatever its labels say, cannot speak for the job. (Whoever may create
 * PipelineRuns in the namespace can copy a uid: that right must stay with lighthouse, the runner and the
 * meta step.)
 */
export function runsOfJob(
  job: LighthouseJobView,
  lookup: (name: string) => PipelineRunView | undefined,
): JobRuns {
  const name = job.metadata.name ?? '';
  const meta = lookup(name);
  const build = lookup(buildPipelineRunName(name));
  return {
    ...(meta && isRunOf(job, 'meta', meta) ? { meta } : {}),
    ...(build && isRunOf(job, 'build', build) ? { build } : {}),
  };
}

/** Whether `run` is the job's PipelineRun in `role`: so labelled, and owned by the job. */
export function isRunOf(job: LighthouseJobView, role: PipelineRole, run: PipelineRunView): boolean {
  const { name, uid } = job.metadata;
  if (!name || !uid) return false;
  const runLabels = run.metadata.labels ?? {};
  return (
    run.metadata.name === (role === 'meta' ? name : buildPipelineRunName(name)) &&
    runLabels[labels.createdByLighthouse] === 'true' &&
    runLabels[labels.id] === name &&
    runLabels[ownLabels.pipelineRole] === role &&
    (run.metadata.ownerReferences ?? []).some((owner) => owner.uid === uid)
  );
}

/**
 * Whether the job's build PipelineRun may exist though `runs` lacks it: the meta-pipeline succeeded (its
 * step creates the build PipelineRun before it exits) or the stored status names the build PipelineRun
 * (the meta step wrote so). A cache can lag in both ways: a relist delivers runs in name order, `<job>`
 * before `<job>-build`, and the jobs watch may deliver the meta step's write before the PipelineRun
 * watch delivers the run. A status computed from such `runs` would call the job an error for good, or
 * point it back at its meta PipelineRun, so it waits for a look at the API server.
 */
export function mayLackBuildRun(
  job: string,
  stored: LighthouseJobStatus | undefined,
  runs: JobRuns,
): boolean {
  if (runs.build) return false;
  if (stored?.activityName === buildPipelineRunName(job)) return true;
  return runs.meta !== undefined && pipelineRunOutcome(runs.meta).state === 'success';
}

/**
 * The job's state from its runs: the meta PipelineRun until the build PipelineRun exists, the build
 * PipelineRun after. A running meta-pipeline keeps the job pending, since the build has not started.
 */
export function jobOutcome(runs: JobRuns): (RunOutcome & { run: PipelineRunView }) | undefined {
  const { meta, build } = runs;
  if (build) {
    const outcome = pipelineRunOutcome(build);
    // As the meta step describes it when it creates the run, so its write and ours agree.
    const created = succeeded(build.status?.conditions)
      ? {}
      : { description: `build PipelineRun ${build.metadata.name} created` };
    return { ...outcome, ...created, run: build };
  }
  if (!meta) return undefined;
  const outcome = pipelineRunOutcome(meta);
  const started = succeeded(meta.status?.conditions) !== undefined;
  switch (outcome.state) {
    case 'pending':
    case 'running':
      return {
        ...outcome,
        state: 'pending',
        description: started ? 'meta-pipeline running' : 'meta-pipeline created',
        run: meta,
      };
    case 'success':
      // The step creates the build PipelineRun before it exits; mayLackBuildRun says when to make sure.
      return {
        ...outcome,
        state: 'error',
        description: 'the meta-pipeline succeeded without creating a build PipelineRun',
        run: meta,
      };
    default:
      return { ...outcome, run: meta };
  }
}

/** Finds a PipelineRun's child by kind and name, if the status sync has seen it. */
export interface ChildRuns {
  (kind: 'TaskRun', name: string): TaskRunView | undefined;
  (kind: 'CustomRun', name: string): CustomRunView | undefined;
}

/**
 * Lighthouse's activity record of a PipelineRun: its labels, times and state, and one stage per
 * TaskRun (with its steps) or CustomRun (without). Children not (yet) known are left out, as are
 * children of other kinds.
 */
export function activityRecord(run: PipelineRunView, children: ChildRuns): ActivityRecord {
  const runLabels = run.metadata.labels ?? {};
  const name = run.metadata.name ?? '';
  const stages: ActivityStageOrStep[] = [];
  for (const reference of run.status?.childReferences ?? []) {
    if (reference.kind === 'CustomRun') {
      const customRun = children('CustomRun', reference.name);
      if (customRun) stages.push(stageOf(customRun, reference.pipelineTaskName || reference.name));
    } else if (!reference.kind || reference.kind === 'TaskRun') {
      const taskRun = children('TaskRun', reference.name);
      const stageName = reference.pipelineTaskName || stageNameOf(reference.name, name);
      if (taskRun) stages.push(taskRunStage(taskRun, stageName));
    }
  }
  return defined({
    name,
    jobId: runLabels[labels.id],
    owner: runLabels[labels.org],
    repo: runLabels[labels.repo],
    branch: runLabels[labels.branch],
    buildId: runLabels[labels.buildNum],
    context: runLabels[labels.context],
    gitURL: run.metadata.annotations?.[annotations.cloneURI],
    status: activityState(run),
    baseSHA: runLabels[labels.baseSHA],
    lastCommitSHA: runLabels[labels.lastCommitSHA],
    startTime: orUndefined(run.status?.startTime),
    completionTime: orUndefined(run.status?.completionTime),
    stages: stages.length > 0 ? stages : undefined,
  });
}

/** A TaskRun named `<pipelinerun>-<task>-<5 random characters>` without a pipeline task name: `<task>`. */
function stageNameOf(taskRunName: string, pipelineRunName: string): string {
  const withoutSuffix = taskRunName.length > 6 ? taskRunName.slice(0, -6) : taskRunName;
  return withoutSuffix.startsWith(`${pipelineRunName}-`)
    ? withoutSuffix.slice(pipelineRunName.length + 1)
    : withoutSuffix;
}

function stageOf(child: TaskRunView | CustomRunView, name: string): ActivityStageOrStep {
  return defined({
    name,
    status: activityState(child),
    startTime: orUndefined(child.status?.startTime),
    completionTime: orUndefined(child.status?.completionTime),
  });
}

function taskRunStage(taskRun: TaskRunView, name: string): ActivityStageOrStep {
  const steps = (taskRun.status?.steps ?? []).map(stepOf);
  return { ...stageOf(taskRun, name), ...(steps.length > 0 ? { steps } : {}) };
}

function stepOf(step: StepView): ActivityStageOrStep {
  const name = step.name ?? '';
  if (step.terminated) {
    return defined({
      name,
      status: step.terminated.exitCode === 0 ? 'success' : 'failure',
      startTime: orUndefined(step.terminated.startedAt),
      completionTime: orUndefined(step.terminated.finishedAt),
    });
  }
  if (step.running)
    return defined({ name, status: 'running', startTime: orUndefined(step.running.startedAt) });
  return { name, status: step.waiting ? 'pending' : 'triggered' };
}

/** Lighthouse's state of a run in an activity record (its own mapping, kept so records read the same). */
function activityState(run: PipelineRunView | TaskRunView | CustomRunView): JobState {
  const condition = succeeded(run.status?.conditions);
  if (!condition) return 'pending';
  if (condition.status === 'True') return 'success';
  if (condition.status === 'False') return 'failure';
  return run.status?.startTime ? 'running' : 'triggered';
}

/**
 * The status to write for a job, or undefined when there is nothing to write: it has no runs of ours
 * yet, the status would not change, or it would move backwards. A job never leaves a terminal state,
 * and keeps the description it got on reaching it (the meta step's account of a merge conflict, say),
 * though its record still follows the run; nor does it move to a lower state (running to pending), which
 * is what a replica whose cache lags behind another's would otherwise write.
 */
export function nextJobStatus(
  stored: LighthouseJobStatus | undefined,
  runs: JobRuns,
  children: ChildRuns,
): LighthouseJobStatus | undefined {
  const outcome = jobOutcome(runs);
  if (!outcome || rank(outcome.state) < rank(stored?.state)) return undefined;
  const activity = activityRecord(outcome.run, children);
  const reached = isTerminal(stored?.state) ? stored : undefined;
  const next = defined({
    ...stored,
    state: reached?.state ?? outcome.state,
    activityName: outcome.run.metadata.name,
    description: reached?.description ?? outcome.description,
    startTime: stored?.startTime ?? outcome.startTime,
    completionTime: reached?.completionTime ?? outcome.completionTime,
    lastCommitSHA: activity.lastCommitSHA ?? stored?.lastCommitSHA,
    activity,
  });
  return isDeepStrictEqual(next, defined({ ...stored })) ? undefined : next;
}

/** The object without its undefined fields, as JSON would have it, so equal statuses compare equal. */
function defined<T extends object>(object: T): T {
  return Object.fromEntries(Object.entries(object).filter(([, value]) => value !== undefined)) as T;
}
