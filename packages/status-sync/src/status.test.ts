import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import {
  apiVersionOf,
  type LighthouseJobStatus,
  labels,
  lighthouseJobType,
  ownLabels,
} from '@lighthouse-ts/crds';
import { describe, expect, inject, it } from 'vitest';
import { parse } from 'yaml';
import {
  activityRecord,
  type ChildRuns,
  jobOutcome,
  mayLackBuildRun,
  nextJobStatus,
  pipelineRunOutcome,
  runsOfJob,
} from './status.ts';
import { CustomRunView, type LighthouseJobView, PipelineRunView, TaskRunView } from './views.ts';

const activityCases = join(inject('fixturesDir'), 'lighthouse/pkg/engines/tekton/test_data/activity');

/** Go reads a YAML null as an absent field. */
function withoutNulls(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(withoutNulls);
  if (value && typeof value === 'object') {
    return Object.fromEntries(
      Object.entries(value)
        .filter(([, v]) => v !== null)
        .map(([k, v]) => [k, withoutNulls(v)]),
    );
  }
  return value;
}

async function loadCase(name: string) {
  const dir = join(activityCases, name);
  const files = await readdir(dir);
  const read = async (file: string) => parse(await readFile(join(dir, file), 'utf8'));
  const taskRuns = await Promise.all(
    files.filter((f) => f.startsWith('tr')).map(async (f) => TaskRunView.parse(await read(f))),
  );
  const customRuns = await Promise.all(
    files.filter((f) => f.startsWith('cr')).map(async (f) => CustomRunView.parse(await read(f))),
  );
  const children = ((kind: string, childName: string) =>
    (kind === 'TaskRun' ? taskRuns : customRuns).find((c) => c.metadata.name === childName)) as ChildRuns;
  return {
    run: PipelineRunView.parse(await read('pr.yaml')),
    children,
    record: withoutNulls(await read('record.yaml')),
  };
}

describe('activityRecord, against every Lighthouse activity fixture', async () => {
  const cases = (await readdir(activityCases)).sort();

  it('covers the cases there are', () => {
    expect(cases.length).toBeGreaterThanOrEqual(10);
  });

  it.for(cases)('%s', async (name) => {
    const { run, children, record } = await loadCase(name);
    expect(activityRecord(run, children)).toEqual(record);
  });

  it('leaves out a child it has not seen yet', async () => {
    const { run } = await loadCase('successful_multiple_tasks');
    expect(activityRecord(run, () => undefined).stages).toBeUndefined();
  });
});

const time = (minute: number) => `2026-01-02T03:${String(minute).padStart(2, '0')}:00Z`;

function pipelineRun(
  name: string,
  role: 'meta' | 'build',
  condition?: { status: 'True' | 'False' | 'Unknown'; reason?: string; message?: string },
  { started = true } = {},
): PipelineRunView {
  const done = condition && condition.status !== 'Unknown';
  return {
    apiVersion: 'tekton.dev/v1',
    kind: 'PipelineRun',
    metadata: {
      name,
      labels: {
        [labels.id]: 'job',
        [ownLabels.pipelineRole]: role,
        [labels.lastCommitSHA]: 'dd64c739',
      },
    },
    status: {
      ...(condition
        ? { conditions: [{ type: 'Succeeded', ...condition, lastTransitionTime: time(done ? 9 : 2) }] }
        : {}),
      ...(started ? { startTime: time(1) } : {}),
      ...(done ? { completionTime: time(9) } : {}),
    },
  };
}

describe('pipelineRunOutcome: the Succeeded condition -> the job state', () => {
  type Case = [title: string, state: string, Parameters<typeof pipelineRun>[2], { started?: boolean }?];
  const cases: Case[] = [
    ['no condition yet', 'pending', undefined, { started: false }],
    ['Unknown, not started', 'pending', { status: 'Unknown', reason: 'Started' }, { started: false }],
    ['Unknown, held back', 'pending', { status: 'Unknown', reason: 'PipelineRunPending' }],
    ['Unknown, started', 'running', { status: 'Unknown', reason: 'Running', message: 'Tasks Completed: 0' }],
    [
      'Unknown, finally tasks after a cancel',
      'running',
      { status: 'Unknown', reason: 'CancelledRunningFinally' },
    ],
    ['True', 'success', { status: 'True', reason: 'Succeeded', message: 'Tasks Completed: 1' }],
    ['True with skipped tasks', 'success', { status: 'True', reason: 'Completed' }],
    ['False', 'failure', { status: 'False', reason: 'Failed', message: 'Tasks Completed: 1 (Failed: 1)' }],
    ['False, timed out', 'failure', { status: 'False', reason: 'PipelineRunTimeout' }],
    [
      'False, cancelled',
      'aborted',
      { status: 'False', reason: 'Cancelled', message: 'PipelineRun "r" was cancelled' },
    ],
    [
      'False, no such pipeline',
      'error',
      { status: 'False', reason: 'CouldntGetPipeline' },
      { started: false },
    ],
    ['False, invalid pipeline', 'error', { status: 'False', reason: 'PipelineValidationFailed' }],
  ];

  it.for(cases)('%s -> %s', ([, state, condition, options]) => {
    expect(pipelineRunOutcome(pipelineRun('r', 'build', condition, options)).state).toBe(state);
  });

  it('describes the run with the condition message, or says where it is', () => {
    expect(pipelineRunOutcome(pipelineRun('r', 'build', { status: 'True', message: 'all done' }))).toEqual({
      state: 'success',
      description: 'all done',
      startTime: time(1),
      completionTime: time(9),
    });
    expect(pipelineRunOutcome(pipelineRun('r', 'build', undefined, { started: false }))).toEqual({
      state: 'pending',
      description: 'r waiting to start',
    });
  });

  it('takes the completion time from the condition when the run has none', () => {
    const run = pipelineRun('r', 'build', { status: 'False', reason: 'Failed' });
    delete run.status?.completionTime;
    expect(pipelineRunOutcome(run).completionTime).toBe(time(9));
  });
});

describe('jobOutcome: meta and build PipelineRuns together', () => {
  const meta = (condition?: Parameters<typeof pipelineRun>[2]) => pipelineRun('job', 'meta', condition);
  const build = (condition?: Parameters<typeof pipelineRun>[2]) =>
    pipelineRun('job-build', 'build', condition);

  it('follows the meta PipelineRun until the build PipelineRun exists', () => {
    expect(jobOutcome({ meta: meta() })).toMatchObject({
      state: 'pending',
      description: 'meta-pipeline created',
    });
    expect(jobOutcome({ meta: meta({ status: 'Unknown', reason: 'Running' }) })).toMatchObject({
      state: 'pending',
      description: 'meta-pipeline running',
    });
    expect(
      jobOutcome({
        meta: meta({ status: 'False', reason: 'Failed', message: 'merge conflict in README.md' }),
      }),
    ).toMatchObject({
      state: 'failure',
      description: 'merge conflict in README.md',
      completionTime: time(9),
    });
    expect(jobOutcome({ meta: meta({ status: 'False', reason: 'Cancelled' }) })?.state).toBe('aborted');
    expect(jobOutcome({ meta: meta({ status: 'True' }) })).toMatchObject({
      state: 'error',
      description: 'the meta-pipeline succeeded without creating a build PipelineRun',
    });
  });

  it('follows the build PipelineRun once it exists, whatever the meta PipelineRun says', () => {
    const running = { status: 'Unknown' as const, reason: 'Running', message: 'Tasks Completed: 0' };
    expect(jobOutcome({ meta: meta(running), build: build() })).toMatchObject({
      state: 'pending',
      description: 'build PipelineRun job-build created',
      run: { metadata: { name: 'job-build' } },
    });
    expect(jobOutcome({ meta: meta({ status: 'True' }), build: build(running) })?.state).toBe('running');
    expect(jobOutcome({ build: build({ status: 'False', reason: 'Failed' }) })?.state).toBe('failure');
  });

  it('has nothing to say about a job without runs', () => {
    expect(jobOutcome({})).toBeUndefined();
  });
});

describe('nextJobStatus', () => {
  const noChildren = (() => undefined) as ChildRuns;
  const created: LighthouseJobStatus = {
    state: 'pending',
    activityName: 'job',
    description: 'meta-pipeline created',
    startTime: time(0),
  };
  const runs = {
    metaRunning: { meta: pipelineRun('job', 'meta', { status: 'Unknown', reason: 'Running' }) },
    buildRunning: {
      meta: pipelineRun('job', 'meta', { status: 'True' }),
      build: pipelineRun('job-build', 'build', {
        status: 'Unknown',
        reason: 'Running',
        message: 'Tasks Completed: 0',
      }),
    },
    buildFailed: {
      meta: pipelineRun('job', 'meta', { status: 'True' }),
      build: pipelineRun('job-build', 'build', {
        status: 'False',
        reason: 'Failed',
        message: 'Tasks Completed: 1 (Failed: 1)',
      }),
    },
  };

  it('keeps the start time, adds the record, and takes the completion time and last commit from the run', () => {
    const next = nextJobStatus(
      { ...created, reportURL: 'https://dashboard/job' },
      runs.buildFailed,
      noChildren,
    );
    expect(next).toEqual({
      state: 'failure',
      activityName: 'job-build',
      description: 'Tasks Completed: 1 (Failed: 1)',
      reportURL: 'https://dashboard/job',
      startTime: time(0),
      completionTime: time(9),
      lastCommitSHA: 'dd64c739',
      activity: activityRecord(runs.buildFailed.build, noChildren),
    });
  });

  it('writes nothing when nothing changed', () => {
    const running = nextJobStatus(created, runs.buildRunning, noChildren);
    expect(running?.state).toBe('running');
    expect(nextJobStatus(running, runs.buildRunning, noChildren)).toBeUndefined();
    expect(nextJobStatus(created, {}, noChildren)).toBeUndefined();
  });

  it('never moves a job back to a lower state', () => {
    const running = nextJobStatus(created, runs.buildRunning, noChildren);
    expect(nextJobStatus(running, runs.metaRunning, noChildren)).toBeUndefined();
  });

  it('never moves a finished job, and keeps the description it finished with, while its record follows the run', () => {
    const conflict: LighthouseJobStatus = {
      ...created,
      state: 'failure',
      description: 'merge conflict: pull 813 conflicts with master in README.md',
    };
    expect(nextJobStatus(conflict, runs.metaRunning, noChildren)).toBeUndefined();
    const failedMeta = {
      meta: pipelineRun('job', 'meta', {
        status: 'False',
        reason: 'Failed',
        message: 'Tasks Completed: 1 (Failed: 1)',
      }),
    };
    expect(nextJobStatus(conflict, failedMeta, noChildren)).toMatchObject({
      state: 'failure',
      description: conflict.description,
      completionTime: time(9),
      activity: { name: 'job', status: 'failure' },
    });
    const cancelled: LighthouseJobStatus = {
      ...created,
      state: 'aborted',
      description: 'cancelled',
      completionTime: time(5),
    };
    expect(nextJobStatus(cancelled, runs.buildFailed, noChildren)).toMatchObject({
      state: 'aborted',
      description: 'cancelled',
      completionTime: time(5),
    });
  });
});

describe("runsOfJob: only runs named and owned as the job's", () => {
  const job: LighthouseJobView = {
    apiVersion: apiVersionOf(lighthouseJobType),
    kind: 'LighthouseJob',
    metadata: { name: 'job', uid: 'uid-of-job' },
  };
  /** A run as lighthouse-ts makes it: labelled for `job` in its role, owned by the job with uid `owner`. */
  function made(name: string, role: 'meta' | 'build', owner = 'uid-of-job'): PipelineRunView {
    const run = pipelineRun(name, role);
    run.metadata.labels = { ...run.metadata.labels, [labels.createdByLighthouse]: 'true' };
    run.metadata.ownerReferences = [
      { apiVersion: job.apiVersion, kind: job.kind, name: 'job', uid: owner, controller: true },
    ];
    return run;
  }
  const lookup =
    (...runs: PipelineRunView[]) =>
    (name: string) =>
      runs.find((run) => run.metadata.name === name);

  it('finds the meta PipelineRun named as the job and the build PipelineRun named <job>-build', () => {
    const [meta, build] = [made('job', 'meta'), made('job-build', 'build')];
    expect(runsOfJob(job, lookup(meta, build))).toEqual({ meta, build });
    expect(runsOfJob(job, lookup(meta))).toEqual({ meta });
  });

  it('refuses a run named otherwise, owned by another job, unowned, or labelled otherwise', () => {
    const unowned = made('job-build', 'build');
    delete unowned.metadata.ownerReferences;
    const forOther = made('job-build', 'build');
    forOther.metadata.labels = { ...forOther.metadata.labels, [labels.id]: 'other' };
    const forgeries = [
      made('job-forged', 'build'),
      made('job-build', 'build', 'uid-of-other'),
      unowned,
      made('job-build', 'meta'),
      forOther,
    ];
    for (const forged of forgeries) expect(runsOfJob(job, lookup(forged))).toEqual({});
    expect(runsOfJob({ ...job, metadata: { name: 'job' } }, lookup(made('job', 'meta')))).toEqual({});
  });
});

describe('mayLackBuildRun: when a status from the cache must wait for a look at the API server', () => {
  const meta = (condition?: Parameters<typeof pipelineRun>[2]) => pipelineRun('job', 'meta', condition);
  const created: LighthouseJobStatus = { state: 'pending', activityName: 'job' };

  it('when the meta-pipeline succeeded without a build PipelineRun in sight', () => {
    expect(mayLackBuildRun('job', created, { meta: meta({ status: 'True' }) })).toBe(true);
  });

  it('when the stored status names a build PipelineRun not in sight', () => {
    const recorded = { ...created, activityName: 'job-build' };
    expect(mayLackBuildRun('job', recorded, { meta: meta({ status: 'Unknown', reason: 'Running' }) })).toBe(
      true,
    );
  });

  it('not when the build PipelineRun is in sight, nor while the meta-pipeline runs or failed', () => {
    const build = pipelineRun('job-build', 'build');
    expect(mayLackBuildRun('job', created, { meta: meta({ status: 'True' }), build })).toBe(false);
    expect(mayLackBuildRun('job', created, { meta: meta({ status: 'Unknown', reason: 'Running' }) })).toBe(
      false,
    );
    expect(mayLackBuildRun('job', created, { meta: meta({ status: 'False', reason: 'Failed' }) })).toBe(
      false,
    );
  });
});
