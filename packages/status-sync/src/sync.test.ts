import { randomUUID } from 'node:crypto';
import {
  type LighthouseJobStatus,
  labels,
  lighthouseJobType,
  ownAnnotations,
  ownLabels,
  type PipelineRun,
  pipelineRunType,
} from '@lighthouse-ts/crds';
import { createKubeClient, type KubeClient } from '@lighthouse-ts/kube';
import type { MetaPipelineClient } from '@lighthouse-ts/metapipeline-client';
import { createEmbeddedClient } from '@lighthouse-ts/metapipeline-client/embedded';
import { pullRequestRequest } from '@lighthouse-ts/metapipeline-client/testing';
import type { TestCluster } from '@lighthouse-ts/testenv';
import { testCluster } from '@lighthouse-ts/testenv/vitest';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { createBuildRun, createTaskRun, now, setRunStatus, setTaskRunStatus } from '../test/tekton.ts';
import { type JobSource, type StatusSync, type SyncResult, startStatusSync, syncJob } from './sync.ts';
import { LighthouseJobView, PipelineRunView } from './views.ts';

const metaStep = { image: 'ghcr.io/lighthouse-ts/runner:test', command: ['runner', 'meta-step'] };
// Generous: the machine is shared. How fast the sync really is, the benchmark measures.
const eventually = { timeout: 30_000, interval: 50 };

let cluster: TestCluster;
let kube: KubeClient;
let client: MetaPipelineClient;
const running: StatusSync[] = [];

beforeAll(async () => {
  cluster = await testCluster();
  kube = createKubeClient({ config: { kubeconfig: cluster.kubeconfigPath } });
  client = createEmbeddedClient({ kube: { config: { kubeconfig: cluster.kubeconfigPath } }, metaStep });
});
afterEach(async () => {
  await Promise.all(running.splice(0).map((sync) => sync.stop()));
});
afterAll(async () => {
  await client?.close();
  await kube?.close();
});

/** A sync of its own, stopped after the test; what it did, pass by pass. */
async function sync(namespace: string, options: { orphanAfterMs?: number } = {}) {
  const results: SyncResult[] = [];
  const started = await startStatusSync({ kube, namespace, onSync: (r) => results.push(r), ...options });
  running.push(started);
  return { results, stop: () => started.stop() };
}

/** A job and its meta PipelineRun, created as lighthouse creates them. */
async function createJob(namespace: string, key = `delivery-${randomUUID()}/unit`): Promise<string> {
  const pipeline = await client.create(pullRequestRequest(namespace, { idempotencyKey: key }));
  return pipeline.ref.name;
}

const statusOf = async (namespace: string, job: string) =>
  (await kube.lighthouseJobs.get(namespace, job)).status;

async function expectStatus(namespace: string, job: string, expected: Partial<LighthouseJobStatus>) {
  await vi.waitFor(async () => expect(await statusOf(namespace, job)).toMatchObject(expected), eventually);
}

describe('the status sync on a real API server', () => {
  it('follows the meta PipelineRun, then the build PipelineRun and its TaskRuns, to success', async () => {
    const namespace = await cluster.createNamespace('sync');
    const { results } = await sync(namespace);
    const job = await createJob(namespace);

    await setRunStatus(kube, namespace, job, 'running');
    await expectStatus(namespace, job, {
      state: 'pending',
      description: 'meta-pipeline running',
      activityName: job,
    });

    const build = await createBuildRun(kube, namespace, job);
    await setRunStatus(kube, namespace, job, 'succeeded');
    const taskRun = await createTaskRun(kube, namespace, build, 'build');
    await setTaskRunStatus(kube, namespace, taskRun.metadata.name ?? '', 'running');
    await setRunStatus(kube, namespace, `${job}-build`, 'running', { children: [taskRun] });
    await expectStatus(namespace, job, {
      state: 'running',
      activityName: `${job}-build`,
      activity: {
        name: `${job}-build`,
        jobId: job,
        status: 'running',
        stages: [{ name: 'build', status: 'running', steps: [{ name: 'compile', status: 'running' }] }],
      },
    });

    const finished = now();
    await setTaskRunStatus(kube, namespace, taskRun.metadata.name ?? '', 'succeeded', finished);
    await setRunStatus(kube, namespace, `${job}-build`, 'succeeded', { children: [taskRun], at: finished });
    await expectStatus(namespace, job, {
      state: 'success',
      description: 'Tasks Completed: 1 (Failed: 0, Cancelled 0), Skipped: 0',
      completionTime: finished,
      lastCommitSHA: 'dd64c739442d505cf5381e2a14b60968e8a0d86e',
      activity: {
        name: `${job}-build`,
        status: 'success',
        completionTime: finished,
        stages: [{ name: 'build', status: 'success', steps: [{ name: 'compile', status: 'success' }] }],
      },
    });
    expect(results.filter((r) => r.outcome === 'failed')).toEqual([]);
    expect(results.filter((r) => r.outcome === 'written').map((r) => r.state)).toEqual(
      expect.arrayContaining(['pending', 'running', 'success']),
    );
  });

  it('fails the job with the message of a failed meta PipelineRun, and keeps it finished', async () => {
    const namespace = await cluster.createNamespace('sync');
    const { results } = await sync(namespace);
    const job = await createJob(namespace);
    const message = 'merge conflict: pull request 813 conflicts with master in README.md';
    await setRunStatus(kube, namespace, job, 'failed', { message });
    await expectStatus(namespace, job, {
      state: 'failure',
      description: message,
      activity: { name: job, status: 'failure' },
    });

    // The test may read the write before the sync has heard back from it.
    await vi.waitFor(
      () => expect(results).toContainEqual(expect.objectContaining({ outcome: 'written', state: 'failure' })),
      eventually,
    );

    // A build PipelineRun turning up late (it should not) does not reopen the job.
    const passes = results.length;
    const build = await createBuildRun(kube, namespace, job);
    await setRunStatus(kube, namespace, build.metadata.name ?? '', 'running');
    await vi.waitFor(() => expect(results.slice(passes).map((r) => r.job)).toContain(job), eventually);
    expect(results.slice(passes).filter((r) => r.outcome !== 'unchanged')).toEqual([]);
    expect(await statusOf(namespace, job)).toMatchObject({ state: 'failure', description: message });
  });

  it('marks the job aborted when Tekton cancels its PipelineRun', async () => {
    const namespace = await cluster.createNamespace('sync');
    await sync(namespace);
    const job = await createJob(namespace);
    const build = await createBuildRun(kube, namespace, job);
    await setRunStatus(kube, namespace, build.metadata.name ?? '', 'running');
    await expectStatus(namespace, job, { state: 'running' });
    await setRunStatus(kube, namespace, build.metadata.name ?? '', 'cancelled');
    await expectStatus(namespace, job, { state: 'aborted', description: 'PipelineRun was cancelled' });
  });

  it('converges after a restart on what happened while it was down', async () => {
    const namespace = await cluster.createNamespace('sync');
    const first = await sync(namespace);
    const job = await createJob(namespace);
    const build = await createBuildRun(kube, namespace, job);
    const taskRun = await createTaskRun(kube, namespace, build, 'build');
    await setRunStatus(kube, namespace, `${job}-build`, 'running', { children: [taskRun] });
    await expectStatus(namespace, job, { state: 'running' });
    await first.stop();

    const finished = now();
    await setTaskRunStatus(kube, namespace, taskRun.metadata.name ?? '', 'failed', finished);
    await setRunStatus(kube, namespace, `${job}-build`, 'failed', { children: [taskRun], at: finished });
    expect((await statusOf(namespace, job))?.state).toBe('running');

    const second = await sync(namespace);
    await expectStatus(namespace, job, {
      state: 'failure',
      completionTime: finished,
      activity: {
        name: `${job}-build`,
        stages: [{ name: 'build', status: 'failure', steps: [{ name: 'compile', status: 'failure' }] }],
      },
    });
    expect(second.results.filter((r) => r.outcome === 'failed')).toEqual([]);
  });

  it('ends as an error a job whose meta PipelineRun was never created, once it is orphanAfterMs old', async () => {
    const namespace = await cluster.createNamespace('sync-orphan');
    await sync(namespace, { orphanAfterMs: 1500 });
    const started = await createJob(namespace);
    // Its creation stopped between the job and its run, and nobody delivered the event again.
    const orphan = `orphan-${randomUUID().slice(0, 8)}`;
    await kube.lighthouseJobs.create(namespace, {
      apiVersion: 'lighthouse.jenkins.io/v1alpha1',
      kind: 'LighthouseJob',
      metadata: {
        name: orphan,
        labels: { [labels.createdByLighthouse]: 'true' },
        annotations: { [ownAnnotations.idempotencyKey]: `delivery-${orphan}/unit` },
      },
      spec: { type: 'presubmit', job: 'unit', context: 'unit' },
    });
    const theirs = `go-lighthouse-${randomUUID().slice(0, 8)}`;
    await kube.lighthouseJobs.create(namespace, {
      apiVersion: 'lighthouse.jenkins.io/v1alpha1',
      kind: 'LighthouseJob',
      metadata: { name: theirs, labels: { [labels.createdByLighthouse]: 'true' } },
      spec: { type: 'presubmit', job: 'unit', context: 'unit' },
    });
    await expectStatus(namespace, orphan, {
      state: 'error',
      description: expect.stringMatching(/^no meta PipelineRun was created for this job within/),
      completionTime: expect.any(String),
    });
    // A job with its run is no orphan, though older than the orphan; nor is Jenkins X Lighthouse's.
    expect(await statusOf(namespace, started)).toMatchObject({ state: 'pending' });
    expect(await statusOf(namespace, theirs)).toBeUndefined();
  });

  it('ignores runs whose job is gone', async () => {
    const namespace = await cluster.createNamespace('sync');
    const { results } = await sync(namespace);
    const job = await createJob(namespace);
    await kube.lighthouseJobs.delete(namespace, job);
    // No garbage collector runs here, so the meta PipelineRun outlives its job.
    await setRunStatus(kube, namespace, job, 'running');
    await vi.waitFor(
      () => expect(results).toContainEqual(expect.objectContaining({ job, outcome: 'gone' })),
      eventually,
    );
    expect(results.filter((r) => r.outcome === 'failed')).toEqual([]);
  });

  it('leaves alone PipelineRuns that are not ours (Lighthouse itself syncs those)', async () => {
    const namespace = await cluster.createNamespace('sync');
    const job = await createJob(namespace);
    await kube.pipelineRuns.patch(namespace, job, {
      metadata: { labels: { [ownLabels.pipelineRole]: null } },
    });
    await setRunStatus(kube, namespace, job, 'failed');
    const before = await statusOf(namespace, job);

    const { results } = await sync(namespace);
    const other = await createJob(namespace);
    await setRunStatus(kube, namespace, other, 'failed');
    await expectStatus(namespace, other, { state: 'failure' });
    expect(await statusOf(namespace, job)).toEqual(before);
    expect(results.filter((r) => r.job === job && r.outcome !== 'unchanged')).toEqual([]);
  });
});

describe("runs that are not the job's own", () => {
  type Forge = (namespace: string, job: string, other: string) => Promise<PipelineRun>;
  const forgeries: [string, Forge][] = [
    ['named otherwise', (namespace, job) => createBuildRun(kube, namespace, job, { name: `${job}-forged` })],
    [
      'owned by another job',
      (namespace, job, other) => createBuildRun(kube, namespace, job, { owner: other }),
    ],
  ];

  it.for(forgeries)('a build PipelineRun labelled for the job but %s does not move it', async ([, forge]) => {
    const namespace = await cluster.createNamespace('sync');
    const { results } = await sync(namespace);
    const [job, other] = [await createJob(namespace), await createJob(namespace)];
    const forged = await forge(namespace, job, other);
    await setRunStatus(kube, namespace, forged.metadata.name ?? '', 'succeeded');

    // The job's own meta PipelineRun changes after the forged run, so the pass that shows it saw both.
    await setRunStatus(kube, namespace, job, 'running');
    await expectStatus(namespace, job, {
      state: 'pending',
      description: 'meta-pipeline running',
      activityName: job,
    });
    const passes = results.filter((r) => r.job === job);
    expect(passes.filter((r) => r.outcome === 'failed')).toEqual([]);
    expect(new Set(passes.filter((r) => r.outcome === 'written').map((r) => r.state))).toEqual(
      new Set(['pending']),
    );
  });
});

describe('a pass over a job whose cache lags behind the API server', () => {
  /** The sync's view had its PipelineRun cache seen only the runs named `seen`. */
  async function laggingSource(namespace: string, seen: string[]): Promise<JobSource> {
    const pipelineRuns = kube.resource(pipelineRunType, PipelineRunView);
    const cached = new Map(
      await Promise.all(seen.map(async (name) => [name, await pipelineRuns.get(namespace, name)] as const)),
    );
    return {
      namespace,
      jobs: kube.resource(lighthouseJobType, LighthouseJobView),
      pipelineRuns,
      cachedJob: () => undefined,
      cachedRun: (name) => cached.get(name),
      children: () => undefined,
      logger: { info() {}, warn() {}, error() {} },
      signal: new AbortController().signal,
      orphanAfterMs: 60 * 60_000,
    };
  }

  it('waits for a build PipelineRun a relist delivers after the succeeded meta PipelineRun', async () => {
    const namespace = await cluster.createNamespace('sync-pass');
    const job = await createJob(namespace);
    await createBuildRun(kube, namespace, job);
    await setRunStatus(kube, namespace, `${job}-build`, 'running');
    await setRunStatus(kube, namespace, job, 'succeeded');
    const before = await statusOf(namespace, job);

    // A relist lists runs in name order: `<job>` is in the cache, `<job>-build` not yet.
    const early = await syncJob(await laggingSource(namespace, [job]), job);
    expect(early).toMatchObject({ outcome: 'unchanged' });
    expect(await statusOf(namespace, job)).toEqual(before);

    const caughtUp = await syncJob(await laggingSource(namespace, [job, `${job}-build`]), job);
    expect(caughtUp).toMatchObject({ outcome: 'written', state: 'running' });
  });

  it("keeps the meta step's record of a build PipelineRun the cache has yet to see", async () => {
    const namespace = await cluster.createNamespace('sync-pass');
    const job = await createJob(namespace);
    await setRunStatus(kube, namespace, job, 'running');
    await createBuildRun(kube, namespace, job);
    await kube.lighthouseJobs.patchStatus(namespace, job, {
      status: {
        state: 'pending',
        activityName: `${job}-build`,
        description: `build PipelineRun ${job}-build created`,
      },
    });
    const recorded = await statusOf(namespace, job);

    const result = await syncJob(await laggingSource(namespace, [job]), job);
    expect(result).toMatchObject({ outcome: 'unchanged' });
    expect(await statusOf(namespace, job)).toEqual(recorded);
  });

  it('calls the job an error once the API server confirms the meta-pipeline left no build PipelineRun', async () => {
    const namespace = await cluster.createNamespace('sync-pass');
    const [job, other] = [await createJob(namespace), await createJob(namespace)];
    await setRunStatus(kube, namespace, job, 'succeeded');
    // One by that name that the job does not own is not its build PipelineRun.
    await createBuildRun(kube, namespace, job, { owner: other });

    const result = await syncJob(await laggingSource(namespace, [job]), job);
    expect(result).toMatchObject({ outcome: 'written', state: 'error' });
    expect(await statusOf(namespace, job)).toMatchObject({
      state: 'error',
      description: 'the meta-pipeline succeeded without creating a build PipelineRun',
    });
  });
});

describe('several status syncs at once', () => {
  /** Jobs through their lives: half succeed, half fail; the statuses they end with, by job name. */
  async function scenario(namespace: string, keys: string[]) {
    // One after another, so build numbers follow the same order in every namespace.
    const jobs: string[] = [];
    for (const key of keys) jobs.push(await createJob(namespace, key));
    await Promise.all(
      jobs.map(async (job, i) => {
        await setRunStatus(kube, namespace, job, 'running', { at: '2026-01-02T03:00:00Z' });
        const build = await createBuildRun(kube, namespace, job);
        await setRunStatus(kube, namespace, job, 'succeeded', { at: '2026-01-02T03:01:00Z' });
        const taskRun = await createTaskRun(kube, namespace, build, 'build');
        const name = taskRun.metadata.name ?? '';
        await setTaskRunStatus(kube, namespace, name, 'running', '2026-01-02T03:02:00Z');
        await setRunStatus(kube, namespace, `${job}-build`, 'running', {
          children: [taskRun],
          at: '2026-01-02T03:02:00Z',
        });
        const outcome = i % 2 === 0 ? 'succeeded' : 'failed';
        await setTaskRunStatus(kube, namespace, name, outcome, '2026-01-02T03:03:00Z');
        await setRunStatus(kube, namespace, `${job}-build`, outcome, {
          children: [taskRun],
          at: '2026-01-02T03:03:00Z',
        });
      }),
    );
    const statuses: Record<string, unknown> = {};
    await vi.waitFor(async () => {
      for (const job of jobs) {
        const status = await statusOf(namespace, job);
        expect(status?.state).toMatch(/^(success|failure)$/);
        expect(status?.activity?.stages?.[0]?.status).toMatch(/^(success|failure)$/);
        // The start time is when the job was created, the only field that differs between runs.
        const { startTime: _, ...rest } = status ?? {};
        statuses[job] = rest;
      }
    }, eventually);
    return statuses;
  }

  it('leave the same statuses as one, without errors', async () => {
    const keys = Array.from({ length: 6 }, (_, i) => `delivery-${randomUUID()}/job-${i}`);
    const alone = await cluster.createNamespace('sync-one');
    const one = await sync(alone);
    const together = await cluster.createNamespace('sync-two');
    const [a, b] = [await sync(together), await sync(together)];

    const [expected, actual] = await Promise.all([scenario(alone, keys), scenario(together, keys)]);
    expect(actual).toEqual(expected);
    expect(
      Object.values(actual)
        .map((s) => (s as LighthouseJobStatus).state)
        .sort(),
    ).toEqual([...Array(3).fill('failure'), ...Array(3).fill('success')]);
    for (const { results } of [one, a, b]) {
      expect(results.filter((r) => r.outcome === 'failed')).toEqual([]);
      expect(new Set(results.map((r) => r.job))).toEqual(new Set(Object.keys(actual)));
    }
  });
});
