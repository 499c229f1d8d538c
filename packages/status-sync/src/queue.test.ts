import { describe, expect, it, vi } from 'vitest';
import { WorkQueue } from './queue.ts';

/** Work that waits until released, recording what ran and what overlapped. */
function gatedWork() {
  const gates = new Map<string, PromiseWithResolvers<void>>();
  const started: string[] = [];
  let active = 0;
  let maxActive = 0;
  const work = async (key: string) => {
    started.push(key);
    active++;
    maxActive = Math.max(maxActive, active);
    const gate = Promise.withResolvers<void>();
    gates.set(key, gate);
    try {
      await gate.promise;
    } finally {
      active--;
    }
  };
  const release = async (key: string, error?: Error) => {
    await vi.waitFor(() => expect(gates.has(key)).toBe(true));
    const gate = gates.get(key);
    gates.delete(key);
    if (error) gate?.reject(error);
    else gate?.resolve();
  };
  return { work, release, started, maxActive: () => maxActive, running: () => [...gates.keys()] };
}

/** Past the work the queue starts on the next tick. */
const nextTick = () => new Promise((resolve) => setImmediate(resolve));

describe('WorkQueue', () => {
  it('runs nothing before start, then each key once however often it was added', async () => {
    const { work, release, started } = gatedWork();
    const queue = new WorkQueue(work, { concurrency: 4 });
    queue.add('a');
    queue.add('b');
    queue.add('a');
    expect(started).toEqual([]);
    queue.start();
    await release('a');
    await release('b');
    await queue.stop();
    expect(started).toEqual(['a', 'b']);
  });

  it('runs a key added while it runs once more afterwards, never twice at once', async () => {
    const { work, release, started, maxActive } = gatedWork();
    const queue = new WorkQueue(work, { concurrency: 4 });
    queue.start();
    queue.add('a');
    await nextTick();
    queue.add('a');
    queue.add('a');
    await nextTick();
    expect(started).toEqual(['a']);
    await release('a');
    await release('a');
    await queue.stop();
    expect(started).toEqual(['a', 'a']);
    expect(maxActive()).toBe(1);
  });

  it('starts work on a later tick than its add, so a burst of adds settles first', async () => {
    // An informer's relist fills its cache in name order, adding the job at each of its runs: the
    // meta run `x`, then the build run `x-build`. A pass over `x` must see both.
    const cache = new Set<string>();
    const passes: string[][] = [];
    const queue = new WorkQueue(async () => void passes.push([...cache]), { concurrency: 1 });
    queue.start();
    for (const run of ['x', 'x-build']) {
      cache.add(run);
      queue.add('x');
    }
    expect(passes).toEqual([]);
    await vi.waitFor(() => expect(passes).toEqual([['x', 'x-build']]));
    await queue.stop();
  });

  it('works on at most `concurrency` keys at once', async () => {
    const { work, release, running, maxActive } = gatedWork();
    const queue = new WorkQueue(work, { concurrency: 2 });
    queue.start();
    for (const key of ['a', 'b', 'c', 'd']) queue.add(key);
    await nextTick();
    expect(running()).toEqual(['a', 'b']);
    for (const key of ['a', 'b', 'c', 'd']) await release(key);
    await queue.stop();
    expect(maxActive()).toBe(2);
  });

  it('retries a failed key after a delay growing with its failures', async () => {
    const { work, release, started } = gatedWork();
    const delays: number[] = [];
    const queue = new WorkQueue(work, {
      concurrency: 1,
      retryDelayMs: (failures) => {
        delays.push(failures);
        return 1;
      },
    });
    queue.start();
    queue.add('a');
    await release('a', new Error('API server away'));
    await release('a', new Error('API server away'));
    await release('a');
    await queue.stop();
    expect(started).toEqual(['a', 'a', 'a']);
    expect(delays).toEqual([0, 1]);
  });

  it('stop waits for the work in flight and cancels retries', async () => {
    const { work, release, started } = gatedWork();
    const queue = new WorkQueue(work, { concurrency: 2, retryDelayMs: () => 10 });
    queue.start();
    queue.add('a');
    queue.add('b');
    await release('a', new Error('fails'));
    let stopped = false;
    const stopping = queue.stop().then(() => {
      stopped = true;
    });
    queue.add('c');
    await new Promise((resolve) => setTimeout(resolve, 30));
    expect(stopped).toBe(false);
    await release('b');
    await stopping;
    expect(started).toEqual(['a', 'b']);
  });
});
