// What the web page's ring of deliveries costs in memory when full: the heap it holds with 500 stories
// (the default --ui-deliveries) and 125 refused deliveries, with every text at its cap and as many items
// as each story's budget takes, and as a typical pull request leaves them. Each figure is
// the median over several fresh rings, measured after a full garbage collection.
// Run: pnpm bench (in this package, or at the root).
import { RecentDeliveries } from '../src/ui/recent.ts';

const gc = (globalThis as { gc?: () => void }).gc;
if (!gc) throw new Error('run with node --expose-gc (the bench script does)');
const size = 500;
const rounds = 5;

/** The ring measured last, so it is still alive when measured and freed when the next one is made. */
let held: RecentDeliveries | undefined;

const long = (seed: string) => seed.repeat(Math.ceil(2100 / seed.length));

function fill(ring: RecentDeliveries, worst: boolean, round: number): void {
  for (let i = 0; i < size; i++) {
    const text = (what: string) => (worst ? long(`${what}-${round}-${i} `) : `${what} ${i}`);
    const story = ring.add({
      receivedAt: new Date().toISOString(),
      provider: 'github',
      event: 'pull_request',
      deliveryId: `d-${round}-${i}`,
      repo: text('acme/app'),
      subject: text('PR #7 opened'),
      summary: text('dispatched'),
    });
    const jobs = worst ? 200 : 3;
    story.decided({
      summary: text('PR #7 opened: 2 of 3 presubmits run'),
      start: Array.from({ length: jobs }, (_, j) => ({
        request: { jobName: text(`job-${j}`) } as never,
        job: {} as never,
        why: text('always_run'),
      })),
      skip: Array.from({ length: worst ? 200 : 1 }, (_, j) => ({
        jobName: text(`skipped-${j}`),
        context: 'c',
        why: text('branch main does not match branches [release]'),
      })),
      cancel: [],
      actions: Array.from({ length: worst ? 200 : 1 }, () => ({
        type: 'comment' as const,
        pullNumber: 7,
        body: text('comment'),
      })),
    });
    for (let f = 0; f < (worst ? 200 : 2); f++) {
      story.consulted({
        fact: 'changedFiles',
        asked: text('acme, app, 7'),
        answer: text('[a.go, b.go] (2)'),
      });
    }
    for (let j = 0; j < jobs; j++) {
      story.job({
        job: text(`job-${j}`),
        pipeline: { namespace: 'jobs', name: `lighthouse-${i}-${j}`, buildNumber: j + 1 },
      });
    }
    story.answered(200, text('dispatched: 2 started, 1 skipped'));
    story.settled('done');
  }
  for (let i = 0; i < ring.refusedSize; i++) {
    ring.refuse({
      receivedAt: new Date().toISOString(),
      provider: 'github',
      event: 'push',
      deliveryId: `r-${round}-${i}`,
      status: 401,
      reason: worst ? long('signature does not match ') : 'signature does not match',
    });
  }
}

function heapOfFullRing(worst: boolean): number[] {
  const figures: number[] = [];
  for (let round = 0; round < rounds; round++) {
    gc?.();
    const before = process.memoryUsage().heapUsed;
    const ring = new RecentDeliveries({ size });
    fill(ring, worst, round);
    gc?.();
    figures.push(process.memoryUsage().heapUsed - before);
    held = ring;
  }
  return figures;
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? 0;
const mib = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(1)} MiB`;
const typical = heapOfFullRing(false);
const worst = heapOfFullRing(true);
console.log(`web page ring, ${size} deliveries + ${size / 4} refused, heap held (median of ${rounds}):`);
console.log(`  typical pull requests: ${mib(median(typical))} (${typical.map(mib).join(', ')})`);
if (held?.list().length !== size) throw new Error('the ring is not full');
console.log(`  every field at its cap: ${mib(median(worst))} (${worst.map(mib).join(', ')})`);
