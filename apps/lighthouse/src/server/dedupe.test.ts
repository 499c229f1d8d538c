import { describe, expect, it } from 'vitest';
import { createDeliveryLedger } from './dedupe.ts';

const settle = () => new Promise((resolve) => setImmediate(resolve));

describe('createDeliveryLedger', () => {
  let clock = 0;
  const ledger = (windowMs = 1000, maxEntries = 100) =>
    createDeliveryLedger<boolean>({ windowMs, maxEntries, now: () => clock });

  it('knows a running dispatch, then remembers it as done for the window only', async () => {
    clock = 0;
    const deliveries = ledger();
    const { promise, resolve } = Promise.withResolvers<boolean>();
    deliveries.track('github:a', promise, (ok) => ok);
    expect(deliveries.lookup('github:a')).toEqual({ state: 'running', outcome: promise });
    resolve(true);
    await settle();
    expect(deliveries.lookup('github:a')).toEqual({ state: 'done' });
    clock = 999;
    expect(deliveries.lookup('github:a')).toEqual({ state: 'done' });
    clock = 1000;
    expect(deliveries.lookup('github:a')).toBeUndefined();
    expect(deliveries.size).toBe(0);
  });

  it('forgets a dispatch that failed or rejected', async () => {
    clock = 0;
    const deliveries = ledger();
    deliveries.track('github:failed', Promise.resolve(false), (ok) => ok);
    deliveries.track('github:threw', Promise.reject(new Error('boom')), () => true);
    await settle();
    expect(deliveries.lookup('github:failed')).toBeUndefined();
    expect(deliveries.lookup('github:threw')).toBeUndefined();
  });

  it('keeps at most maxEntries, forgetting the oldest first', async () => {
    clock = 0;
    const deliveries = ledger(60_000, 3);
    for (const id of ['1', '2', '3', '4']) {
      clock++;
      deliveries.track(id, Promise.resolve(true), (ok) => ok);
      await settle();
    }
    expect(deliveries.size).toBe(3);
    expect(deliveries.lookup('1')).toBeUndefined();
    expect(deliveries.lookup('4')).toEqual({ state: 'done' });
  });

  it('a window of 0 remembers nothing done, but still knows what runs', async () => {
    const deliveries = ledger(0);
    const { promise, resolve } = Promise.withResolvers<boolean>();
    deliveries.track('x', promise, (ok) => ok);
    expect(deliveries.lookup('x')?.state).toBe('running');
    resolve(true);
    await settle();
    expect(deliveries.lookup('x')).toBeUndefined();
  });
});
