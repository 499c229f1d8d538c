import { describe, expect, it } from 'vitest';
import { RecentDeliveries } from './recent.ts';

const start = (n: number) => ({
  receivedAt: new Date(0).toISOString(),
  provider: 'github',
  event: 'push',
  deliveryId: `d-${n}`,
  summary: 'being handled',
});

describe('RecentDeliveries', () => {
  it('keeps the last `size` verified deliveries, newest first, and the refused ones in a ring of their own', () => {
    const ring = new RecentDeliveries({ size: 3, refusedSize: 2 });
    for (let n = 1; n <= 5; n++) ring.add(start(n));
    for (let n = 1; n <= 4; n++) {
      ring.refuse({ receivedAt: '', provider: 'github', status: 401, reason: 'bad', deliveryId: `r-${n}` });
    }
    expect(ring.list().map((s) => s.deliveryId)).toEqual(['d-5', 'd-4', 'd-3']);
    expect(ring.refused().map((r) => r.deliveryId)).toEqual(['r-4', 'r-3']);
    expect(ring.get(1)).toBeUndefined();
    expect(ring.get(5)?.deliveryId).toBe('d-5');
  });

  it('caps each text, and keeps a story within its budget, counting what it leaves out', () => {
    const ring = new RecentDeliveries({ size: 1 });
    const story = ring.add({ ...start(1), summary: 'x'.repeat(5000) });
    for (let n = 0; n < 100; n++) {
      story.consulted({ fact: 'changedFiles', asked: `#${n}`, answer: 'y'.repeat(5000) });
    }
    const told = ring.get(story.seq);
    expect(told?.summary.length).toBeLessThan(1100);
    const kept = told?.consulted.length ?? 0;
    expect(kept).toBeGreaterThan(5);
    expect(kept).toBeLessThan(20);
    expect(told?.omitted).toBe(100 - kept);
    const characters = JSON.stringify(told).length;
    expect(characters).toBeLessThan(17_000);
  });

  it('tells its listeners after each change', () => {
    const ring = new RecentDeliveries({ size: 2 });
    let changes = 0;
    const stop = ring.subscribe(() => changes++);
    const story = ring.add(start(1));
    story.answered(200, 'done');
    stop();
    story.settled('done');
    expect(changes).toBe(2);
  });

  it('tells the last attempt at a dispatch, not every one appended', () => {
    const ring = new RecentDeliveries({ size: 1 });
    const story = ring.add(start(1));
    for (const attempt of [1, 2, 3]) {
      story.attempt(attempt);
      story.consulted({ fact: 'isMember', asked: `try ${attempt}`, answer: 'true' });
      story.job({ job: 'unit', error: `unavailable (${attempt})` });
    }
    const told = ring.get(story.seq);
    expect(told?.attempt).toBe(3);
    expect(told?.consulted.map((f) => f.asked)).toEqual(['try 3']);
    expect(told?.jobs).toEqual([{ job: 'unit', error: 'unavailable (3)' }]);
  });
});
