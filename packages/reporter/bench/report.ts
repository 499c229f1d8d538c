// What reporting costs: for 1,000 jobs that go pending -> running -> success, the writes to the provider
// per job (and whether any state was posted twice or not at all), and the reporter's added latency, from
// the job's status write to the provider receiving the status (p50 and p99), for the running and final
// states. The provider is a local server answering as GitHub documents. Run: pnpm bench (in this package,
// or at the root under the shared test cluster).
import { randomUUID } from 'node:crypto';
import { defaultReportWishes, type LighthouseJob, labels, ownLabels, reportLabel } from '@lighthouse-ts/crds';
import { createKubeClient } from '@lighthouse-ts/kube';
import { githubApi } from '@lighthouse-ts/scm';
import { startProviderServer } from '@lighthouse-ts/scm/testing';
import { loadConfig, TestCluster, TestEnv } from '@lighthouse-ts/testenv';
import { startReporter } from '../src/reporter.ts';

const jobCount = 1000;
const concurrency = 16;

const stateDir = process.env.TESTENV_STATE_DIR;
const env = stateDir ? undefined : await TestEnv.start({ crds: (await loadConfig()).crds });
const cluster = env ?? (await TestCluster.attach(stateDir ?? ''));
const config = { kubeconfig: cluster.kubeconfigPath };
const kube = createKubeClient({ config, qps: 5000, burst: 5000 });
const server = await startProviderServer();

const percentile = (values: number[], p: number) =>
  [...values].sort((a, b) => a - b)[Math.min(values.length - 1, Math.floor(p * values.length))] ?? 0;

async function inParallel(count: number, work: (i: number) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      for (let i = next++; i < count; i = next++) await work(i);
    }),
  );
}

/** Resolves once the provider holds `count` statuses. */
async function statusesReach(count: number): Promise<void> {
  while (server.statuses.length < count) await new Promise((resolve) => setTimeout(resolve, 20));
}

const namespace = await cluster.createNamespace('bench-report');
const reporter = startReporter({
  kube: { config, qps: 5000, burst: 5000 },
  namespace,
  providers: {
    github: githubApi({ baseUrl: server.baseUrl.github, token: 'bench', retry: { maxWaitMs: 60_000 } }),
  },
  identity: 'bench',
  concurrency: 16,
});

const names = Array.from({ length: jobCount }, (_, i) => `bench-${i}-${randomUUID().slice(0, 6)}`);
const sha = (i: number) => i.toString(16).padStart(40, '0');
// When each job's status was written, by `<context> <state>`, as the status sync would write it.
const changedAt = new Map<string, number>();
const setState = async (i: number, state: 'running' | 'success') => {
  changedAt.set(`c${i} ${state}`, performance.now());
  await kube.lighthouseJobs.patchStatus(namespace, names[i] ?? '', { status: { state } });
};

const started = performance.now();
await inParallel(jobCount, async (i) => {
  const job: LighthouseJob = {
    apiVersion: 'lighthouse.jenkins.io/v1alpha1',
    kind: 'LighthouseJob',
    metadata: {
      name: names[i],
      labels: {
        [labels.createdByLighthouse]: 'true',
        [ownLabels.provider]: 'github',
        [ownLabels.report]: reportLabel(defaultReportWishes),
      },
    },
    spec: {
      type: 'presubmit',
      job: `c${i}`,
      context: `c${i}`,
      refs: { org: 'octo', repo: 'hello', pulls: [{ number: i + 1, author: 'mona', sha: sha(i) }] },
    },
  };
  await kube.lighthouseJobs.create(namespace, job);
});
await statusesReach(jobCount);
await inParallel(jobCount, (i) => setState(i, 'running'));
await statusesReach(2 * jobCount);
await inParallel(jobCount, (i) => setState(i, 'success'));
await statusesReach(3 * jobCount);
const seconds = (performance.now() - started) / 1000;

const latencies = { running: [] as number[], success: [] as number[] };
const github = server.writes.filter((w) => w.path.includes('/statuses/'));
for (const write of github) {
  const body = write.body as { context: string; description: string };
  const state =
    body.description === 'Pipeline running'
      ? 'running'
      : body.description === 'Pipeline successful'
        ? 'success'
        : undefined;
  const at = state && changedAt.get(`${body.context} ${state}`);
  if (state && at) latencies[state].push(write.at - at);
}
const perJob = new Map<string, number>();
for (const s of server.statuses) perJob.set(s.context, (perJob.get(s.context) ?? 0) + 1);
const counts = [...perJob.values()];
console.log(`${jobCount} jobs, 3 states each, reported in ${seconds.toFixed(1)} s`);
console.log(
  `writes to the provider: ${github.length} (${(github.length / jobCount).toFixed(2)} per job); jobs with exactly 3 statuses: ${counts.filter((c) => c === 3).length} of ${jobCount}`,
);
for (const [state, values] of Object.entries(latencies)) {
  console.log(
    `added latency, status write -> provider, ${state}: p50 ${percentile(values, 0.5).toFixed(1)} ms, p99 ${percentile(values, 0.99).toFixed(1)} ms (n=${values.length})`,
  );
}
await reporter.stop();
await server.close();
await kube.close();
await env?.stop();
