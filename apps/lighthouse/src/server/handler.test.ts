import { setTimeout as sleep } from 'node:timers/promises';
import { parseScopedSecrets } from '@lighthouse-ts/config';
import {
  ConflictError,
  KeyConflictError,
  MetaPipelineError,
  UnavailableError,
} from '@lighthouse-ts/metapipeline-client';
import { MissingFactError, PermanentError, RetryableError } from '@lighthouse-ts/plugins';
import { sharedSecrets } from '@lighthouse-ts/scm/webhooks';
import { rawRequest, sample } from '@lighthouse-ts/testenv/http';
import { afterEach, describe, expect, inject, it } from 'vitest';
import { delivery, goScmPayloads, octokitExample } from '../../../../packages/scm/test/payloads.ts';
import { serveInProcess, testSecret } from '../../test/in-process.ts';
import { captureLogs } from '../../test/logs.ts';
import type { VerifiedDelivery } from './external-plugins.ts';
import { createWebhookHandler } from './handler.ts';
import { createMetrics } from './metrics.ts';

type Served = Awaited<ReturnType<typeof serveInProcess>>;

const opened = octokitExample('pull_request', 'opened');
const push = octokitExample('push');
const send = (served: Served, event: string, body: Buffer, deliveryId: string, headers = {}) => {
  const request = delivery({ event, body, deliveryId, secret: testSecret });
  return rawRequest(served.hook, { ...request, headers: { ...request.headers, ...headers } });
};

/** A promise to hold a dispatch open until the test lets it go. */
function gate() {
  const { promise, resolve } = Promise.withResolvers<void>();
  return { wait: () => promise, open: () => resolve() };
}

/** Waits until `check` holds, asking every few milliseconds (a hang guard, not a measure). */
async function until(check: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 2000; i++) {
    if (check()) return;
    await sleep(5);
  }
  throw new Error(`timed out waiting for ${what}`);
}

let current: Served | undefined;
async function serve(options: Parameters<typeof serveInProcess>[0] = {}): Promise<Served> {
  current = await serveInProcess(options);
  return current;
}
afterEach(async () => {
  await current?.server.stop(1000);
  current = undefined;
});

describe('deliveries', () => {
  it('refuses to be created without a webhook secret', () => {
    const { logger } = captureLogs();
    const options = { logger, metrics: createMetrics(), dispatch: async () => ({ started: [] }) };
    expect(() => createWebhookHandler({ ...options, secrets: [] })).toThrow(/no webhook secret/);
    expect(() => createWebhookHandler({ ...options, secrets: [''] })).toThrow(/no webhook secret/);
    expect(() => createWebhookHandler({ ...options, secrets: () => sharedSecrets([]) })).toThrow(
      /no webhook secret/,
    );
  });

  it('ping -> 200 pong, nothing dispatched', async () => {
    const served = await serve();
    const res = await send(served, 'ping', octokitExample('ping'), 'ping-1');
    expect(res.status).toBe(200);
    expect(res.json()).toMatchObject({ status: 'pong', deliveryId: 'ping-1' });
    expect(served.calls).toHaveLength(0);
  });

  it('an event we do not handle -> 202 with the reason, nothing dispatched', async () => {
    const served = await serve();
    const star = await send(served, 'star', octokitExample('star', 'created'), 'star-1');
    expect(star.status).toBe(202);
    expect(star.json()).toMatchObject({ status: 'ignored', reason: 'github star' });
    const assigned = await send(served, 'pull_request', octokitExample('pull_request', 'assigned'), 'pr-a');
    expect(assigned.status).toBe(202);
    expect(assigned.json()).toMatchObject({ status: 'ignored', reason: 'github pull_request assigned' });
    expect(served.calls).toHaveLength(0);
  });

  it('an event -> dispatched once with the normalised event; 200 with what started', async () => {
    const served = await serve({ respond: async () => ({ started: ['unit', 'lint'], skipped: [] }) });
    const res = await send(served, 'pull_request', opened, 'pr-1');
    expect(res.status, res.text).toBe(200);
    expect(res.json()).toMatchObject({ status: 'done', started: ['unit', 'lint'], deliveryId: 'pr-1' });
    expect(served.calls).toHaveLength(1);
    expect(served.calls[0]?.event).toMatchObject({
      type: 'pull_request',
      action: 'opened',
      provider: 'github',
      deliveryId: 'pr-1',
      repo: { owner: 'Codertocat', name: 'Hello-World' },
    });
  });

  it('checks a repository with a secret of its own against that secret only', async () => {
    const repository = JSON.parse(push.toString('utf8')).repository;
    const own = `${repository.owner.login}/${repository.name}`;
    const secrets = parseScopedSecrets(`'*': [${testSecret}]\n${own}: [repo-secret]`, 'secrets.yaml');
    const served = await serve({ secrets: () => secrets });
    const signedWith = (secret: string, deliveryId: string, body = push) =>
      rawRequest(served.hook, delivery({ event: 'push', body, deliveryId, secret }));
    expect((await signedWith('repo-secret', 'scoped-1')).status).toBe(200);
    const shared = await signedWith(testSecret, 'scoped-2');
    expect(shared.status).toBe(401);
    const other = Buffer.from(
      JSON.stringify({ ...JSON.parse(push.toString()), repository: { ...repository, name: 'other' } }),
    );
    expect((await signedWith(testSecret, 'scoped-3', other)).status).toBe(200);
    expect(served.calls.map((call) => call.event.deliveryId)).toEqual(['scoped-1', 'scoped-3']);
  });

  it('refuses a repository no secret covers, naming it, whichever secret signed it', async () => {
    const secrets = parseScopedSecrets('someone-else: [their-secret]', 'secrets.yaml');
    const served = await serve({ secrets: () => secrets });
    const theirs = delivery({ event: 'push', body: push, deliveryId: 'unscoped-1', secret: 'their-secret' });
    for (const response of [
      await rawRequest(served.hook, theirs),
      await send(served, 'push', push, 'unscoped-2'),
    ]) {
      expect(response.status).toBe(401);
      expect(response.text).toMatch(/no webhook secret configured for Codertocat\/Hello-World/);
    }
    expect(served.calls).toHaveLength(0);
  });

  it('accepts any secret of a rotation, read anew on every delivery', async () => {
    let secrets = ['old-secret', testSecret];
    const served = await serve({ secrets: () => sharedSecrets(secrets) });
    expect((await send(served, 'push', push, 'rot-1')).status).toBe(200);
    secrets = ['new-secret'];
    expect((await send(served, 'push', push, 'rot-2')).status).toBe(401);
    expect(served.calls).toHaveLength(1);
  });
});

describe('dedupe by what the event is', () => {
  it('the same delivery twice -> dispatched once; the repeat answers 200 duplicate', async () => {
    const served = await serve();
    expect((await send(served, 'push', push, 'dup-1')).json()).toMatchObject({ status: 'done' });
    const again = await send(served, 'push', push, 'dup-1');
    expect(again.status).toBe(200);
    expect(again.json()).toMatchObject({ status: 'duplicate', deliveryId: 'dup-1' });
    expect(served.calls).toHaveLength(1);
  });

  it("the same signed body under a new delivery id (a replay, Gitea's redelivery) is a duplicate too", async () => {
    const served = await serve();
    expect((await send(served, 'push', push, 'dup-1')).json()).toMatchObject({ status: 'done' });
    const replayed = await send(served, 'push', push, 'another-id');
    expect(replayed.json()).toMatchObject({ status: 'duplicate', deliveryId: 'another-id' });
    expect(served.calls).toHaveLength(1);
  });

  it('two identical deliveries at once -> dispatched once; the second waits for the first', async () => {
    const held = gate();
    const served = await serve({
      respond: async () => {
        await held.wait();
        return { started: ['unit'] };
      },
    });
    const first = send(served, 'pull_request', opened, 'same-time');
    await until(() => served.calls.length === 1, 'the first dispatch');
    const second = send(served, 'pull_request', opened, 'same-time');
    await served.logs.waitFor((line) => /already being dispatched/.test(line.msg), 'the second joining');
    held.open();
    const answers = await Promise.all([first, second]);
    expect(answers.map((res) => res.status)).toEqual([200, 200]);
    expect(answers.map((res) => res.json().status)).toEqual(['done', 'duplicate']);
    expect(answers[1]?.json()).toMatchObject({ started: ['unit'] });
    expect(served.calls).toHaveLength(1);
  });

  it('forgets deliveries after the window', async () => {
    const served = await serve({ dedupeWindowMs: 50 });
    await send(served, 'push', push, 'window-1');
    await sleep(100);
    expect((await send(served, 'push', push, 'window-1')).json()).toMatchObject({ status: 'done' });
    expect(served.calls).toHaveLength(2);
  });
});

describe('the answer budget', () => {
  it('a dispatch slower than the budget -> 202; it finishes in the background, its outcome logged', async () => {
    const held = gate();
    const served = await serve({
      budgetMs: 150,
      respond: async () => {
        await held.wait();
        return { started: ['slow-job'] };
      },
    });
    const res = await send(served, 'push', push, 'slow-1');
    expect(res.status).toBe(202);
    expect(res.json()).toMatchObject({ status: 'accepted', reason: expect.stringMatching(/150 ms/) });
    expect(served.logs.lines.some((line) => line.msg === 'dispatched')).toBe(false);

    // A redelivery while it still runs joins it: not dispatched again, and also 202 past its budget.
    expect((await send(served, 'push', push, 'slow-1')).status).toBe(202);
    held.open();
    const done = await served.logs.waitFor((line) => line.msg === 'dispatched', 'the outcome');
    expect(done).toMatchObject({ deliveryId: 'slow-1', started: ['slow-job'] });
    await served.handler.drained();
    expect((await send(served, 'push', push, 'slow-1')).json()).toMatchObject({ status: 'duplicate' });
    expect(served.calls).toHaveLength(1);
  });

  it('a background dispatch that fails for a reason that may pass is tried again until it succeeds, with no redelivery', async () => {
    const held = gate();
    let failures = 2;
    const served = await serve({
      budgetMs: 100,
      retry: { firstDelayMs: 10 },
      respond: async () => {
        await held.wait();
        if (failures-- > 0) throw new UnavailableError('the runner is away');
        return { started: ['unit'] };
      },
    });
    expect((await send(served, 'push', push, 'late-fail')).status).toBe(202);
    held.open();
    await served.handler.drained();
    expect(served.calls).toHaveLength(3);
    const retried = served.logs.lines.filter((line) => line.msg === 'dispatch failed; trying again');
    expect(retried.map((line) => line.deliveryId)).toEqual(['late-fail', 'late-fail']);
    expect(served.logs.lines.find((line) => line.msg === 'dispatched')).toMatchObject({ started: ['unit'] });
    // Remembered as done: a redelivery starts nothing.
    expect((await send(served, 'push', push, 'late-fail')).json()).toMatchObject({ status: 'duplicate' });
    const metrics = (await rawRequest(`${served.url}/metrics`)).text;
    expect(sample(metrics, 'lighthouse_dispatch_retries_total')).toBe(2);
    expect(sample(metrics, 'lighthouse_dispatch_errors_total', { type: 'UnavailableError' }) ?? 0).toBe(0);
  });
});

describe('dispatch failures', () => {
  it('a dispatch failing for a reason that may pass is tried again within the answer: 200 once it succeeds', async () => {
    let failures = 2;
    const served = await serve({
      retry: { firstDelayMs: 10 },
      respond: async () => {
        if (failures-- > 0) throw new UnavailableError('Kubernetes unreachable: ECONNREFUSED');
        return { started: ['unit'] };
      },
    });
    const res = await send(served, 'pull_request', opened, 'outage-1');
    expect(res.status).toBe(200);
    expect(res.json()).toMatchObject({ status: 'done', started: ['unit'] });
    expect(served.calls).toHaveLength(3);
  });

  it('a dispatch waiting to be tried again gives up on shutdown, so the drain does not wait for it', async () => {
    const served = await serve({
      budgetMs: 100,
      retry: { firstDelayMs: 600_000 },
      respond: async () => {
        throw new UnavailableError('the runner is away');
      },
    });
    expect((await send(served, 'push', push, 'waiting-1')).status).toBe(202);
    expect(await served.server.stop(5000)).toBe('drained');
    expect(served.calls).toHaveLength(1);
    const failed = served.logs.lines.find((line) => line.msg === 'dispatch failed');
    expect(failed).toMatchObject({ deliveryId: 'waiting-1', errorType: 'UnavailableError' });
  });

  it('a dispatch that still fails when it may be tried no longer -> 503 with the reason; a redelivery dispatches again', async () => {
    let failures = 3;
    const served = await serve({
      retry: { firstDelayMs: 10, forMs: 30 },
      respond: async () => {
        if (failures-- > 0) throw new UnavailableError('Kubernetes unreachable: ECONNREFUSED');
        return { started: ['unit'] };
      },
    });
    const res = await send(served, 'pull_request', opened, 'fail-1');
    expect(res.status).toBe(503);
    expect(res.headers['content-type']).toBe('application/problem+json');
    expect(res.json()).toMatchObject({
      type: 'urn:lighthouse-ts:problem:dispatch-failed',
      status: 503,
      detail: 'could not start the jobs: Kubernetes unreachable: ECONNREFUSED',
      errorType: 'UnavailableError',
      retryable: true,
      deliveryId: 'fail-1',
    });
    failures = 0;
    const retry = await send(served, 'pull_request', opened, 'fail-1');
    expect(retry.status).toBe(200);
    expect(retry.json()).toMatchObject({ status: 'done', started: ['unit'] });

    const metrics = (await rawRequest(`${served.url}/metrics`)).text;
    expect(sample(metrics, 'lighthouse_dispatch_errors_total', { type: 'UnavailableError' })).toBe(1);
  });

  it('a MetaPipelineError is 503 when retryable, 202 with the reason when not; any other error is a bug: 500 without details', async () => {
    let error: Error = new UnavailableError('the runner did not answer');
    const served = await serve({
      retry: { forMs: 0 },
      respond: async () => {
        throw error;
      },
    });
    const outage = await send(served, 'push', push, 'outage');
    expect(outage.status).toBe(503);
    expect(outage.json()).toMatchObject({ errorType: 'UnavailableError', retryable: true });

    error = new KeyConflictError('key reused');
    const conflict = await send(served, 'push', push, 'conflict');
    expect(conflict.status).toBe(202);
    expect(conflict.json()).toMatchObject({ status: 'failed', errorType: 'KeyConflictError' });

    // Another conflict is a race lost against another writer, which a later attempt may win.
    error = new ConflictError('the build number changed underneath');
    expect((await send(served, 'push', push, 'race')).status).toBe(503);

    // A plain MetaPipelineError is an unexpected failure on the way (the runner's 500), not a refusal.
    error = new MetaPipelineError('internal error; see the runner log');
    expect((await send(served, 'push', push, 'runner-500')).status).toBe(503);

    error = new TypeError("Cannot read properties of undefined (reading 'sha')");
    const bug = await send(served, 'push', push, 'bug');
    expect(bug.status).toBe(500);
    expect(bug.json().detail).not.toMatch(/sha/);
    const logged = served.logs.lines.find(
      (line) => line.msg === 'dispatch failed' && line.deliveryId === 'bug',
    );
    expect(logged).toMatchObject({ errorType: 'unexpected', err: { message: expect.stringMatching(/sha/) } });
    // Still up.
    expect((await rawRequest(`${served.url}/healthz`)).status).toBe(200);
  });

  it('a permanent plugin error is 202 with the reason, logged and counted; a retryable one is 503', async () => {
    let error: Error = new MissingFactError('no github API token is configured');
    const served = await serve({
      retry: { forMs: 0 },
      respond: async () => {
        throw error;
      },
    });
    const permanent = await send(served, 'push', push, 'no-token');
    expect(permanent.status).toBe(202);
    expect(permanent.json()).toMatchObject({
      status: 'failed',
      errorType: 'MissingFactError',
      reason: 'the jobs cannot start until the configuration changes: no github API token is configured',
    });
    const logged = await served.logs.waitFor(
      (line) => line.msg === 'dispatch failed' && line.deliveryId === 'no-token',
      'the failure logged',
    );
    expect(logged).toMatchObject({ level: 50, errorType: 'MissingFactError' });
    const metrics = (await rawRequest(`${served.url}/metrics`)).text;
    expect(sample(metrics, 'lighthouse_dispatch_errors_total', { type: 'MissingFactError' })).toBe(1);

    error = new RetryableError('GET https://api.github.com/...: HTTP 502');
    const outage = await send(served, 'push', push, 'outage');
    expect(outage.status).toBe(503);
    expect(outage.json()).toMatchObject({ errorType: 'RetryableError', retryable: true });
    // Neither is remembered as done: a redelivery tries again.
    error = new PermanentError('still no token');
    expect((await send(served, 'push', push, 'no-token')).status).toBe(202);
    expect(served.calls.map((call) => call.event.deliveryId)).toEqual(['no-token', 'outage', 'no-token']);
  });
});

describe('logs and traces', () => {
  it('every line from receipt to dispatch carries the delivery id and the sender trace id', async () => {
    const served = await serve({
      respond: async (_event, { log }) => {
        log.info('deciding');
        return { started: ['unit'] };
      },
    });
    const traceId = '4bf92f3577b34da6a3ce929d0e0e4736';
    const traceparent = `00-${traceId}-00f067aa0ba902b7-01`;
    expect((await send(served, 'pull_request', opened, 'traced', { traceparent })).status).toBe(200);
    // Logged when the response closes on the server's side, which may be after the client has it.
    await served.logs.waitFor(
      (line) => line.deliveryId === 'traced' && line.msg === 'delivery answered',
      'the answer logged',
    );

    const lines = served.logs.lines.filter((line) => line.deliveryId === 'traced');
    expect(lines.map((line) => line.msg)).toEqual([
      'delivery received',
      'dispatching',
      'deciding',
      'dispatched',
      'delivery answered',
    ]);
    for (const line of lines) expect(line).toMatchObject({ traceId, provider: 'github' });
    // The trace goes on to the dispatch (for the runner) with a span of lighthouse's as parent.
    const sent = served.calls[0]?.context.traceparent;
    expect(sent).toMatch(new RegExp(`^00-${traceId}-[0-9a-f]{16}-01$`));
    expect(sent).not.toBe(traceparent);
  });

  it('starts a new trace when the sender sends none (or an invalid one)', async () => {
    const served = await serve();
    await send(served, 'push', push, 'untraced-1');
    await send(served, 'push', push, 'untraced-2', {
      traceparent: `00-${'0'.repeat(32)}-00f067aa0ba902b7-01`,
    });
    const traceIds = ['untraced-1', 'untraced-2'].map((id) => {
      const ids = new Set(
        served.logs.lines.filter((line) => line.deliveryId === id).map((line) => line.traceId),
      );
      expect(ids.size).toBe(1);
      return [...ids][0];
    });
    for (const traceId of traceIds) expect(traceId).toMatch(/^[0-9a-f]{32}$/);
    expect(traceIds[0]).not.toBe(traceIds[1]);
    expect(served.calls[0]?.context.traceparent).toContain(String(traceIds[0]));
  });

  it('a refused delivery is logged with the delivery id it claimed, the status and the reason', async () => {
    const served = await serve();
    const request = delivery({ event: 'push', body: push, deliveryId: 'forged', secret: 'wrong' });
    expect((await rawRequest(served.hook, request)).status).toBe(401);
    const answered = await served.logs.waitFor((line) => line.msg === 'delivery answered', 'the answer');
    expect(answered).toMatchObject({
      deliveryId: 'forged',
      traceId: expect.stringMatching(/^[0-9a-f]{32}$/),
      status: 401,
      outcome: 'refused',
      reason: expect.stringMatching(/does not match/),
    });
  });
});

describe('metrics', () => {
  it('counts deliveries by provider, event and code, and times them', async () => {
    const served = await serve();
    await send(served, 'push', push, 'm-1');
    await send(served, 'push', push, 'm-1');
    await send(served, 'pull_request', opened, 'm-2');
    await send(served, 'star', octokitExample('star', 'created'), 'm-3');
    await send(served, 'ping', octokitExample('ping'), 'm-4');
    const res = await rawRequest(`${served.url}/metrics`);
    expect(res.headers['content-type']).toMatch(/^text\/plain/);
    const text = res.text;
    const deliveries = (event: string, code: string) =>
      sample(text, 'lighthouse_webhook_deliveries_total', { provider: 'github', event, code });
    expect(deliveries('push', '200')).toBe(2);
    expect(deliveries('pull_request', '200')).toBe(1);
    // An event lighthouse does not read is counted as `other`: a header cannot add labels.
    expect(deliveries('other', '202')).toBe(1);
    expect(deliveries('star', '202')).toBeUndefined();
    expect(deliveries('ping', '200')).toBe(1);
    expect(sample(text, 'lighthouse_webhook_duplicates_total', { provider: 'github' })).toBe(1);
    expect(sample(text, 'lighthouse_webhook_duration_seconds_count', { provider: 'github' })).toBe(5);
    expect(sample(text, 'lighthouse_dispatch_duration_seconds_count', { outcome: 'ok' })).toBe(2);
    expect(sample(text, 'lighthouse_dispatches_in_flight')).toBe(0);
    // Counters the trigger and the config loader increment, and the process's own.
    served.metrics.jobsStarted.inc({ repo: 'Codertocat/Hello-World', job: 'unit' });
    served.metrics.configReloadFailures.inc();
    const after = (await rawRequest(`${served.url}/metrics`)).text;
    expect(
      sample(after, 'lighthouse_jobs_started_total', { repo: 'Codertocat/Hello-World', job: 'unit' }),
    ).toBe(1);
    expect(sample(after, 'lighthouse_config_reload_failures_total')).toBe(1);
    expect(sample(after, 'lighthouse_config_reloads_total')).toBe(0);
    expect(after).toContain('process_resident_memory_bytes');
  });
});

describe('readiness and drain', () => {
  it('/readyz follows the readiness check, and turns false on shutdown', async () => {
    let ready = false;
    const served = await serve({
      readiness: () => (ready ? { ready: true } : { ready: false, reason: 'no config yet' }),
    });
    const notYet = await rawRequest(`${served.url}/readyz`);
    expect(notYet.status).toBe(503);
    expect(notYet.json().detail).toBe('not ready: no config yet');
    ready = true;
    expect((await rawRequest(`${served.url}/readyz`)).status).toBe(200);
    served.handler.shutdown();
    expect((await rawRequest(`${served.url}/readyz`)).json()).toMatchObject({
      status: 503,
      detail: 'not ready: shutting down',
    });
    expect((await rawRequest(`${served.url}/healthz`)).status).toBe(200);
  });

  it('stop() waits for a dispatch answered with 202 before it resolves', async () => {
    const held = gate();
    const served = await serve({
      budgetMs: 50,
      respond: async () => {
        await held.wait();
        return { started: ['unit'] };
      },
    });
    expect((await send(served, 'push', push, 'drain-1')).status).toBe(202);
    let stopped = false;
    const stopping = served.server.stop(10_000).then((ended) => {
      stopped = true;
      return ended;
    });
    await sleep(100);
    expect(stopped).toBe(false);
    held.open();
    expect(await stopping).toBe('drained');
    expect(served.logs.lines.find((line) => line.msg === 'dispatched')).toMatchObject({
      deliveryId: 'drain-1',
    });
  });

  it('past the grace period the dispatch is aborted through its signal', async () => {
    const served = await serve({
      budgetMs: 50,
      respond: async (_event, { signal }) => {
        await new Promise((_resolve, reject) =>
          signal.addEventListener('abort', () => reject(signal.reason)),
        );
        return { started: [] };
      },
    });
    expect((await send(served, 'push', push, 'cut-1')).status).toBe(202);
    expect(await served.server.stop(100)).toBe('cut');
    await served.handler.drained();
    expect(served.logs.lines.find((line) => line.msg === 'dispatch failed')).toMatchObject({
      deliveryId: 'cut-1',
      err: { message: 'grace period over' },
    });
  });
});

describe('external plugins', () => {
  it('get a new verified event with its first dispatch attempt and an ignored one at once; no ping, duplicate or refused delivery', async () => {
    const forwarded: Array<{ delivery: VerifiedDelivery; after: Promise<unknown> | undefined }> = [];
    const held = gate();
    let attempts = 0;
    const served = await serve({
      retry: { firstDelayMs: 10 },
      externalPlugins: { forward: (delivery, after) => forwarded.push({ delivery, after }) },
      respond: async () => {
        if (++attempts === 1) throw new UnavailableError('Kubernetes unreachable: ECONNREFUSED');
        await held.wait();
        return { started: ['unit'] };
      },
    });
    let answered = false;
    const first = send(served, 'push', push, 'fwd-1').then((res) => {
      answered = true;
      return res;
    });
    await until(() => forwarded.length === 1, 'the event forwarded');
    // Settled with the failed first attempt, while the retry is held and the delivery unanswered.
    await forwarded[0]?.after;
    expect(answered).toBe(false);
    held.open();
    expect((await first).json()).toMatchObject({ status: 'done' });

    expect((await send(served, 'push', push, 'fwd-1')).json()).toMatchObject({ status: 'duplicate' });
    expect((await send(served, 'ping', octokitExample('ping'), 'fwd-ping')).status).toBe(200);
    const refused = delivery({ event: 'push', body: push, deliveryId: 'fwd-bad', secret: 'not-the-secret' });
    expect((await rawRequest(served.hook, refused)).status).toBe(401);
    const star = octokitExample('star', 'created');
    expect((await send(served, 'star', star, 'fwd-star')).status).toBe(202);

    expect(
      forwarded.map(({ delivery: { provider, event, deliveryId, repository }, after }) => ({
        provider,
        event,
        deliveryId,
        repository,
        withAfter: after !== undefined,
      })),
    ).toEqual([
      {
        provider: 'github',
        event: 'push',
        deliveryId: 'fwd-1',
        repository: 'Codertocat/Hello-World',
        withAfter: true,
      },
      { provider: 'github', event: 'star', deliveryId: 'fwd-star', repository: undefined, withAfter: false },
    ]);
    expect(forwarded.map(({ delivery: { body } }) => body)).toEqual([push, star]);
  });
});

it('a delivery id means nothing across providers: the same id from GitLab is another event', async () => {
  const served = await serve();
  const gitlabPush = goScmPayloads(inject('fixturesDir')).find(
    (payload) => payload.provider === 'gitlab' && payload.event === 'Push Hook',
  );
  if (!gitlabPush) throw new Error('no GitLab push in the go-scm fixtures');
  await send(served, 'push', push, 'shared-id');
  const request = delivery({ ...gitlabPush, deliveryId: 'shared-id', secret: testSecret });
  expect((await rawRequest(served.hook, request)).json()).toMatchObject({ status: 'done' });
  expect(served.calls.map((call) => call.event.provider)).toEqual(['github', 'gitlab']);
});
