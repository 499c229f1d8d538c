// Webhook deliveries through a lighthouse process, each starting one pipeline, measured in one run so the
// figures compare: embedded (lighthouse writes to the cluster) and remote (through a runner process), at
// 1, 10 and 50 concurrent senders, three rounds each; medians of the rounds' p50, p99 and deliveries/s.
// Also: the time from spawning lighthouse to its /readyz answering 200 (median of the starts), and RSS
// idle and at its peak under load, for lighthouse and the runner, and the size of their files, each beside
// its target, and beside those the floor: a bare Node HTTP server (node-floor.mjs) started and measured the
// same way. The apps run as their images run them: from the files `pnpm image-layout` builds (built here
// into a temporary directory by the same code).
// Run: pnpm bench (starts the test cluster).
import { randomUUID } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { TestCluster } from '@lighthouse-ts/testenv';
import { type AppProcess, spawnApp, startServingApp } from '@lighthouse-ts/testenv/app-process';
import { rawRequest } from '@lighthouse-ts/testenv/http';
import { delivery, octokitExample } from '../../packages/scm/test/payloads.ts';
import { buildImageLayout, type Layout } from '../../scripts/image-layout.ts';
import { lighthouseFiles } from './files.ts';

const rounds = 3;
const starts = 5;
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

const layoutsDir = await mkdtemp(join(tmpdir(), 'bench-deliveries-layouts-'));
const [embeddedLayout, remoteLayout, runnerLayout] = await Promise.all([
  buildImageLayout('lighthouse', 'embedded', join(layoutsDir, 'lighthouse')),
  buildImageLayout('lighthouse', 'remote', join(layoutsDir, 'lighthouse-remote')),
  buildImageLayout('runner', 'default', join(layoutsDir, 'runner')),
]);
const main = (layout: Layout) => join(layout.dir, 'main.mjs');

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
  return startToReady(
    main(mode === 'embedded' ? embeddedLayout : remoteLayout),
    mode === 'embedded'
      ? [...args, '--meta-step-image=runner:bench', ...kubeLimit]
      : [...args, '--metapipeline=remote', `--runner-url=${runnerUrl}`, `--runner-token-file=${runnerToken}`],
    { ...files, KUBECONFIG: cluster.kubeconfigPath },
  );
}

async function startToReady(script: string, args: string[] = [], env: Record<string, string> = {}) {
  const started = performance.now();
  const app = spawnApp(script, args, env);
  const listening = await app.waitForLog((line) => line.msg === 'listening', '"listening"');
  const url = `http://127.0.0.1:${listening.port as number}`;
  for (;;) {
    const ready = await fetch(`${url}/readyz`).catch(() => undefined);
    if (ready?.status === 200) break;
    await sleep(5);
  }
  return { app, url, readyMs: performance.now() - started };
}

/** The floor's start to ready (median of as many starts as lighthouse's) and its idle RSS, taken alike. */
async function measureFloor() {
  const readyMs: number[] = [];
  let idle = 0;
  for (let start = 0; start < starts; start++) {
    const floor = await startToReady(join(import.meta.dirname, 'node-floor.mjs'));
    readyMs.push(floor.readyMs);
    if (start === starts - 1) {
      await sleep(1000);
      idle = await rssMiB(floor.app);
    }
    await floor.app.stop();
  }
  return { readyMs: median(readyMs), idle };
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
          main(runnerLayout),
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
  // Several starts for the start-to-ready figure; the last one serves the rounds.
  const readyMs: number[] = [];
  let lighthouse: Awaited<ReturnType<typeof startLighthouse>> | undefined;
  for (let start = 0; start < starts; start++) {
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
  return { rows, readyMs: median(readyMs), idle, peak };
}

const floor = await measureFloor();
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
const targets = {
  embedded: { readyMs: 300, idleMiB: 70, bytes: 4 * 2 ** 20 },
  remote: { readyMs: 200, idleMiB: 55, bytes: 2 ** 20 },
  runner: { idleMiB: 70 },
};
const figure = (value: number, target: number, unit: string, digits = 0, floorValue?: number) =>
  `| ${value.toFixed(digits)} ${unit} | ${floorValue === undefined ? '' : `${floorValue.toFixed(digits)} ${unit}`} | ` +
  `${value <= target ? '' : 'over: '}${target.toFixed(digits)} ${unit} |`;
const MiB = (bytes: number) => bytes / 2 ** 20;
console.log(
  `\nFrom the image layouts; start to ready: median of ${starts} starts; peak: under the rounds above.\n`,
);
console.log('| figure | measured | floor: bare Node HTTP server | target |');
console.log('|---|---|---|---|');
for (const [mode, result, layout] of [
  ['embedded', embedded, embeddedLayout],
  ['remote', remote, remoteLayout],
] as const) {
  const target = targets[mode];
  console.log(
    `| lighthouse ${mode}: start to ready ${figure(result.readyMs, target.readyMs, 'ms', 0, floor.readyMs)}`,
  );
  console.log(
    `| lighthouse ${mode}: idle RSS ${figure(result.idle.lighthouse, target.idleMiB, 'MiB', 0, floor.idle)}`,
  );
  const peakTarget = 2 * result.idle.lighthouse;
  console.log(
    `| lighthouse ${mode}: peak RSS (2 x idle) ${figure(result.peak.lighthouse, peakTarget, 'MiB')}`,
  );
  console.log(
    `| lighthouse ${mode}: modules (source maps ${MiB(layout.bytes.sourceMaps).toFixed(2)} MiB beside them) ` +
      figure(MiB(layout.bytes.modules), MiB(target.bytes), 'MiB', 2),
  );
}
console.log(`| runner: idle RSS ${figure(remote.idle.runner, targets.runner.idleMiB, 'MiB', 0, floor.idle)}`);
console.log(`| runner: peak RSS (2 x idle) ${figure(remote.peak.runner, 2 * remote.idle.runner, 'MiB')}`);
console.log(`| runner: modules | ${MiB(runnerLayout.bytes.modules).toFixed(2)} MiB | | |`);
await rm(layoutsDir, { recursive: true });
