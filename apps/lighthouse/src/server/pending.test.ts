import { createHash } from 'node:crypto';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { UnavailableError } from '@lighthouse-ts/metapipeline-client';
import { rawRequest, sample } from '@lighthouse-ts/testenv/http';
import { afterEach, expect, it } from 'vitest';
import { delivery, octokitExample } from '../../../../packages/scm/test/payloads.ts';
import { serveInProcess, testSecret } from '../../test/in-process.ts';
import { openPendingStore, PendingDelivery } from './pending.ts';

type Served = Awaited<ReturnType<typeof serveInProcess>>;

const push = octokitExample('push');
const send = (served: Served, deliveryId: string) =>
  rawRequest(served.hook, delivery({ event: 'push', body: push, deliveryId, secret: testSecret }));

const servers: Served[] = [];
async function serve(options: Parameters<typeof serveInProcess>[0]): Promise<Served> {
  const served = await serveInProcess(options);
  servers.push(served);
  return served;
}
afterEach(async () => {
  await Promise.all(servers.splice(0).map((served) => served.server.stop(1000)));
});

const keptFiles = async (dir: string) => (await readdir(dir)).filter((name) => name.endsWith('.json'));

/** Waits until `check` holds, asking every few milliseconds (a hang guard, not a measure). */
async function until(check: () => Promise<boolean>, what: string): Promise<void> {
  for (let i = 0; i < 2000; i++) {
    if (await check()) return;
    await sleep(5);
  }
  throw new Error(`timed out waiting for ${what}`);
}

it('a delivery answered 202 is on disk before the answer, and forgotten once its jobs started', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'pending-'));
  const { promise: held, resolve: release } = Promise.withResolvers<void>();
  const served = await serve({
    budgetMs: 50,
    pending: await openPendingStore(dir),
    respond: async () => {
      await held;
      return { started: ['unit'] };
    },
  });
  expect((await send(served, 'kept-1')).status).toBe(202);
  const [file] = await keptFiles(dir);
  if (!file) throw new Error('nothing kept');
  const kept = PendingDelivery.parse(JSON.parse(await readFile(join(dir, file), 'utf8')));
  expect(kept).toMatchObject({ deliveryId: 'kept-1', attempts: 1, event: served.calls[0]?.event });
  expect(sample((await rawRequest(`${served.url}/metrics`)).text, 'lighthouse_deliveries_kept')).toBe(1);

  release();
  await served.handler.drained();
  await until(async () => (await keptFiles(dir)).length === 0, 'the kept delivery to be forgotten');
  expect(sample((await rawRequest(`${served.url}/metrics`)).text, 'lighthouse_deliveries_kept')).toBe(0);
});

it('a delivery still waiting out an outage at shutdown is dispatched by the next process on the directory, once', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'pending-'));
  const first = await serve({
    budgetMs: 50,
    retry: { firstDelayMs: 600_000 },
    pending: await openPendingStore(dir),
    respond: async () => {
      throw new UnavailableError('the runner is away');
    },
  });
  expect((await send(first, 'outage-1')).status).toBe(202);
  expect(await first.server.stop(5000)).toBe('drained');
  expect(first.logs.lines.map((line) => line.msg)).toContain(
    'left kept: the next start on the pending directory tries it again',
  );
  expect(await keptFiles(dir)).toHaveLength(1);

  const next = await serve({ pending: await openPendingStore(dir) });
  expect(await next.handler.resume()).toBe(1);
  await next.handler.drained();
  expect(next.calls.map((call) => call.event)).toEqual([first.calls[0]?.event]);
  // A later attempt than the first: a job refused for good already had its error status posted.
  expect(next.calls[0]?.context.attempt).toBe(2);
  expect(next.logs.lines.find((line) => line.msg === 'dispatched')).toMatchObject({
    deliveryId: 'outage-1',
    resumed: true,
    started: ['unit'],
  });
  await until(async () => (await keptFiles(dir)).length === 0, 'the resumed delivery to be forgotten');
  // The event is remembered as done: its redelivery starts nothing.
  expect((await send(next, 'outage-1-again')).json()).toMatchObject({ status: 'duplicate' });
  expect(next.calls).toHaveLength(1);
});

it('a delivery still failing when it may be tried no longer stays kept, and the next start tries it again', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'pending-'));
  const store = await openPendingStore(dir);
  // Held past the budget, so it is answered 202 (and kept) before it fails.
  const { promise: held, resolve: release } = Promise.withResolvers<void>();
  const failing = async (): Promise<never> => {
    await held;
    throw new UnavailableError('the runner is away');
  };
  const first = await serve({
    budgetMs: 50,
    retry: { firstDelayMs: 10, forMs: 0 },
    pending: store,
    respond: failing,
  });
  expect((await send(first, 'long-outage')).status).toBe(202);
  release();
  await first.handler.drained();
  expect(first.logs.lines.find((line) => line.msg === 'dispatch failed')).toMatchObject({
    deliveryId: 'long-outage',
    errorType: 'UnavailableError',
  });
  expect(await keptFiles(dir)).toHaveLength(1);

  const next = await serve({ pending: store });
  expect(await next.handler.resume()).toBe(1);
  await next.handler.drained();
  expect(next.logs.lines.find((line) => line.msg === 'dispatched')).toMatchObject({
    deliveryId: 'long-outage',
  });
  await until(async () => (await keptFiles(dir)).length === 0, 'the delivery to be forgotten');
});

it('a kept delivery resumed five times without settling is set aside, not dispatched again', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'pending-'));
  const store = await openPendingStore(dir);
  const first = await serve({
    budgetMs: 50,
    retry: { firstDelayMs: 600_000 },
    pending: store,
    respond: async () => {
      throw new UnavailableError('the runner is away');
    },
  });
  expect((await send(first, 'crashing')).status).toBe(202);
  await first.server.stop(5000);
  // Five starts that each resume it and end before it settles (as a process it crashed would).
  for (let start = 1; start <= 5; start++) {
    const crashing = await serve({
      retry: { firstDelayMs: 600_000 },
      pending: store,
      respond: async () => {
        throw new UnavailableError('ends before it settles');
      },
    });
    expect(await crashing.handler.resume()).toBe(1);
    await crashing.server.stop(5000);
  }
  const next = await serve({ pending: store });
  expect(await next.handler.resume()).toBe(1);
  expect(next.calls).toHaveLength(0);
  const files = await readdir(dir);
  expect(files).toHaveLength(1);
  expect(files[0]).toMatch(/\.json\.abandoned$/);
  expect(
    next.logs.lines.find((line) => line.msg.startsWith('a kept delivery was resumed 5 times')),
  ).toBeDefined();
});

it("loads what it kept in the order received, not in the order of its files' names", async () => {
  const store = await openPendingStore(await mkdtemp(join(tmpdir(), 'pending-')));
  // Files are named for their event's hash: received in the reverse of that order.
  const hash = (key: string) => createHash('sha256').update(key).digest('hex');
  const keys = ['a', 'b', 'c', 'd', 'e'].sort((x, y) => hash(y).localeCompare(hash(x)));
  for (const [receivedAt, key] of keys.entries()) {
    await store.keep({
      version: 1,
      key,
      traceparent: '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01',
      receivedAt,
      attempts: 1,
      resumes: 0,
      event: { type: 'ping', provider: 'github', deliveryId: key },
    });
  }
  const { pending } = await store.load();
  expect(pending.map(({ delivery }) => delivery.key)).toEqual(keys);
});

it('a kept file that does not parse is set aside and reported; a cut-short write is removed', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'pending-'));
  await writeFile(join(dir, '0123-broken.json'), '{"version": 1, "key": ');
  await writeFile(join(dir, '.0123-cut.json.tmp'), '{"vers');
  const served = await serve({ pending: await openPendingStore(dir) });
  expect(await served.handler.resume()).toBe(0);
  expect((await readdir(dir)).sort()).toEqual(['0123-broken.json.unreadable']);
  expect(
    served.logs.lines.find((line) => line.msg.startsWith('a kept delivery is unreadable')),
  ).toMatchObject({
    file: join(dir, '0123-broken.json'),
  });
  expect(served.calls).toHaveLength(0);
});

it('a store that cannot write still answers 202 and dispatches; the failure is logged and counted', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'pending-'));
  const store = await openPendingStore(dir);
  await rm(dir, { recursive: true });
  const { promise: held, resolve: release } = Promise.withResolvers<void>();
  const served = await serve({
    budgetMs: 50,
    pending: store,
    respond: async () => {
      await held;
      return { started: ['unit'] };
    },
  });
  expect((await send(served, 'unkept-1')).status).toBe(202);
  const metrics = (await rawRequest(`${served.url}/metrics`)).text;
  expect(sample(metrics, 'lighthouse_delivery_keep_failures_total')).toBe(1);
  expect(
    served.logs.lines.find((line) => line.msg.startsWith('cannot keep the accepted delivery')),
  ).toMatchObject({
    deliveryId: 'unkept-1',
    dir,
  });
  release();
  await served.handler.drained();
  expect(served.logs.lines.find((line) => line.msg === 'dispatched')).toMatchObject({ started: ['unit'] });
});
