// How long the meta step takes for a small repository (a local bare repository of 100 files plus its
// .lighthouse/, one pull request to merge) on the test cluster: clone + merge, load the pipeline, create +
// record on the job. In-process (runMetaStep) and as the process the meta PipelineRun runs
// (`runner meta-step` from the runner image's files, built here into a temporary directory by
// `pnpm image-layout`'s code; Node's start included); median and p90 over several runs.
// Run: scripts/dev bench (starts the test cluster).
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createKubeClient } from '@lighthouse-ts/kube';
import { parseStepEnv, runMetaStep } from '@lighthouse-ts/meta-step';
import { createEmbeddedClient } from '@lighthouse-ts/metapipeline-client/embedded';
import { TestCluster } from '@lighthouse-ts/testenv';
import { spawnApp } from '@lighthouse-ts/testenv/app-process';
import { lighthouseFiles, startMetaPipeline } from '../../../packages/meta-step/test/meta-pipeline.ts';
import { TestRepository } from '../../../packages/meta-step/test/repository.ts';
import { buildImageLayout } from '../../../scripts/image-layout.ts';

const inProcessRuns = 15;
const processRuns = 5;
/** The target for the process, start-up included (the pod's own start is not counted). */
const processTargetMs = 500;

const stateDir = process.env.TESTENV_STATE_DIR;
if (!stateDir)
  throw new Error('run under `lighthouse-testenv run` (pnpm bench), which starts the test cluster');
const cluster = await TestCluster.attach(stateDir);
const config = { kubeconfig: cluster.kubeconfigPath };
const kube = createKubeClient({ config });
const client = createEmbeddedClient({
  kube: { config },
  metaStep: { image: 'ghcr.io/lighthouse-ts/runner:bench', command: ['runner', 'meta-step'] },
});
const namespace = await cluster.createNamespace('bench-meta-step');

const repo = await TestRepository.create();
const sources = Object.fromEntries(
  Array.from({ length: 100 }, (_, i) => [
    `src/module-${i}.ts`,
    `export const value${i} = ${i};\n`.repeat(40),
  ]),
);
const base = await repo.commit('master', { 'README.md': 'bench\n', ...sources, ...lighthouseFiles });
const pull = await repo.commit(
  'pr-1',
  { 'src/module-0.ts': 'export const value0 = -1;\n' },
  { from: 'master' },
);

let key = 0;
const startJob = () =>
  startMetaPipeline(client, kube, {
    idempotencyKey: `bench-${process.pid}-${++key}`,
    namespace,
    kind: 'pullrequest',
    jobName: 'github',
    pullRefs: {
      sourceUrl: repo.url,
      owner: 'acme',
      repo: 'app',
      baseBranch: 'master',
      baseSha: base,
      pulls: [{ number: 1, sha: pull }],
    },
  });

const percentile = (values: number[], p: number) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil(p * sorted.length) - 1)] ?? 0;
};
const row = (name: string, values: number[]) =>
  `| ${name} | ${values.length} | ${percentile(values, 0.5).toFixed(0)} | ${percentile(values, 0.9).toFixed(0)} |`;

const figures = {
  total: [] as number[],
  checkout: [] as number[],
  load: [] as number[],
  create: [] as number[],
};
for (let i = 0; i < inProcessRuns; i++) {
  const { env } = await startJob();
  const started = performance.now();
  const { timings } = await runMetaStep({ kube, env: parseStepEnv(env), gitProtocols: ['file'] });
  figures.total.push(performance.now() - started);
  figures.checkout.push(timings.checkout);
  figures.load.push(timings.load);
  figures.create.push(timings.create);
}

const layoutDir = await mkdtemp(join(tmpdir(), 'bench-meta-step-layout-'));
const layout = await buildImageLayout('runner', 'default', join(layoutDir, 'runner'));
const kubeconfig = await cluster.userKubeconfig(`bench-meta-step-${process.pid}`, ['system:masters']);
const processTimes: number[] = [];
for (let i = 0; i < processRuns; i++) {
  const { env } = await startJob();
  const started = performance.now();
  const step = spawnApp(join(layout.dir, 'main.mjs'), ['meta-step', '--git-protocols=file'], {
    ...env,
    KUBECONFIG: kubeconfig,
  });
  const { code } = await step.exited;
  if (code !== 0) throw new Error(`runner meta-step exited ${code}:\n${step.output()}`);
  processTimes.push(performance.now() - started);
}

console.log(
  `meta step, small repository (100 files + .lighthouse/, 1 pull to merge), ${inProcessRuns} + ${processRuns} runs`,
);
console.log('| what | runs | median ms | p90 ms |');
console.log('| --- | --- | --- | --- |');
console.log(row('in-process: all (runMetaStep)', figures.total));
console.log(row('  clone + merge', figures.checkout));
console.log(row('  find + load the pipeline, read the meta PipelineRun', figures.load));
console.log(row('  create + record on the job', figures.create));
console.log(row('process: runner meta-step from its image files (Node start included)', processTimes));
const processMedian = percentile(processTimes, 0.5);
console.log(
  `\nprocess median ${processMedian.toFixed(0)} ms, target ${processMedian <= processTargetMs ? '' : 'missed: '}` +
    `${processTargetMs} ms at most`,
);

await client.close();
await kube.close();
await repo.remove();
await rm(layoutDir, { recursive: true });
