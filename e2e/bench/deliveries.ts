// Webhook deliveries through a lighthouse process, each starting one pipeline, measured in one run so the
// figures compare: embedded (lighthouse writes to the cluster) and remote (through a runner process), at
// 1, 10 and 50 concurrent senders, three rounds each; medians of the rounds' p50, p99 and deliveries/s.
// Also: the time from spawning lighthouse to its /readyz answering 200 (median of the starts), and RSS
// idle and at its peak under load, for lighthouse and the runner.
// Run: pnpm bench (starts the test cluster).
import { randomUUID } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { TestCluster } from '@lighthouse-ts/testenv';
import { type AppProcess, spawnApp, startServingApp } from '@lighthouse-ts/testenv/app-process';
import { rawRequest } from '@lighthouse-ts/testenv/http';
import { delivery, octokitExample } from '../../packages/scm/test/payloads.ts';
import { lighthouseFiles } from './files.ts';

const lighthouseMain = join(import.meta.dirname, '../../apps/lighthouse/src/main.ts');
const runnerMain = join(import.meta.dirname, '../../apps/runner/src/main.ts');
const rounds = 3;
const concurrencies = [1, 10, 50];
const perRound = (concurrency: number) => (concurrency === 1 ? 40 : 200);
const secret = 'bench-secret';
// The client-side Kubernetes rate limit is lifted well above what 2 cores can drive, so the code is measured.
const kubeLimit = ['--kube-qps=5000', '--kube-burst=5000'];
const pullRequestOpened = JSON.parse(octokitExample('pull_request', 'opened').toString('utf8'));
/** Each delivery a different pull request, so build numbers count on different counters, as in life. */
const openedPullRequest = (number: number) =>
  Buffer.from(
    JSON.stringify({
      ...pullRequestOpened,
      number,
      pull_request: { ...pullRequestOpened.pull_request, number },
    }),
  );

const stateDir = process.env.TESTENV_STATE_DIR;
if (!stateDir)
  throw new Error('run under `lighthouse-testenv run` (pnpm bench), which starts the test cluster');
const cluster = await TestCluster.attach(stateDir);

const percentile = (sorted: number[], p: number) =>
  sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))] ?? 0;
const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? 0;
const rssMiB = async (app: AppProcess) =>
  Number((await readFile(`/proc/${app.child.pid}/status`, 'utf8')).match(/VmRSS:\s+(\d+)/)?.[1]) / 1024;

const { files, file } = await lighthouseFiles('bench-deliveries-', secret);
const runnerToken = await file('runner-token', randomUUID());

/** Spawns lighthouse and polls /readyz until 200: the time a newly scheduled pod takes to take traffic. */
async function startLighthouse(mode: 'embedded' | 'remote', namespace: string, runnerUrl?: string) {
  const args = ['serve', '--host=127.0.0.1', '--port=0', `--namespace=${namespace}`];
  const started = performance.now();
  const app = spawnApp(
    lighthouseMain,
    mode === 'embedded'
      ? [...args, '--meta-step-image=runner:bench', ...kubeLimit]
      : [...args, '--metapipeline=remote', `--runner-url=${runnerUrl}`, `--runner-token-file=${runnerToken}`],
    { ...files, KUBECONFIG: cluster.kubeconfigPath },
  );
  const listening = await app.waitForLog((line) => line.msg === 'listening', '"listening"');
  const url = `http://127.0.0.1:${listening.port as number}`;
  for (;;) {
    const ready = await fetch(`${url}/readyz`).catch(() => undefined);
    if (ready?.status === 200) break;
    await sleep(5);
  }
  return { app, url, readyMs: performance.now() - started };
}

let pullNumber = 0;

async function round(url: string, total: number, concurrency: number) {
  const latencies: number[] = [];
  let next = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      for (let i = next++; i < total; i = next++) {
        const body = openedPullRequest(++pullNumber);
        const sent = delivery({ event: 'pull_request', body, deliveryId: randomUUID(), secret });
        const t = performance.now();
        const response = await rawRequest(`${url}/hook`, sent);
        latencies.push(performance.now() - t);
        if (response.status !== 200)
          throw new Error(`delivery answered ${response.status}: ${response.text}`);
      }
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  latencies.sort((a, b) => a - b);
  return { p50: percentile(latencies, 0.5), p99: percentile(latencies, 0.99), perSecond: total / seconds };
}

async function measure(mode: 'embedded' | 'remote') {
  const namespace = await cluster.createNamespace(`bench-${mode}`);
  const runner =
    mode === 'remote'
      ? await startServingApp(
          runnerMain,
          [
            'serve',
            '--host=127.0.0.1',
            '--port=0',
            `--namespace=${namespace}`,
            '--meta-step-image=runner:bench',
            ...kubeLimit,
          ],
          { RUNNER_TOKEN_FILE: runnerToken, KUBECONFIG: cluster.kubeconfigPath },
        )
      : undefined;
  // Three starts for the start-to-ready figure; the last one serves the rounds.
  const readyMs: number[] = [];
  let lighthouse: Awaited<ReturnType<typeof startLighthouse>> | undefined;
  for (let start = 0; start < 3; start++) {
    await lighthouse?.app.stop();
    lighthouse = await startLighthouse(mode, namespace, runner?.url);
    readyMs.push(lighthouse.readyMs);
  }
  if (!lighthouse) throw new Error('lighthouse did not start');
  await sleep(1000);
  const idle = { lighthouse: await rssMiB(lighthouse.app), runner: runner ? await rssMiB(runner) : 0 };
  const peak = { ...idle };
  const { app } = lighthouse;
  const sampler = setInterval(async () => {
    peak.lighthouse = Math.max(peak.lighthouse, await rssMiB(app).catch(() => 0));
    if (runner) peak.runner = Math.max(peak.runner, await rssMiB(runner).catch(() => 0));
  }, 50);
  const rows: string[] = [];
  try {
    for (const concurrency of concurrencies) {
      const results: Awaited<ReturnType<typeof round>>[] = [];
      for (let r = 0; r < rounds; r++)
        results.push(await round(lighthouse.url, perRound(concurrency), concurrency));
      const m = (pick: (f: (typeof results)[number]) => number) => median(results.map(pick)).toFixed(1);
      rows.push(
        `| ${mode} | ${concurrency} | ${m((f) => f.p50)} | ${m((f) => f.p99)} | ${m((f) => f.perSecond)} |`,
      );
    }
  } finally {
    clearInterval(sampler);
    await lighthouse.app.stop();
    await runner?.stop();
  }
  const memory = runner
    ? `lighthouse ${idle.lighthouse.toFixed(0)} idle / ${peak.lighthouse.toFixed(0)} peak MiB; runner ${idle.runner.toFixed(0)} / ${peak.runner.toFixed(0)} MiB`
    : `lighthouse ${idle.lighthouse.toFixed(0)} idle / ${peak.lighthouse.toFixed(0)} peak MiB`;
  return { rows, summary: `| ${mode} | ${median(readyMs).toFixed(0)} | ${memory} |` };
}

const embedded = await measure('embedded');
const remote = await measure('remote');
console.log(
  `\n${rounds} rounds each; ${perRound(1)} deliveries per round at 1 sender, ${perRound(10)} at 10 and 50.`,
);
console.log(
  'Each delivery: a signed pull_request opened, one presubmit started (LighthouseJob + meta PipelineRun).\n',
);
console.log('| mode | senders | p50 ms | p99 ms | deliveries/s |');
console.log('|---|---|---|---|---|');
for (const row of [...embedded.rows, ...remote.rows]) console.log(row);
console.log('\n| mode | start to ready, ms (median of 3) | RSS |');
console.log('|---|---|---|');
console.log(embedded.summary);
console.log(remote.summary);
