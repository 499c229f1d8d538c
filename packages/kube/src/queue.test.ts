import { afterEach, describe, expect, it, vi } from 'vitest';
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
    await ticksUntil(() => gates.has(key));
    const gate = gates.get(key);
    gates.delete(key);
    if (error) gate?.reject(error);
    else gate?.resolve();
  };
  return { work, release, started, maxActive: () => maxActive, running: () => [...gates.keys()] };
}

/** Past the work the queue starts on the next tick. */
const nextTick = () => new Promise((resolve) => setImmediate(resolve));

/** Waits tick by tick, never by a timer (vi.waitFor would move fake timers on). */
async function ticksUntil(condition: () => boolean): Promise<void> {
  for (let tick = 0; !condition(); tick++) {
    if (tick > 1_000) throw new Error('condition not met within 1,000 ticks');
    await nextTick();
  }
}

/** Timeouts and the monotonic clock under the test's control; the queue's ticks stay real. */
const fakeTimers = () => vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'performance'] });

describe('WorkQueue', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

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
    await ticksUntil(() => passes.length > 0);
    expect(passes).toEqual([['x', 'x-build']]);
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

  it('refuses a concurrency that would never run anything', () => {
    const work = async () => {};
    expect(() => new WorkQueue(work, { concurrency: 0 })).toThrow(
      'WorkQueue: concurrency must be a positive integer, not 0',
    );
    expect(() => new WorkQueue(work, { concurrency: 1.5 })).toThrow(RangeError);
  });

  it('retries a failed key after a delay growing with its failures', async () => {
    fakeTimers();
    const { work, release, started } = gatedWork();
    const failures: number[] = [];
    const queue = new WorkQueue(work, {
      concurrency: 1,
      retryDelayMs: (failed) => {
        failures.push(failed);
        return 100 * (failed + 1);
      },
    });
    queue.start();
    queue.add('a');
    await release('a', new Error('API server away'));
    await ticksUntil(() => vi.getTimerCount() === 1);
    vi.advanceTimersByTime(99);
    await nextTick();
    expect(started).toEqual(['a']);
    vi.advanceTimersByTime(1);
    await release('a', new Error('API server away'));
    await ticksUntil(() => vi.getTimerCount() === 1);
    vi.advanceTimersByTime(199);
    await nextTick();
    expect(started).toEqual(['a', 'a']);
    vi.advanceTimersByTime(1);
    await release('a');
    await queue.stop();
    expect(started).toEqual(['a', 'a', 'a']);
    expect(failures).toEqual([0, 1]);
  });

  it('adds a key after a delay, and a key already due sooner keeps its time', async () => {
    fakeTimers();
    const { work, release, started } = gatedWork();
    const queue = new WorkQueue(work, { concurrency: 1 });
    queue.start();
    queue.addAfter('a', 1_000);
    queue.addAfter('a', 5_000);
    expect(vi.getTimerCount()).toBe(1);
    vi.advanceTimersByTime(999);
    await nextTick();
    expect(started).toEqual([]);
    vi.advanceTimersByTime(1);
    await release('a');
    vi.advanceTimersByTime(10_000);
    await nextTick();
    expect(started).toEqual(['a']);
    await queue.stop();
  });

  it('brings a delayed key forward when it is asked for sooner', async () => {
    fakeTimers();
    const { work, release, started } = gatedWork();
    const queue = new WorkQueue(work, { concurrency: 1 });
    queue.start();
    queue.addAfter('a', 60_000);
    queue.addAfter('a', 10);
    expect(vi.getTimerCount()).toBe(1);
    vi.advanceTimersByTime(10);
    await release('a');
    vi.advanceTimersByTime(60_000);
    await nextTick();
    expect(started).toEqual(['a']);
    await queue.stop();
  });

  it('stop waits for the work in flight and leaves no timer behind', async () => {
    fakeTimers();
    const { work, release, started } = gatedWork();
    const queue = new WorkQueue(work, { concurrency: 2, retryDelayMs: () => 10 });
    queue.start();
    queue.add('a');
    queue.add('b');
    queue.addAfter('later', 60_000);
    await release('a', new Error('fails'));
    await ticksUntil(() => vi.getTimerCount() === 2);
    let stopped = false;
    const stopping = queue.stop().then(() => {
      stopped = true;
    });
    expect(vi.getTimerCount()).toBe(0);
    queue.add('c');
    queue.addAfter('d', 0);
    await nextTick();
    expect(stopped).toBe(false);
    await release('b');
    await stopping;
    expect(vi.getTimerCount()).toBe(0);
    expect(started).toEqual(['a', 'b']);
  });
});
