// The soak: deliveries from 20 senders through two lighthouse processes on a cluster of its own, 20% of
// them repeated under the same delivery id and 5% replayed under a new one, the kube-apiserver stopped and
// started again mid-load, one lighthouse killed with SIGKILL during that outage (with deliveries it answered
// 202 kept in its --pending-dir) and started again on the same directory and, in remote mode, the runner
// killed with SIGKILL and started again. Then it
// counts: every delivery answered 2xx must have its job exactly once; none may have two. Loopback only.
// Run: pnpm --filter @lighthouse-ts/e2e soak [--deliveries=10000] [--modes=embedded,remote]
import { randomUUID } from 'node:crypto';
import { mkdtemp, readdir } from 'node:fs/promises';
import { Agent } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseArgs } from 'node:util';
import { labels } from '@lighthouse-ts/crds';
import { createKubeClient } from '@lighthouse-ts/kube';
import { loadConfig, TestCluster, TestEnv } from '@lighthouse-ts/testenv';
import { type AppProcess, type ServingApp, startServingApp } from '@lighthouse-ts/testenv/app-process';
import { rawRequest, sample } from '@lighthouse-ts/testenv/http';
import { delivery, octokitExample } from '../../packages/scm/test/payloads.ts';
import { lighthouseFiles } from './files.ts';

const { values } = parseArgs({
  options: {
    deliveries: { type: 'string', default: '10000' },
    modes: { type: 'string', default: 'embedded,remote' },
  },
});
const total = Number(values.deliveries);
const modes = (values.modes ?? '').split(',') as ('embedded' | 'remote')[];
const senders = 20;
const secret = 'soak-secret';
const lighthouseMain = join(import.meta.dirname, '../../apps/lighthouse/src/main.ts');
const runnerMain = join(import.meta.dirname, '../../apps/runner/src/main.ts');
const kubeLimit = ['--kube-qps=5000', '--kube-burst=5000'];

const opened = JSON.parse(octokitExample('pull_request', 'opened').toString('utf8'));
const pullRequest = (number: number) =>
  Buffer.from(JSON.stringify({ ...opened, number, pull_request: { ...opened.pull_request, number } }));

/** Each delivery: its pull request (one event each) and its delivery id. */
interface Delivery {
  pull: number;
  deliveryId: string;
}

/** 75% distinct events, 20% of them again under the same id, 5% again under a new id; shuffled. */
function deliveries(count: number): Delivery[] {
  const distinct = Math.round(count * 0.75);
  const firsts = Array.from({ length: distinct }, (_, i) => ({ pull: i + 1, deliveryId: randomUUID() }));
  const pick = () => firsts[Math.floor(Math.random() * distinct)] as Delivery;
  const repeats = Array.from({ length: Math.round(count * 0.2) }, pick);
  const replays = Array.from({ length: count - distinct - repeats.length }, () => ({
    pull: pick().pull,
    deliveryId: randomUUID(),
  }));
  const all = [...firsts, ...repeats, ...replays];
  for (let i = all.length - 1; i > 0; i--) {
    const j = Math.floor(Math.random() * (i + 1));
    [all[i], all[j]] = [all[j] as Delivery, all[i] as Delivery];
  }
  return all;
}

const env = await TestEnv.start({ crds: (await loadConfig()).crds, log: (line) => console.error(line) });
const cluster = await TestCluster.attach(env.stateDir);
const lighthouse = await lighthouseFiles('soak-', secret);
const { file } = lighthouse;
const files = { ...lighthouse.files, KUBECONFIG: cluster.kubeconfigPath };
const runnerToken = await file('runner-token', randomUUID());

function startRunner(namespace: string, port = 0): Promise<ServingApp> {
  const args = ['serve', '--host=127.0.0.1', `--port=${port}`, `--namespace=${namespace}`];
  return startServingApp(runnerMain, [...args, '--meta-step-image=runner:soak', ...kubeLimit], {
    RUNNER_TOKEN_FILE: runnerToken,
    KUBECONFIG: cluster.kubeconfigPath,
  });
}

async function soak(mode: 'embedded' | 'remote') {
  const namespace = await cluster.createNamespace(`soak-${mode}`);
  let runner = mode === 'remote' ? await startRunner(namespace) : undefined;
  const pendingDirs = await Promise.all([0, 1].map(() => mkdtemp(join(tmpdir(), `soak-${mode}-pending-`))));
  const args = (index: number, port = 0) => [
    'serve',
    '--host=127.0.0.1',
    `--port=${port}`,
    `--namespace=${namespace}`,
    '--budget-seconds=1',
    `--pending-dir=${pendingDirs[index]}`,
  ];
  const modeArgs =
    mode === 'embedded'
      ? ['--meta-step-image=runner:soak', ...kubeLimit]
      : ['--metapipeline=remote', `--runner-url=${runner?.url}`, `--runner-token-file=${runnerToken}`];
  const startLighthouse = (index: number, port?: number) =>
    startServingApp(lighthouseMain, [...args(index, port), ...modeArgs], files);
  const lighthouses = await Promise.all([0, 1].map((index) => startLighthouse(index)));
  const agents = lighthouses.map(() => new Agent({ keepAlive: true, maxSockets: senders }));

  const plan = deliveries(total);
  const answers = new Map<number, number>();
  const accepted = new Set<number>();
  let sent = 0;
  let disturbed: Promise<void> | undefined;
  const disturb = async () => {
    console.error(`soak ${mode}: stopping the kube-apiserver at ${sent} deliveries`);
    await env.stopApiServer();
    await sleep(3000);
    const killed = lighthouses[1] as ServingApp;
    killed.child.kill('SIGKILL');
    await killed.exited;
    const kept = (await readdir(pendingDirs[1] as string)).length;
    console.error(`soak ${mode}: a lighthouse killed at ${sent} deliveries, ${kept} kept in its pending dir`);
    await env.startApiServer();
    console.error(`soak ${mode}: kube-apiserver back at ${sent} deliveries`);
    lighthouses[1] = await startLighthouse(1, killed.port);
    if (runner) {
      const { port } = runner;
      runner.child.kill('SIGKILL');
      await runner.exited;
      console.error(`soak ${mode}: runner killed at ${sent} deliveries`);
      runner = await startRunner(namespace, port);
    }
  };
  const started = performance.now();
  await Promise.all(
    Array.from({ length: senders }, async () => {
      while (sent < plan.length) {
        const index = sent++;
        if (index === Math.floor(plan.length * 0.4)) disturbed = disturb();
        const { pull, deliveryId } = plan[index] as Delivery;
        const target = index % 2;
        const request = delivery({ event: 'pull_request', body: pullRequest(pull), deliveryId, secret });
        const res = await rawRequest(`${lighthouses[target]?.url}/hook`, {
          ...request,
          agent: agents[target],
        }).catch(() => undefined);
        const status = res?.status ?? 0;
        answers.set(status, (answers.get(status) ?? 0) + 1);
        if (status >= 200 && status < 300) accepted.add(pull);
      }
    }),
  );
  await disturbed;
  const sendingSeconds = (performance.now() - started) / 1000;
  // The dispatches answered 202 go on in the background (tried again across the outage): wait for them.
  for (;;) {
    const inFlight = await Promise.all(
      lighthouses.map(async (l) =>
        sample((await rawRequest(`${l.url}/metrics`)).text, 'lighthouse_dispatches_in_flight'),
      ),
    );
    if (inFlight.every((n) => n === 0)) break;
    await sleep(500);
  }
  for (const agent of agents) agent.destroy();

  const kube = createKubeClient({ config: { kubeconfig: cluster.kubeconfigPath } });
  const jobs = (await kube.lighthouseJobs.list(namespace)).items;
  await kube.close();
  const perPull = new Map<number, number>();
  for (const job of jobs) {
    const pull = Number(job.metadata.labels?.[labels.branch]?.replace(/^PR-/, ''));
    perPull.set(pull, (perPull.get(pull) ?? 0) + 1);
  }
  const lost = [...accepted].filter((pull) => !perPull.has(pull));
  const duplicated = [...perPull].filter(([, count]) => count > 1);
  await Promise.all([...lighthouses, ...(runner ? [runner] : [])].map((app: AppProcess) => app.stop()));
  return {
    mode,
    deliveries: plan.length,
    answers: JSON.stringify(Object.fromEntries([...answers].sort(([a], [b]) => a - b))),
    distinctEvents: new Set(plan.map((d) => d.pull)).size,
    acceptedEvents: accepted.size,
    jobs: jobs.length,
    eventsWithoutTheirJob: lost.length,
    eventsWithTwoJobs: duplicated.length,
    sendingSeconds: Math.round(sendingSeconds),
  };
}

const results = [];
for (const mode of modes) results.push(await soak(mode));
console.table(results);
await env.stop();
const failed = results.filter((r) => r.eventsWithoutTheirJob > 0 || r.eventsWithTwoJobs > 0);
process.exit(failed.length > 0 ? 1 : 0);
