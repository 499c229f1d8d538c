import { createKubeClient, type KubeClient } from '@lighthouse-ts/kube';
import { createRemoteClient } from '@lighthouse-ts/metapipeline-client';
import { createEmbeddedClient } from '@lighthouse-ts/metapipeline-client/embedded';
import { pullRequestRequest } from '@lighthouse-ts/metapipeline-client/testing';
import type { TestCluster } from '@lighthouse-ts/testenv';
import { testCluster } from '@lighthouse-ts/testenv/vitest';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { killRunners, spawnRunner, startRunner, trailingLine } from '../test/runner-process.ts';
import { failedRun } from '../test/tekton.ts';

// Generous: the machine is shared. How fast the sync really is, packages/status-sync's benchmark measures.
const eventually = { timeout: 30_000, interval: 100 };

let cluster: TestCluster;
let kube: KubeClient;

beforeAll(async () => {
  cluster = await testCluster();
  kube = createKubeClient({ config: { kubeconfig: cluster.kubeconfigPath } });
});
afterAll(async () => {
  await killRunners();
  await kube?.close();
});

describe('runner sync', () => {
  it('keeps a job in step with its PipelineRun as a process of its own, and exits 0 on SIGTERM', async () => {
    const namespace = await cluster.createNamespace('runner-sync');
    const runner = spawnRunner(['sync', '--kubeconfig', cluster.kubeconfigPath], {
      RUNNER_NAMESPACE: namespace,
    });
    await runner.waitForLog((line) => line.msg === 'status sync started', '"status sync started"');

    const client = createEmbeddedClient({
      kube: { config: { kubeconfig: cluster.kubeconfigPath } },
      metaStep: { image: 'ghcr.io/lighthouse-ts/runner:test', command: ['runner', 'meta-step'] },
    });
    const job = (await client.create(pullRequestRequest(namespace))).ref.name;
    await client.close();
    const message = 'merge conflict: pull request 813 conflicts with master in README.md';
    await kube.pipelineRuns.patchStatus(namespace, job, failedRun(message));

    await vi.waitFor(async () => {
      const { status } = await kube.lighthouseJobs.get(namespace, job);
      expect(status).toMatchObject({ state: 'failure', description: message, activity: { name: job } });
    }, eventually);
    // The line comes through the process's stdout after the write it reports, which the test may have seen
    // first: wait for it.
    const written = await runner.waitForLog(
      (line) => line.msg === 'job status written' && line.job === job && line.state === 'failure',
      `"job status written" for ${job} in state failure`,
      trailingLine,
    );
    expect(written).toMatchObject({ component: 'status-sync' });
    expect(await runner.stop()).toEqual({ code: 0, signal: null });
    expect(runner.logs.at(-1)?.msg).toBe('stopped');
  }, 90_000);

  it('exits 2 on a configuration it cannot use', async () => {
    const runner = spawnRunner(['sync', '--kubeconfig', '/nonexistent/kubeconfig']);
    expect((await runner.exited).code).toBe(2);
    expect(runner.output()).toMatch(/nonexistent\/kubeconfig/);
  });
});

describe('runner serve', () => {
  it('runs the status sync in-process: a job created through it follows its PipelineRun', async () => {
    const namespace = await cluster.createNamespace('runner-serve-sync');
    const runner = await startRunner({ kubeconfig: cluster.kubeconfigPath, namespace });
    expect(runner.logs.find((line) => line.msg === 'listening')?.statusSync).toBe(true);
    const client = createRemoteClient({ url: runner.url, token: runner.token });
    const pipeline = await client.create(pullRequestRequest(namespace));
    await kube.pipelineRuns.patchStatus(
      namespace,
      pipeline.ref.name,
      failedRun('Tasks Completed: 1 (Failed: 1)'),
    );

    await vi.waitFor(async () => {
      expect(await client.get(pipeline.ref)).toMatchObject({
        phase: 'failed',
        description: 'Tasks Completed: 1 (Failed: 1)',
      });
    }, eventually);
    await client.close();
    expect(await runner.stop()).toEqual({ code: 0, signal: null });
  });

  it('runs without it when told to', async () => {
    const runner = await startRunner({ kubeconfig: cluster.kubeconfigPath, args: ['--status-sync=false'] });
    expect(runner.logs.find((line) => line.msg === 'listening')?.statusSync).toBe(false);
    expect(await runner.stop()).toEqual({ code: 0, signal: null });
    expect(runner.logs.some((line) => line.component === 'status-sync')).toBe(false);
  });
});
