// The reporter in remote mode: the runner, which keeps the jobs' status, reports them to their provider,
// here a local server answering as GitHub's API and recording every write.
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { defaultReportWishes, ownLabels, reportLabel } from '@lighthouse-ts/crds';
import { createKubeClient, type KubeClient, KubeNotFoundError, Lease, leaseType } from '@lighthouse-ts/kube';
import { createRemoteClient, type MetaPipelineClient } from '@lighthouse-ts/metapipeline-client';
import { createEmbeddedClient } from '@lighthouse-ts/metapipeline-client/embedded';
import { pullRequestRequest } from '@lighthouse-ts/metapipeline-client/testing';
import { type ProviderServer, startProviderServer } from '@lighthouse-ts/scm/testing';
import type { TestCluster } from '@lighthouse-ts/testenv';
import { sample } from '@lighthouse-ts/testenv/http';
import { testCluster } from '@lighthouse-ts/testenv/vitest';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { killRunners, spawnRunner, startRunner } from '../test/runner-process.ts';
import { failedRun } from '../test/tekton.ts';

// Generous: the machine is shared. How fast the reporter is, packages/reporter's benchmark measures.
const eventually = { timeout: 30_000, interval: 100 };

let cluster: TestCluster;
let kube: KubeClient;
let server: ProviderServer;
let tokenFile: string;

beforeAll(async () => {
  cluster = await testCluster();
  kube = createKubeClient({ config: { kubeconfig: cluster.kubeconfigPath } });
  tokenFile = join(await mkdtemp(join(tmpdir(), 'runner-report-')), 'github-token');
  await writeFile(tokenFile, 'a-github-token\n', { mode: 0o600 });
});
afterEach(async () => {
  await killRunners();
  await server?.close();
});
afterAll(async () => {
  await kube?.close();
});

/** A pull request's job as lighthouse asks for it: labelled with its provider and what to report. */
async function createJob(client: MetaPipelineClient, namespace: string) {
  const labels = { [ownLabels.provider]: 'github', [ownLabels.report]: reportLabel(defaultReportWishes) };
  return (await client.create(pullRequestRequest(namespace, { labels }))).ref;
}

/** The head of the pull request in pullRequestRequest. */
const headSha = 'dd64c739442d505cf5381e2a14b60968e8a0d86e';

const states = () => server.statuses.map((s) => `${s.context} ${s.state}`);

describe('the runner reports', () => {
  it("in serve, each state of a job it started, once, to the job's provider, and counts the writes", async () => {
    server = await startProviderServer();
    const namespace = await cluster.createNamespace('runner-report');
    const runner = await startRunner({
      kubeconfig: cluster.kubeconfigPath,
      namespace,
      args: ['--github-token-file', tokenFile, '--github-api-url', server.baseUrl.github],
    });
    const client = createRemoteClient({ url: runner.url, token: runner.token });
    const job = await createJob(client, namespace);
    await client.close();
    await vi.waitFor(() => expect(states()).toEqual(['unit pending']), eventually);

    await kube.pipelineRuns.patchStatus(namespace, job.name, failedRun('merge conflict in README.md'));
    await vi.waitFor(() => expect(states()).toEqual(['unit pending', 'unit failure']), eventually);
    expect(server.statuses.map((s) => s.sha)).toEqual(Array(2).fill(headSha));
    expect(server.statuses[1]?.description).toBe('Pipeline failed: merge conflict in README.md');
    await vi.waitFor(() => {
      const comments = [...server.comments.values()].flat();
      expect(comments).toHaveLength(1);
      expect(comments[0]?.body).toContain('/test unit');
    }, eventually);
    await vi.waitFor(async () => {
      const metrics = await (await fetch(`${runner.url}/metrics`)).text();
      const written = { provider: 'github', kind: 'status', outcome: 'written' };
      expect(sample(metrics, 'runner_reports_total', written)).toBe(2);
    }, eventually);

    expect(await runner.stop()).toEqual({ code: 0, signal: null });
    const reporterLog = runner.logs.filter((line) => line.component === 'reporter').map((line) => line.msg);
    expect(reporterLog).toContain('released the lease');
    expect(server.writes.filter((w) => w.path.includes('/statuses/'))).toHaveLength(2);
  }, 90_000);

  it('in sync, with the variables lighthouse reads', async () => {
    server = await startProviderServer();
    const namespace = await cluster.createNamespace('runner-sync-report');
    const runner = spawnRunner(['sync', '--kubeconfig', cluster.kubeconfigPath], {
      RUNNER_NAMESPACE: namespace,
      LIGHTHOUSE_GITHUB_TOKEN_FILE: tokenFile,
      LIGHTHOUSE_GITHUB_API_URL: server.baseUrl.github,
    });
    const client = createEmbeddedClient({
      kube: { config: { kubeconfig: cluster.kubeconfigPath } },
      metaStep: { image: 'ghcr.io/lighthouse-ts/runner:test', command: ['runner', 'meta-step'] },
    });
    const job = await createJob(client, namespace);
    await client.close();
    await vi.waitFor(() => expect(states()).toEqual(['unit pending']), eventually);
    await kube.pipelineRuns.patchStatus(namespace, job.name, failedRun('Tasks Completed: 1 (Failed: 1)'));
    await vi.waitFor(() => expect(states()).toEqual(['unit pending', 'unit failure']), eventually);
    expect(await runner.stop()).toEqual({ code: 0, signal: null });
  }, 90_000);

  it('refuses to start with a provider token file it cannot read, naming the flag', async () => {
    const missing = join(tmpdir(), 'no-such-dir', 'token');
    const runner = spawnRunner(['sync', '--kubeconfig', cluster.kubeconfigPath], {
      LIGHTHOUSE_GITLAB_TOKEN_FILE: missing,
    });
    expect((await runner.exited).code).toBe(2);
    expect(runner.output()).toContain(
      `--gitlab-token-file (LIGHTHOUSE_GITLAB_TOKEN_FILE): cannot read the token file ${missing}`,
    );
  });

  it('starts no reporter with --report=false: no Lease is taken', async () => {
    server = await startProviderServer();
    const namespace = await cluster.createNamespace('runner-no-report');
    const runner = await startRunner({
      kubeconfig: cluster.kubeconfigPath,
      namespace,
      args: ['--report=false', '--github-token-file', tokenFile, '--github-api-url', server.baseUrl.github],
    });
    expect(await runner.stop()).toEqual({ code: 0, signal: null });
    await expect(
      kube.resource(leaseType, Lease).get(namespace, 'lighthouse-reporter'),
    ).rejects.toBeInstanceOf(KubeNotFoundError);
  });
});
