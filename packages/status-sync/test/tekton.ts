// Test helper: plays the parts no test cluster here has. The meta step's creating the build PipelineRun,
// and Tekton's creating TaskRuns and writing run statuses, done on real objects of the real API server
// (whose Tekton CRDs validate them), the way those controllers do.
import {
  apiVersionOf,
  type LighthouseJob,
  labels,
  ownLabels,
  type PipelineRun,
  TaskRun,
  taskRunType,
} from '@lighthouse-ts/crds';
import type { KubeClient } from '@lighthouse-ts/kube';

const taskRunsOf = (kube: KubeClient) => kube.resource(taskRunType, TaskRun);

export type Phase = 'running' | 'succeeded' | 'failed' | 'cancelled';

/** RFC 3339 to the second, as Kubernetes writes times. */
export const now = () => new Date().toISOString().replace(/\.\d+Z$/, 'Z');

/**
 * `<job>-build`, labelled and owned as the meta step makes it; or, to forge one, named otherwise or
 * owned by another job.
 */
export async function createBuildRun(
  kube: KubeClient,
  namespace: string,
  jobName: string,
  { name = `${jobName}-build`, owner = jobName }: { name?: string; owner?: string } = {},
): Promise<PipelineRun> {
  const job: LighthouseJob = await kube.lighthouseJobs.get(namespace, jobName);
  const ownerJob: LighthouseJob = owner === jobName ? job : await kube.lighthouseJobs.get(namespace, owner);
  return kube.pipelineRuns.create(namespace, {
    apiVersion: 'tekton.dev/v1',
    kind: 'PipelineRun',
    metadata: {
      name,
      labels: { ...job.metadata.labels, [labels.id]: jobName, [ownLabels.pipelineRole]: 'build' },
      annotations: job.metadata.annotations ?? {},
      ownerReferences: [
        {
          apiVersion: ownerJob.apiVersion,
          kind: ownerJob.kind,
          name: owner,
          uid: ownerJob.metadata.uid ?? '',
          controller: true,
        },
      ],
    },
    spec: {
      pipelineSpec: {
        tasks: [
          {
            name: 'build',
            taskSpec: { steps: [{ name: 'compile', image: 'golang:1.26', script: 'go build ./...' }] },
          },
        ],
      },
    },
  });
}

/** The TaskRun Tekton makes for one of `run`'s tasks: the run's labels, and Tekton's own. */
export async function createTaskRun(
  kube: KubeClient,
  namespace: string,
  run: PipelineRun,
  task: string,
): Promise<TaskRun> {
  const runName = run.metadata.name ?? '';
  return taskRunsOf(kube).create(namespace, {
    apiVersion: apiVersionOf(taskRunType),
    kind: 'TaskRun',
    metadata: {
      name: `${runName}-${task}-x7k2p`,
      labels: {
        ...run.metadata.labels,
        'tekton.dev/pipelineRun': runName,
        'tekton.dev/pipelineTask': task,
      },
    },
    spec: { taskSpec: { steps: [{ name: 'compile', image: 'golang:1.26', script: 'go build ./...' }] } },
  });
}

const conditions = {
  running: {
    status: 'Unknown',
    reason: 'Running',
    message: 'Tasks Completed: 0 (Failed: 0, Cancelled 0), Skipped: 0',
  },
  succeeded: {
    status: 'True',
    reason: 'Succeeded',
    message: 'Tasks Completed: 1 (Failed: 0, Cancelled 0), Skipped: 0',
  },
  failed: {
    status: 'False',
    reason: 'Failed',
    message: 'Tasks Completed: 1 (Failed: 1, Cancelled 0), Skipped: 0',
  },
  cancelled: { status: 'False', reason: 'Cancelled', message: 'PipelineRun was cancelled' },
} as const;

/** Writes a PipelineRun's status as Tekton does at `phase`, with `message` instead of Tekton's, if given. */
export async function setRunStatus(
  kube: KubeClient,
  namespace: string,
  name: string,
  phase: Phase,
  { message, children = [], at = now() }: { message?: string; children?: TaskRun[]; at?: string } = {},
): Promise<PipelineRun> {
  const condition = {
    type: 'Succeeded',
    ...conditions[phase],
    ...(message ? { message } : {}),
    lastTransitionTime: at,
  };
  const run = await kube.pipelineRuns.get(namespace, name);
  return kube.pipelineRuns.patchStatus(namespace, name, {
    status: {
      startTime: run.status?.startTime ?? at,
      conditions: [condition],
      ...(phase === 'running' ? {} : { completionTime: at }),
      childReferences: children.map((child) => ({
        apiVersion: 'tekton.dev/v1',
        kind: 'TaskRun',
        name: child.metadata.name,
        pipelineTaskName: child.metadata.labels?.['tekton.dev/pipelineTask'],
      })),
    },
  });
}

/** Writes a TaskRun's status as Tekton does at `phase`: its one step running, or ended with exit code 0 or 1. */
export async function setTaskRunStatus(
  kube: KubeClient,
  namespace: string,
  name: string,
  phase: Exclude<Phase, 'cancelled'>,
  at = now(),
): Promise<void> {
  const taskRuns = taskRunsOf(kube);
  const step =
    phase === 'running'
      ? { running: { startedAt: at } }
      : {
          terminated: {
            exitCode: phase === 'failed' ? 1 : 0,
            reason: 'Completed',
            startedAt: at,
            finishedAt: at,
          },
        };
  const taskRun = await taskRuns.get(namespace, name);
  await taskRuns.patchStatus(namespace, name, {
    status: {
      podName: `${name}-pod`,
      startTime: taskRun.status?.startTime ?? at,
      ...(phase === 'running' ? {} : { completionTime: at }),
      conditions: [
        {
          type: 'Succeeded',
          status: phase === 'running' ? 'Unknown' : phase === 'succeeded' ? 'True' : 'False',
          reason: phase === 'running' ? 'Running' : phase === 'succeeded' ? 'Succeeded' : 'Failed',
          lastTransitionTime: at,
        },
      ],
      steps: [{ name: 'compile', container: 'step-compile', ...step }],
    },
  });
}
