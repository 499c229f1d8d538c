import { randomUUID } from 'node:crypto';
import {
  defaultReportWishes,
  type JobState,
  type LighthouseJob,
  labels,
  ownLabels,
  reportLabel,
} from '@lighthouse-ts/crds';
import { createKubeClient, type KubeClient } from '@lighthouse-ts/kube';
import {
  bitbucketServerApi,
  giteaApi,
  githubApi,
  gitlabApi,
  type Provider,
  type ProviderApi,
} from '@lighthouse-ts/scm';
import { type ProviderServer, startProviderServer } from '@lighthouse-ts/scm/testing';
import type { TestCluster } from '@lighthouse-ts/testenv';
import { testCluster } from '@lighthouse-ts/testenv/vitest';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { targetUrlTemplate } from './report.ts';
import { type ReportEvent, type Reporter, type ReporterOptions, startReporter } from './reporter.ts';
import { summaryMarker } from './summary.ts';

// Generous: the machine is shared. How fast the reporter is, the benchmark measures.
const eventually = { timeout: 15_000, interval: 50 };
const providers: Provider[] = ['github', 'gitlab', 'gitea', 'bitbucketserver'];
const headSha = 'a1b2c3d4e5f60718293a4b5c6d7e8f9012345678';

let cluster: TestCluster;
let kube: KubeClient;
let server: ProviderServer;
const running: Reporter[] = [];

beforeAll(async () => {
  cluster = await testCluster();
  kube = createKubeClient({ config: { kubeconfig: cluster.kubeconfigPath } });
});
afterEach(async () => {
  await Promise.all(running.splice(0).map((reporter) => reporter.stop()));
  await server?.close();
});
afterAll(async () => {
  await kube?.close();
});

/** Real clients of the four providers, pointed at the local server; waits are real but short. */
function clients(): Record<Provider, ProviderApi> {
  const retry = { attempts: 5, maxWaitMs: 10_000 };
  const token = 'a-token';
  const { baseUrl } = server;
  return {
    github: githubApi({ baseUrl: baseUrl.github, token, retry }),
    gitlab: gitlabApi({ baseUrl: baseUrl.gitlab, token, retry }),
    gitea: giteaApi({ baseUrl: baseUrl.gitea, token, retry }),
    bitbucketserver: bitbucketServerApi({ baseUrl: baseUrl.bitbucketserver, token, retry }),
  };
}

function report(namespace: string, options: Partial<ReporterOptions> = {}) {
  const events: ReportEvent[] = [];
  const reporter = startReporter({
    kube: { config: { kubeconfig: cluster.kubeconfigPath } },
    namespace,
    providers: clients(),
    identity: `reporter-${randomUUID().slice(0, 8)}`,
    targetUrl: targetUrlTemplate('https://ci.example.com/{namespace}/{job}'),
    onReport: (event) => events.push(event),
    ...options,
  });
  running.push(reporter);
  return { reporter, events };
}

interface JobSpec {
  provider: Provider;
  context?: string;
  pull?: number;
  build?: number;
}

/** A pull request's job as lighthouse creates it: labelled with its provider and what to report. */
async function createJob(namespace: string, { provider, context = 'unit', pull = 7, build = 1 }: JobSpec) {
  const name = `${provider}-${context}-${build}-${randomUUID().slice(0, 6)}`;
  const job: LighthouseJob = {
    apiVersion: 'lighthouse.jenkins.io/v1alpha1',
    kind: 'LighthouseJob',
    metadata: {
      name,
      labels: {
        [labels.createdByLighthouse]: 'true',
        [labels.buildNum]: String(build),
        [ownLabels.provider]: provider,
        [ownLabels.report]: reportLabel(defaultReportWishes),
      },
    },
    spec: {
      type: 'presubmit',
      job: context,
      context,
      rerun_command: `/test ${context}`,
      refs: {
        org: 'octo',
        repo: 'hello',
        base_ref: 'main',
        base_sha: 'f'.repeat(40),
        pulls: [{ number: pull, author: 'mona', sha: headSha }],
      },
    },
  };
  await kube.lighthouseJobs.create(namespace, job);
  await setState(namespace, name, 'triggered');
  return name;
}

/** Moves a job on, as the status sync would. */
async function setState(namespace: string, name: string, state: JobState, description?: string) {
  await kube.lighthouseJobs.patchStatus(namespace, name, {
    status: { state, ...(description ? { description } : {}) },
  });
}

const statesOf = (provider: Provider) =>
  server.statuses.filter((s) => s.provider === provider).map((s) => `${s.context} ${s.state}`);

async function waitForStatuses(provider: Provider, count: number) {
  await vi.waitFor(() => expect(statesOf(provider)).toHaveLength(count), eventually);
}

describe('the reporter on a real API server', () => {
  it("writes each job's states once, in each provider's names, with the target URL", async () => {
    server = await startProviderServer();
    const namespace = await cluster.createNamespace('report');
    report(namespace);
    for (const provider of providers) {
      const passing = await createJob(namespace, { provider, context: 'unit' });
      await waitForStatuses(provider, 1);
      await setState(namespace, passing, 'running');
      await waitForStatuses(provider, 2);
      await setState(namespace, passing, 'success');
      await waitForStatuses(provider, 3);
      const failing = await createJob(namespace, { provider, context: 'lint', build: 2 });
      await waitForStatuses(provider, 4);
      await setState(namespace, failing, 'running');
      await waitForStatuses(provider, 5);
      await setState(namespace, failing, 'failure', 'Tasks Completed: 1 (Failed: 1)');
      await waitForStatuses(provider, 6);
      const cancelled = await createJob(namespace, { provider, context: 'e2e', build: 3 });
      await waitForStatuses(provider, 7);
      await setState(namespace, cancelled, 'aborted');
      await waitForStatuses(provider, 8);
      const job = await kube.lighthouseJobs.get(namespace, passing);
      expect(job.status?.lastReportState).toBe('success');
      expect(job.status?.reportURL).toBe(`https://ci.example.com/${namespace}/${passing}`);
    }
    expect(statesOf('github')).toEqual([
      'unit pending',
      'unit pending',
      'unit success',
      'lint pending',
      'lint pending',
      'lint failure',
      'e2e pending',
      'e2e error',
    ]);
    expect(statesOf('gitlab')).toEqual([
      'unit pending',
      'unit running',
      'unit success',
      'lint pending',
      'lint running',
      'lint failed',
      'e2e pending',
      'e2e canceled',
    ]);
    expect(statesOf('gitea')).toEqual(statesOf('github'));
    expect(statesOf('bitbucketserver')).toEqual([
      'unit INPROGRESS',
      'unit INPROGRESS',
      'unit SUCCESSFUL',
      'lint INPROGRESS',
      'lint INPROGRESS',
      'lint FAILED',
      'e2e INPROGRESS',
      'e2e CANCELLED',
    ]);
    const github = server.statuses.filter((s) => s.provider === 'github');
    expect(github.map((s) => s.description)).toEqual([
      'Pipeline pending',
      'Pipeline running',
      'Pipeline successful',
      'Pipeline pending',
      'Pipeline running',
      'Pipeline failed: Tasks Completed: 1 (Failed: 1)',
      'Pipeline pending',
      'Pipeline aborted',
    ]);
    expect(new Set(github.map((s) => s.sha))).toEqual(new Set([headSha]));
    expect(github[0]?.url).toMatch(new RegExp(`^https://ci\\.example\\.com/${namespace}/github-unit-1-`));
  });

  it('keeps one failure comment per pull request, edited as jobs fail and pass', async () => {
    server = await startProviderServer();
    const namespace = await cluster.createNamespace('summary');
    const { events } = report(namespace);
    const commentWrites = () => server.writes.filter((w) => /comments|notes/.test(w.path));
    const comments = () => server.comments.get('github/octo/hello#7') ?? [];

    const unit = await createJob(namespace, { provider: 'github', context: 'unit', build: 1 });
    const lint = await createJob(namespace, { provider: 'github', context: 'lint', build: 2 });
    await setState(namespace, unit, 'failure');
    await vi.waitFor(() => expect(comments()).toHaveLength(1), eventually);
    expect(comments()[0]?.body).toContain('unit | a1b2c3d4e5f60718293a4b5c6d7e8f9012345678 |');

    await setState(namespace, lint, 'failure');
    await vi.waitFor(() => expect(comments()[0]?.body).toContain('lint |'), eventually);
    expect(comments()[0]?.body).toContain('The following tests **failed**');

    const unitAgain = await createJob(namespace, { provider: 'github', context: 'unit', build: 3 });
    const lintAgain = await createJob(namespace, { provider: 'github', context: 'lint', build: 4 });
    await setState(namespace, unitAgain, 'success');
    await vi.waitFor(() => expect(comments()[0]?.body).not.toContain('unit |'), eventually);
    await setState(namespace, lintAgain, 'success');
    await vi.waitFor(() => expect(comments()[0]?.body).toContain('now passes'), eventually);

    expect(comments()).toHaveLength(1);
    expect(comments()[0]?.body.endsWith(summaryMarker)).toBe(true);
    expect(commentWrites().map((w) => w.method)).toEqual(['POST', 'PATCH', 'PATCH', 'PATCH']);
    expect(events.filter((e) => e.kind === 'comment' && e.outcome === 'failed')).toEqual([]);
  });

  it('posts every state once across a restart and two reporters at once', async () => {
    server = await startProviderServer();
    const namespace = await cluster.createNamespace('replicas');
    const first = report(namespace);
    const second = report(namespace);
    await vi.waitFor(
      () => expect(first.reporter.isLeader() || second.reporter.isLeader()).toBe(true),
      eventually,
    );
    const jobs: string[] = [];
    for (let i = 0; i < 10; i++)
      jobs.push(await createJob(namespace, { provider: 'github', context: `c${i}`, build: i + 1 }));
    await waitForStatuses('github', 10);
    for (const job of jobs) await setState(namespace, job, 'running');
    await waitForStatuses('github', 20);

    // The leader stops in the middle (a rolling update): the other takes over, and a third joins.
    const [leader, standby] = first.reporter.isLeader() ? [first, second] : [second, first];
    const stopping = leader.reporter.stop();
    for (const job of jobs.slice(0, 5)) await setState(namespace, job, 'success');
    await stopping;
    const third = report(namespace);
    for (const job of jobs.slice(5)) await setState(namespace, job, 'failure');
    await waitForStatuses('github', 30);
    expect(leader.reporter.isLeader()).toBe(false);
    await vi.waitFor(
      () => expect(standby.reporter.isLeader() || third.reporter.isLeader()).toBe(true),
      eventually,
    );

    for (const job of jobs) {
      await vi.waitFor(async () => {
        const { status } = await kube.lighthouseJobs.get(namespace, job);
        expect(status?.lastReportState).toMatch(/^(success|failure)$/);
      }, eventually);
    }
    // Every job records its final state: a late duplicate would be among these by now.
    const posted = server.statuses.filter((s) => s.provider === 'github');
    for (let i = 0; i < 10; i++) {
      expect(posted.filter((s) => s.context === `c${i}`).map((s) => s.state)).toEqual([
        'pending',
        'pending',
        i < 5 ? 'success' : 'failure',
      ]);
    }
  });

  it('waits out a rate limit and a bad gateway, then posts the state once', async () => {
    server = await startProviderServer();
    const namespace = await cluster.createNamespace('limits');
    server.refuse(/^POST \/repos\/octo\/hello\/statuses\//, [
      { status: 429, body: { message: 'API rate limit exceeded' }, headers: { 'retry-after': '1' } },
      { status: 502, body: { message: 'Bad Gateway' } },
    ]);
    report(namespace);
    await createJob(namespace, { provider: 'github' });
    await waitForStatuses('github', 1);
    const attempts = server.writes.filter((w) => w.path.includes('/statuses/'));
    expect(attempts.map((w) => w.status)).toEqual([429, 502, 201]);
    expect((attempts[2]?.at ?? 0) - (attempts[0]?.at ?? 0)).toBeGreaterThanOrEqual(1000);
    expect(statesOf('github')).toEqual(['unit pending']);
  });

  it('logs and counts a refused token, and records nothing on the job', async () => {
    server = await startProviderServer();
    const namespace = await cluster.createNamespace('refused');
    const refusals = Array.from({ length: 100 }, () => ({
      status: 401,
      body: { message: 'Bad credentials' },
    }));
    server.refuse(/^POST /, refusals);
    const errors: string[] = [];
    const logger = {
      info() {},
      warn() {},
      error: (_fields: object, message: string) => errors.push(message),
    };
    const { events } = report(namespace, { logger, refusedPauseMs: 60_000 });
    const job = await createJob(namespace, { provider: 'github' });
    await vi.waitFor(
      () => expect(events).toContainEqual(expect.objectContaining({ outcome: 'failed' })),
      eventually,
    );
    await setState(namespace, job, 'running');
    await createJob(namespace, { provider: 'github', context: 'lint', build: 2 });

    // The provider stays closed for the pause: the later changes wait instead of asking again.
    const waiting = () => events.filter((e) => e.outcome === 'waiting');
    await vi.waitFor(() => expect(waiting().length).toBeGreaterThanOrEqual(2), eventually);
    expect(errors).toContain('cannot write to the provider');
    expect(server.writes.filter((w) => w.path.includes('/statuses/')).map((w) => w.status)).toEqual([401]);
    const { status } = await kube.lighthouseJobs.get(namespace, job);
    expect(status?.lastReportState).toBeUndefined();
  });
});
