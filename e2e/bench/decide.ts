// What lighthouse alone can take: signed GitHub pushes verified, parsed and decided, with no job to start
// (the one postsubmit is for another branch), so neither Kubernetes nor a runner is involved. 16
// senders on keep-alive connections from this process, three rounds after a warm-up; medians of the
// rounds' p50, p99 and deliveries/s. The target is 8,000 deliveries/s. Beside it, the floor: the same
// deliveries to a bare Node HTTP server that reads them and answers (node-floor.mjs), rounds interleaved
// with lighthouse's, which is what this machine's Node and senders can do at all.
// Lighthouse runs from its remote-mode image layout (built here into a temporary directory).
// Run: pnpm bench, or `node --conditions=@lighthouse-ts/source bench/decide.ts` in e2e/ (no cluster).
import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { once } from 'node:events';
import { mkdtemp, rm } from 'node:fs/promises';
import { Agent } from 'node:http';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { rawRequest } from '@lighthouse-ts/testenv/http';
import { delivery, octokitExamples } from '../../packages/scm/test/payloads.ts';
import { buildImageLayout } from '../../scripts/image-layout.ts';
import { lighthouseFiles } from './files.ts';

const rounds = 3;
const senders = 16;
const perRound = 20_000;
const secret = 'bench-secret';

const percentile = (sorted: number[], p: number) =>
  sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))] ?? 0;
const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? 0;

const { files, file } = await lighthouseFiles('bench-decide-', secret);
await file(
  'config.yaml',
  'postsubmits:\n  Codertocat/Hello-World:\n    - {name: release, context: release, branches: [release-0.0]}\n',
);
// Run as the remote-mode image runs it: from the files `pnpm image-layout` builds.
const layoutDir = await mkdtemp(join(tmpdir(), 'bench-decide-layout-'));
const layout = await buildImageLayout('lighthouse', 'remote', join(layoutDir, 'lighthouse-remote'));
const port = await freePort();
// Its log lines go where a pod's go, unread here, so reading them costs the senders nothing.
const app = spawn(
  process.execPath,
  [
    join(layout.dir, 'main.mjs'),
    'serve',
    '--host=127.0.0.1',
    `--port=${port}`,
    '--metapipeline=remote',
    '--runner-url=http://127.0.0.1:1',
    `--runner-token-file=${await file('runner-token', randomUUID())}`,
  ],
  { env: { PATH: process.env.PATH ?? '', ...files }, stdio: ['ignore', 'ignore', 'inherit'] },
);
const floorPort = await freePort();
const floor = spawn(process.execPath, [join(import.meta.dirname, 'node-floor.mjs'), String(floorPort)], {
  env: { PATH: process.env.PATH ?? '' },
  stdio: ['ignore', 'ignore', 'inherit'],
});

const push = octokitExamples('push').find((example) => example.ref === 'refs/heads/master');
if (!push) throw new Error('no @octokit/webhooks-examples push to a branch');
const agent = new Agent({ keepAlive: true, maxSockets: senders });

/** Each delivery a different push (its own head commit), so none is a duplicate of another. */
function nextDelivery() {
  const body = Buffer.from(JSON.stringify({ ...push, after: randomBytes(20).toString('hex') }));
  return {
    ...delivery({ event: 'push', body, deliveryId: randomUUID(), secret }),
    agent,
    keepAlive: true,
  };
}

async function round(url: string, total: number) {
  const latencies: number[] = [];
  let next = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: senders }, async () => {
      while (next++ < total) {
        const sent = nextDelivery();
        const t = performance.now();
        const response = await rawRequest(url, sent);
        latencies.push(performance.now() - t);
        const answer = response.status === 200 ? response.json() : undefined;
        if (!answer || (answer.started as unknown[]).length > 0)
          throw new Error(`delivery answered ${response.status}: ${response.text}`);
      }
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  latencies.sort((a, b) => a - b);
  return { p50: percentile(latencies, 0.5), p99: percentile(latencies, 0.99), perSecond: total / seconds };
}

const hook = (at: number) => `http://127.0.0.1:${at}/hook`;
try {
  await Promise.all([waitForReady(app, port), waitForReady(floor, floorPort)]);
  await round(hook(floorPort), 2_000);
  await round(hook(port), 2_000);
  const results = { lighthouse: [] as Round[], floor: [] as Round[] };
  // Each goes first in every other round, so a drift in the senders favours neither.
  for (let r = 0; r < rounds; r++) {
    const order = r % 2 === 0 ? (['floor', 'lighthouse'] as const) : (['lighthouse', 'floor'] as const);
    for (const which of order) {
      results[which].push(await round(hook(which === 'floor' ? floorPort : port), perRound));
    }
  }
  const row = (scenario: string, of: Round[], target: string) => {
    const m = (pick: (f: Round) => number) => median(of.map(pick)).toFixed(1);
    return `| ${scenario} | ${m((f) => f.p50)} | ${m((f) => f.p99)} | ${m((f) => f.perSecond)} | ${target} |`;
  };
  console.log(`\n${rounds} rounds of ${perRound} signed pushes, ${senders} senders, no job started.\n`);
  console.log('| scenario | p50 ms | p99 ms | deliveries/s | target |');
  console.log('|---|---|---|---|---|');
  console.log(row('verify + parse + decide', results.lighthouse, '8,000/s'));
  console.log(row('floor: a bare Node HTTP server answering', results.floor, ''));
} finally {
  agent.destroy();
  for (const child of [app, floor]) {
    if (child.exitCode !== null || child.signalCode !== null) continue;
    child.kill('SIGTERM');
    await once(child, 'exit');
  }
  await rm(layoutDir, { recursive: true });
}

type Round = Awaited<ReturnType<typeof round>>;

async function waitForReady(child: ChildProcess, at: number) {
  const deadline = performance.now() + 60_000;
  while ((await fetch(`http://127.0.0.1:${at}/readyz`).catch(() => undefined))?.status !== 200) {
    if (child.exitCode !== null || child.signalCode !== null) {
      throw new Error(`${child.spawnargs[1]} ended: ${child.exitCode ?? child.signalCode}`);
    }
    if (performance.now() > deadline) throw new Error(`${child.spawnargs[1]} not ready within 60 s`);
    await sleep(20);
  }
}

async function freePort(): Promise<number> {
  const server = createServer().listen(0, '127.0.0.1');
  await once(server, 'listening');
  const address = server.address();
  server.close();
  return typeof address === 'object' && address ? address.port : 0;
}
