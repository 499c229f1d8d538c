// One status sync in a process of its own, for bench/memory.ts: measures its heap and RSS before it
// starts and once it has converged on every job, prints them as one JSON line, then runs until SIGTERM.
// Run with --expose-gc, so both measures are taken after a full collection.
// Arguments: <kubeconfig> <namespace> <number of jobs to converge on>
import { createKubeClient } from '@lighthouse-ts/kube';
import { startStatusSync } from '../src/index.ts';

const [kubeconfig, namespace, jobCount] = process.argv.slice(2);
if (!kubeconfig || !namespace || !jobCount)
  throw new Error('usage: sync-process.ts <kubeconfig> <namespace> <jobs>');
const gc = globalThis.gc;
if (!gc) throw new Error('run with node --expose-gc');

const settle = () => {
  gc();
  return process.memoryUsage();
};

const kube = createKubeClient({ config: { kubeconfig }, qps: 1000, burst: 1000 });
const before = settle();
const started = performance.now();
const synced = new Set<string>();
let lastPass = performance.now();
const stop = new AbortController();
const sync = await startStatusSync({
  kube,
  namespace,
  signal: stop.signal,
  onSync: (result) => {
    synced.add(result.job);
    lastPass = performance.now();
  },
});
// Converged: every job passed over, and a quiet half second after the last pass.
while (synced.size < Number(jobCount) || performance.now() - lastPass < 500) {
  await new Promise((resolve) => setTimeout(resolve, 50));
}
const convergedMs = lastPass - started;
const after = settle();
process.stdout.write(
  `${JSON.stringify({
    heapUsedMiB: (after.heapUsed - before.heapUsed) / 2 ** 20,
    heapTotalMiB: (after.heapTotal - before.heapTotal) / 2 ** 20,
    rssMiB: (after.rss - before.rss) / 2 ** 20,
    totalRssMiB: after.rss / 2 ** 20,
    convergedMs,
  })}\n`,
);
process.once('SIGTERM', async () => {
  stop.abort();
  await sync.stop();
  await kube.close();
  process.exit(0);
});
