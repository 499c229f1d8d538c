// The fuzz run: mutated real payloads (go-scm's, of the four providers; bytes flipped, cut or inserted, or
// JSON values swapped for others), correctly signed, sent by 8 senders to `lighthouse serve` in embedded
// mode on a cluster of its own, through the whole path (verify, parse, normalise, trigger, the client).
// No answer may be a 5xx and the process must stay up; then the heap and RSS, idle before, at their peak
// and after the load, as the process's own /metrics reports them.
// Run: pnpm --filter @lighthouse-ts/e2e fuzz [--mutations=100000]
import { Agent } from 'node:http';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { loadConfig, TestCluster, TestEnv } from '@lighthouse-ts/testenv';
import { startServingApp } from '@lighthouse-ts/testenv/app-process';
import { rawRequest, sample } from '@lighthouse-ts/testenv/http';
import { mutateBytes, mutateStructure, randomGenerator } from '../../packages/scm/test/mutate.ts';
import { delivery, goScmPayloads } from '../../packages/scm/test/payloads.ts';
import { lighthouseFiles } from './files.ts';

const { values } = parseArgs({ options: { mutations: { type: 'string', default: '100000' } } });
const mutations = Number(values.mutations);
const secret = 'fuzz-secret';
const fixturesDir = fileURLToPath(new URL('../../../shared/fixtures', import.meta.url));
const seeds = goScmPayloads(fixturesDir);
const repos = [...new Set(seeds.map((s) => JSON.parse(s.body.toString()).repository?.full_name))].filter(
  Boolean,
);

const env = await TestEnv.start({ crds: (await loadConfig()).crds, log: (line) => console.error(line) });
const cluster = await TestCluster.attach(env.stateDir);
const namespace = await cluster.createNamespace('fuzz');
// Every repository of the seeds runs a job, so mutated events that still make sense go all the way.
const { files } = await lighthouseFiles('fuzz-', secret, repos);
const lighthouse = await startServingApp(
  join(import.meta.dirname, '../../apps/lighthouse/src/main.ts'),
  ['serve', '--host=127.0.0.1', '--port=0', `--namespace=${namespace}`, '--meta-step-image=runner:fuzz'],
  { ...files, KUBECONFIG: cluster.kubeconfigPath },
);
const memory = async () => {
  const text = (await rawRequest(`${lighthouse.url}/metrics`)).text;
  const mib = (name: string) => Math.round((sample(text, name) ?? 0) / 1024 / 1024);
  return { heapMiB: mib('nodejs_heap_size_used_bytes'), rssMiB: mib('process_resident_memory_bytes') };
};

await sleep(2000);
const idle = await memory();
const peak = { ...idle };
const sampler = setInterval(async () => {
  const now = await memory().catch(() => idle);
  peak.heapMiB = Math.max(peak.heapMiB, now.heapMiB);
  peak.rssMiB = Math.max(peak.rssMiB, now.rssMiB);
}, 1000);

const random = randomGenerator(20_261_205);
const agent = new Agent({ keepAlive: true, maxSockets: 8 });
const answers = new Map<number, number>();
const fivexx: string[] = [];
let round = 0;
const started = performance.now();
await Promise.all(
  Array.from({ length: 8 }, async () => {
    while (round < mutations) {
      const at = round++;
      const seed = random.pick(seeds);
      const body = at % 2 === 0 ? mutateBytes(seed.body, random) : mutateStructure(seed.body, random);
      const request = delivery({ ...seed, deliveryId: `fuzz-${at}`, body, secret });
      const res = await rawRequest(`${lighthouse.url}/hook`, { ...request, agent });
      answers.set(res.status, (answers.get(res.status) ?? 0) + 1);
      if (res.status >= 500)
        fivexx.push(`${seed.provider} ${seed.event}: ${res.status} ${res.text.slice(0, 200)}`);
    }
  }),
);
const seconds = (performance.now() - started) / 1000;
agent.destroy();
clearInterval(sampler);
// Idle again: the work answered 202 has finished; the heap is measured after a while without load.
for (;;) {
  const text = (await rawRequest(`${lighthouse.url}/metrics`)).text;
  if (sample(text, 'lighthouse_dispatches_in_flight') === 0) break;
  await sleep(500);
}
await sleep(10_000);
const after = await memory();
const alive = (await rawRequest(`${lighthouse.url}/healthz`)).status === 200;
await lighthouse.stop();
await env.stop();

console.table([
  {
    mutations,
    answers: JSON.stringify(Object.fromEntries([...answers].sort(([a], [b]) => a - b))),
    fivexx: fivexx.length,
    alive,
    perSecond: Math.round(mutations / seconds),
  },
]);
console.table({ idle, peak, after });
for (const line of fivexx.slice(0, 10)) console.error(line);
process.exit(fivexx.length === 0 && alive ? 0 : 1);
