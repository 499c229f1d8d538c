// What the status sync costs: its heap and RSS once it holds 1,000 jobs, their running meta
// PipelineRuns and a TaskRun each (median of several fresh processes), and how long a PipelineRun's
// status change takes to reach its LighthouseJob (median and p99 over 100 changes, one at a time).
// Run: pnpm bench (in this package, or at the root under the shared test cluster).
import { type ChildProcess, spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { type LighthouseJob, lighthouseJobType, pipelineRunType, taskRunType } from '@lighthouse-ts/crds';
import { createKubeClient, Informer } from '@lighthouse-ts/kube';
import { createEmbeddedClient } from '@lighthouse-ts/metapipeline-client/embedded';
import { pullRequestRequest } from '@lighthouse-ts/metapipeline-client/testing';
import { loadConfig, TestCluster, TestEnv } from '@lighthouse-ts/testenv';
import { createTaskRun, now, setRunStatus, setTaskRunStatus } from '../test/tekton.ts';

const jobCount = 1000;
const processes = 5;
const changes = 100;
const concurrency = 16;

const stateDir = process.env.TESTENV_STATE_DIR;
const env = stateDir ? undefined : await TestEnv.start({ crds: (await loadConfig()).crds });
const cluster = env ?? (await TestCluster.attach(stateDir ?? ''));
const config = { kubeconfig: cluster.kubeconfigPath };
const kube = createKubeClient({ config, qps: 5000, burst: 5000 });
const client = createEmbeddedClient({
  kube: { config, qps: 5000, burst: 5000 },
  metaStep: { image: 'ghcr.io/lighthouse-ts/runner:bench', command: ['runner', 'meta-step'] },
});

const percentile = (values: number[], p: number) =>
  [...values].sort((a, b) => a - b)[Math.min(values.length - 1, Math.floor(p * values.length))] ?? 0;
const median = (values: number[]) => percentile(values, 0.5);

async function inParallel<T>(count: number, work: (i: number) => Promise<T>): Promise<T[]> {
  const results: T[] = [];
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      for (let i = next++; i < count; i = next++) results[i] = await work(i);
    }),
  );
  return results;
}

const namespace = await cluster.createNamespace('bench-sync');
const setupStarted = performance.now();
const jobs = await inParallel(jobCount, async (i) => {
  const request = pullRequestRequest(namespace, { idempotencyKey: `bench-${randomUUID()}`, number: i + 1 });
  const job = (await client.create(request)).ref.name;
  const meta = await kube.pipelineRuns.get(namespace, job);
  const taskRun = await createTaskRun(kube, namespace, meta, 'meta-pipeline');
  await setTaskRunStatus(kube, namespace, taskRun.metadata.name ?? '', 'running');
  await setRunStatus(kube, namespace, job, 'running', { children: [taskRun] });
  return job;
});
console.log(
  `${jobCount} jobs, meta PipelineRuns and TaskRuns written in ${((performance.now() - setupStarted) / 1000).toFixed(1)} s`,
);

// How big these objects are as the API server sends them, for scale.
const listBytes = async (type: typeof pipelineRunType) =>
  JSON.stringify(
    await cluster.request(
      'GET',
      `/apis/${type.group}/${type.version}/namespaces/${namespace}/${type.plural}`,
    ),
  ).length;
const apiBytes = (await Promise.all([lighthouseJobType, pipelineRunType, taskRunType].map(listBytes))).reduce(
  (a, b) => a + b,
  0,
);

interface Measure {
  heapUsedMiB: number;
  heapTotalMiB: number;
  rssMiB: number;
  totalRssMiB: number;
  convergedMs: number;
}

function startSyncProcess(): { child: ChildProcess; measured: Promise<Measure> } {
  const child = spawn(
    process.execPath,
    [
      '--conditions=@lighthouse-ts/source',
      '--expose-gc',
      join(import.meta.dirname, 'sync-process.ts'),
      cluster.kubeconfigPath,
      namespace,
      String(jobCount),
    ],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  const measured = new Promise<Measure>((resolve, reject) => {
    createInterface({ input: child.stdout as NodeJS.ReadableStream }).once('line', (line) =>
      resolve(JSON.parse(line) as Measure),
    );
    child.once('exit', (code) => reject(new Error(`the sync process exited with ${code} before measuring`)));
  });
  return { child, measured };
}

const stopProcess = (child: ChildProcess) =>
  new Promise<void>((resolve) => {
    child.once('exit', () => resolve());
    child.kill('SIGTERM');
  });

const measures: Measure[] = [];
let syncProcess: ChildProcess | undefined;
for (let run = 0; run < processes; run++) {
  const { child, measured } = startSyncProcess();
  measures.push(await measured);
  if (run < processes - 1) await stopProcess(child);
  else syncProcess = child;
}

// Latency, through the last sync process: from sending a PipelineRun's new status to seeing its job's.
const watcher = new Informer(kube.lighthouseJobs, { namespace });
const awaited = new Map<string, (at: number) => void>();
watcher.on('update', (job: LighthouseJob) => {
  const resolve = awaited.get(job.status?.description ?? '');
  if (resolve) resolve(performance.now());
});
await watcher.start();
const latencies: number[] = [];
for (const job of jobs.slice(0, changes)) {
  const message = `bench change ${job}`;
  const seen = new Promise<number>((resolve) => awaited.set(message, resolve));
  const at = now();
  const sent = performance.now();
  await kube.pipelineRuns.patchStatus(namespace, job, {
    status: {
      conditions: [{ type: 'Succeeded', status: 'False', reason: 'Failed', message, lastTransitionTime: at }],
      completionTime: at,
    },
  });
  latencies.push((await seen) - sent);
  awaited.delete(message);
}

const mib = (n: number) => n.toFixed(1);
console.log(
  `\nstatus sync holding ${jobCount} jobs, ${jobCount} PipelineRuns, ${jobCount} TaskRuns (${processes} fresh processes; median):`,
);
console.log('| measure | value |');
console.log('|---|---|');
console.log(`| objects as the API server sends them (JSON) | ${mib(apiBytes / 2 ** 20)} MiB |`);
console.log(`| heap used by the sync | ${mib(median(measures.map((m) => m.heapUsedMiB)))} MiB |`);
console.log(
  `| heap reserved by the sync (V8 keeps what the lists' parsing needed) | ${mib(median(measures.map((m) => m.heapTotalMiB)))} MiB |`,
);
console.log(`| RSS added by the sync | ${mib(median(measures.map((m) => m.rssMiB)))} MiB |`);
console.log(`| process RSS in all | ${mib(median(measures.map((m) => m.totalRssMiB)))} MiB |`);
console.log(
  `| start to converged (list + a pass over every job) | ${median(measures.map((m) => m.convergedMs)).toFixed(0)} ms (first process, writing every status: ${measures[0]?.convergedMs.toFixed(0)} ms) |`,
);
console.log(`| PipelineRun status patch -> job status seen, median | ${median(latencies).toFixed(1)} ms |`);
console.log(`| same, p99 (${changes} changes) | ${percentile(latencies, 0.99).toFixed(1)} ms |`);

await watcher.stop();
if (syncProcess) await stopProcess(syncProcess);
await client.close();
await kube.close();
await env?.stop();
