import { Agent } from 'node:http';
import {
  halfSentRequest,
  rawRequest,
  readAll,
  refusesConnections,
  sample,
} from '@lighthouse-ts/testenv/http';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { mutateBytes, mutateStructure, randomGenerator } from '../../../../packages/scm/test/mutate.ts';
import { delivery, goScmPayloads, octokitExample } from '../../../../packages/scm/test/payloads.ts';
import {
  killWebhookProcesses,
  startWebhookProcess,
  type WebhookProcess,
} from '../../test/webhook-process.ts';

const secret = 'process-secret';
const mutations = 10_000;
const push = octokitExample('push');

afterAll(killWebhookProcesses);

const messages = (lighthouse: WebhookProcess) => lighthouse.logs.map((line) => line.msg);

it(`answers ${mutations} mutated, correctly signed real payloads without a 5xx and stays healthy`, async () => {
  const lighthouse = await startWebhookProcess({ FIXTURE_SECRET: secret });
  const seeds = goScmPayloads(inject('fixturesDir'));
  const random = randomGenerator(20_250_107);
  const agent = new Agent({ keepAlive: true, maxSockets: 8 });
  const statuses = new Map<number, number>();
  let dispatched = 0;
  let round = 0;
  const sender = async () => {
    while (round < mutations) {
      const at = round++;
      const seed = random.pick(seeds);
      const body = at % 2 === 0 ? mutateBytes(seed.body, random) : mutateStructure(seed.body, random);
      const request = delivery({ ...seed, deliveryId: `fuzz-${at}`, body, secret });
      const res = await rawRequest(`${lighthouse.url}/hook`, { ...request, agent });
      statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
      if (res.status === 200 && res.json().status === 'done') dispatched++;
      expect(res.status, `round ${at}: ${seed.provider} ${seed.event}: ${res.text}`).toBeLessThan(500);
    }
  };
  await Promise.all(Array.from({ length: 8 }, sender));
  agent.destroy();

  // Every outcome is reached, so the run exercises dispatch too, not only the refusals.
  expect([...statuses.keys()].sort()).toEqual([200, 202, 400]);
  for (const count of statuses.values()) expect(count).toBeGreaterThan(100);
  expect((await rawRequest(`${lighthouse.url}/healthz`)).status).toBe(200);
  expect((await rawRequest(`${lighthouse.url}/readyz`)).status).toBe(200);
  const metrics = (await rawRequest(`${lighthouse.url}/metrics`)).text;
  expect(sample(metrics, 'lighthouse_dispatch_errors_total', { type: 'unexpected' }) ?? 0).toBe(0);
  // Most mutations of a seed are the same event (scm's eventKey), answered as duplicates once one of
  // them was dispatched; the others each reached dispatch once.
  expect(dispatched).toBeGreaterThan(0);
  // Once the process has exited, its whole log has been read.
  expect(await lighthouse.stop()).toEqual({ code: 0, signal: null });
  expect(lighthouse.logs.filter((line) => line.msg === 'test dispatch')).toHaveLength(dispatched);
  expect(lighthouse.logs.filter((line) => line.level >= 50 || line.msg.startsWith('not JSON'))).toEqual([]);
}, 300_000);

describe('SIGTERM', () => {
  it('turns unready, stops accepting, lets a dispatch past its budget finish, then exits 0', async () => {
    const lighthouse = await startWebhookProcess({
      FIXTURE_SECRET: secret,
      FIXTURE_BUDGET_MS: '200',
      FIXTURE_SLOW_MS: '1500',
    });
    const probe = await halfSentRequest(lighthouse.port, '/readyz');
    const res = await rawRequest(
      `${lighthouse.url}/hook`,
      delivery({ event: 'push', body: push, deliveryId: 'slow-1', secret }),
    );
    expect(res.status).toBe(202);

    lighthouse.child.kill('SIGTERM');
    await lighthouse.waitForLog((line) => line.msg === 'shutting down', '"shutting down"');
    probe.write('\r\n');
    const answer = await readAll(probe);
    expect(answer).toMatch(/^HTTP\/1\.1 503 /);
    expect(answer).toMatch(/connection: close/i);
    expect(answer).toContain('not ready: shutting down');
    expect(await refusesConnections(lighthouse.port)).toBe(true);

    expect(await lighthouse.exited).toEqual({ code: 0, signal: null });
    const order = messages(lighthouse);
    expect(order.indexOf('dispatched')).toBeGreaterThan(order.indexOf('shutting down'));
    expect(lighthouse.logs.find((line) => line.msg === 'dispatched')).toMatchObject({ deliveryId: 'slow-1' });
    expect(lighthouse.logs.at(-1)).toMatchObject({ msg: 'stopped', ended: 'drained' });
  });

  it('past the grace period: aborts the dispatch still running, then exits 0', async () => {
    const lighthouse = await startWebhookProcess({
      FIXTURE_SECRET: secret,
      FIXTURE_BUDGET_MS: '100',
      FIXTURE_SLOW_MS: '60000',
      FIXTURE_GRACE_MS: '300',
    });
    const res = await rawRequest(
      `${lighthouse.url}/hook`,
      delivery({ event: 'push', body: push, deliveryId: 'slow-2', secret }),
    );
    expect(res.status).toBe(202);
    expect(await lighthouse.stop()).toEqual({ code: 0, signal: null });
    expect(messages(lighthouse)).toEqual(
      expect.arrayContaining([
        'grace period over: aborting the work still running and closing the connections still open',
        'test dispatch aborted',
        'dispatch failed',
      ]),
    );
    expect(lighthouse.logs.at(-1)).toMatchObject({ msg: 'stopped', ended: 'cut' });
  });

  it('a second signal cuts the drain short', async () => {
    const lighthouse = await startWebhookProcess({
      FIXTURE_SECRET: secret,
      FIXTURE_BUDGET_MS: '100',
      FIXTURE_SLOW_MS: '60000',
      FIXTURE_GRACE_MS: '60000',
    });
    const res = await rawRequest(
      `${lighthouse.url}/hook`,
      delivery({ event: 'push', body: push, deliveryId: 'slow-3', secret }),
    );
    expect(res.status).toBe(202);
    lighthouse.child.kill('SIGTERM');
    await lighthouse.waitForLog((line) => line.msg === 'shutting down', '"shutting down"');
    lighthouse.child.kill('SIGTERM');
    expect(await lighthouse.exited).toEqual({ code: 0, signal: null });
    expect(messages(lighthouse)).toContain('test dispatch aborted');
    expect(lighthouse.logs.at(-1)).toMatchObject({ msg: 'stopped', ended: 'cut' });
  });
});
