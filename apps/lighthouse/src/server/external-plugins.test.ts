import { readFileSync } from 'node:fs';
import { createServer, type IncomingHttpHeaders, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import type { ExternalPlugin } from '@lighthouse-ts/config';
import { goScmHook, sharedSecrets, verifySha256Signature } from '@lighthouse-ts/scm/webhooks';
import { afterEach, beforeEach, describe, expect, inject, it } from 'vitest';
import { type CapturedLogs, captureLogs } from '../../test/logs.ts';
import {
  createExternalPlugins,
  type ExternalPlugins,
  type ExternalPluginsOptions,
  unbuiltExternalPluginEvents,
  type VerifiedDelivery,
} from './external-plugins.ts';
import { createMetrics, type Metrics } from './metrics.ts';

const secret = 'plugin-secret';

interface Received {
  path: string;
  method: string;
  headers: IncomingHttpHeaders;
  body: string;
  /** Whether X-Lighthouse-Signature is the HMAC of the body with the secret. */
  signed: boolean;
}

/** A plugin endpoint that records every request and answers as `answer` says (it may never answer). */
async function startPluginServer(answer: (request: Received, res: ServerResponse) => void) {
  const received: Received[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      const signature = req.headers['x-lighthouse-signature'];
      const request = {
        path: req.url ?? '',
        method: req.method ?? '',
        headers: req.headers,
        body,
        signed: typeof signature === 'string' && verifySha256Signature(body, secret, signature),
      };
      received.push(request);
      answer(request, res);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const stop = () =>
    new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    });
  return { url, received, stop };
}

const ok = (_: Received, res: ServerResponse) => res.writeHead(200).end('ok');

const fixture = (file: string) =>
  readFileSync(join(inject('fixturesDir'), 'go-scm', 'github', 'testdata', 'webhooks', file));

// Repositories: pr_opened.json is bradrydzewski/drone-test-go; push.json and issue_comment.json are
// Codertocat/Hello-World.
const deliveries = {
  pullRequest: {
    provider: 'github',
    event: 'pull_request',
    deliveryId: 'd-pr',
    body: fixture('pr_opened.json'),
  },
  push: { provider: 'github', event: 'push', deliveryId: 'd-push', body: fixture('push.json') },
  comment: {
    provider: 'github',
    event: 'issue_comment',
    deliveryId: 'd-comment',
    body: fixture('issue_comment.json'),
  },
} satisfies Record<string, VerifiedDelivery>;

const plugin = (name: string, endpoint: string, events: string[] = []): ExternalPlugin => ({
  name,
  endpoint,
  events,
});

/** Lets the immediates queued so far run: `forward` builds its requests in one. */
const nextTurn = () => new Promise((resolve) => setImmediate(resolve));

/** Waits until `check` holds, asking every few milliseconds (a hang guard, not a measure). */
async function until(check: () => boolean | Promise<boolean>, what: string): Promise<void> {
  for (let i = 0; i < 2000; i++) {
    if (await check()) return;
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
  throw new Error(`timed out waiting for ${what}`);
}

describe('external plugins', () => {
  let metrics: Metrics;
  let logs: CapturedLogs;
  let plugins: ExternalPlugins | undefined;
  let servers: Array<{ stop(): Promise<void> }>;

  beforeEach(() => {
    metrics = createMetrics();
    logs = captureLogs();
    servers = [];
  });
  afterEach(async () => {
    await plugins?.close(0);
    await Promise.all(servers.map((server) => server.stop()));
  });

  /** The count for a plugin and an outcome or reason, or for all of them without a plugin. */
  async function counted(
    counter: 'externalPluginDrops' | 'externalPluginSends',
    what: string,
    name?: string,
  ): Promise<number> {
    const { values } = await metrics[counter].get();
    return values
      .filter(({ labels }) => Object.values(labels).includes(what))
      .filter(({ labels }) => name === undefined || labels.plugin === name)
      .reduce((sum, { value }) => sum + value, 0);
  }

  async function pluginServer(answer: (request: Received, res: ServerResponse) => void = ok) {
    const server = await startPluginServer(answer);
    servers.push(server);
    return server;
  }

  type Limits = Omit<ExternalPluginsOptions, 'config' | 'secrets' | 'logger' | 'metrics'>;

  function start(
    externalPlugins: Map<string, ExternalPlugin[]>,
    options: Limits & { secrets?: string[] } = {},
  ) {
    const { secrets = [secret], ...rest } = options;
    plugins = createExternalPlugins({
      config: () => ({ externalPlugins }),
      secrets: () => sharedSecrets(secrets),
      logger: logs.logger,
      metrics,
      firstRetryDelayMs: 5,
      ...rest,
    });
    return plugins;
  }

  it("sends the subscribed events, signed, as go-scm's hook JSON, to org and org/repo entries", async () => {
    const server = await pluginServer();
    const sender = start(
      new Map([
        [
          'Codertocat',
          [plugin('all', `${server.url}/all`), plugin('pushes', `${server.url}/pushes`, ['push'])],
        ],
        ['Codertocat/Hello-World', [plugin('comments', `${server.url}/comments`, ['issue_comments'])]],
        ['Codertocat/Other', [plugin('other-repo', `${server.url}/other`)]],
        ['bradrydzewski/drone-test-go', [plugin('prs', `${server.url}/prs?token=t0ken`, ['pull_request'])]],
      ]),
    );
    for (const delivery of Object.values(deliveries)) sender.forward(delivery);
    await until(async () => (await counted('externalPluginSends', 'delivered')) === 5, 'five sent');

    const byPath = (path: string) => server.received.filter((each) => each.path === path);
    expect(
      byPath('/all')
        .map((each) => each.headers['x-lighthouse-webhook-kind'])
        .sort(),
    ).toEqual(['issue_comment', 'push']);
    expect(byPath('/pushes').map((each) => each.headers['x-lighthouse-webhook-kind'])).toEqual(['push']);
    expect(byPath('/comments').map((each) => each.headers['x-lighthouse-webhook-kind'])).toEqual([
      'issue_comment',
    ]);
    expect(byPath('/prs?token=t0ken').map((each) => each.headers['x-lighthouse-webhook-kind'])).toEqual([
      'pull_request',
    ]);
    expect(byPath('/other')).toEqual([]);

    const [pr] = byPath('/prs?token=t0ken');
    expect(pr).toMatchObject({ method: 'POST', signed: true });
    expect(pr?.headers).toMatchObject({
      'user-agent': 'LighthouseHook',
      'x-lighthouse-payload-type': 'webhook',
      'content-type': 'application/json',
    });
    const expected = goScmHook({
      ...deliveries.pullRequest,
      payload: JSON.parse(deliveries.pullRequest.body.toString()),
    });
    expect(JSON.parse(pr?.body ?? '')).toEqual(expected?.hook);
    expect(server.received.every((each) => each.signed)).toBe(true);
    expect(await counted('externalPluginSends', 'delivered', 'all')).toBe(2);

    // Logs name the plugin and the endpoint's origin and path, never its query.
    const sent = logs.lines.filter((line) => line.msg === 'event sent to external plugin');
    expect(sent.find((line) => line.externalPlugin === 'prs')).toMatchObject({
      endpoint: `${server.url}/prs`,
    });
    expect(JSON.stringify(logs.lines)).not.toContain('t0ken');
  });

  it('holds a place in the queue while the first dispatch attempt runs, and sends once it settles, even failed', async () => {
    let settled = false;
    const settledWhenReceived: boolean[] = [];
    const server = await pluginServer((request, res) => {
      settledWhenReceived.push(settled);
      ok(request, res);
    });
    const sender = start(new Map([['Codertocat', [plugin('all', server.url)]]]), {
      maxWaitingPerEndpoint: 1,
    });
    const dispatch = Promise.withResolvers<never>();
    sender.forward(deliveries.push, dispatch.promise);
    sender.forward(deliveries.comment);
    expect(await counted('externalPluginDrops', 'queue_full', 'all')).toBe(1);

    settled = true;
    dispatch.reject(new Error('dispatch failed'));
    await until(() => server.received.length === 1, 'the request');
    expect(settledWhenReceived).toEqual([true]);
    expect(server.received[0]?.headers['x-lighthouse-webhook-kind']).toBe('push');
  });

  it('tries a 5xx or 429 again with the same full body, a 4xx never, nor a Retry-After past its patience', async () => {
    const answers = [503, 429, 200];
    const flaky = await pluginServer((_, res) => res.writeHead(answers.shift() ?? 200).end());
    const refusing = await pluginServer((_, res) => res.writeHead(404).end('no such hook'));
    const later = await pluginServer((_, res) => res.writeHead(503, { 'Retry-After': '3600' }).end());
    start(
      new Map([
        [
          'Codertocat',
          [plugin('flaky', flaky.url), plugin('refusing', refusing.url), plugin('later', later.url)],
        ],
      ]),
    ).forward(deliveries.push);
    await until(
      async () =>
        (await counted('externalPluginSends', 'delivered')) +
          (await counted('externalPluginSends', 'failed')) ===
        3,
      'three outcomes',
    );

    expect(flaky.received).toHaveLength(3);
    const [first, ...again] = flaky.received;
    expect(first?.body.length).toBeGreaterThan(1000);
    for (const retry of again) {
      expect(retry.body).toBe(first?.body);
      expect(retry.signed).toBe(true);
    }
    expect(refusing.received).toHaveLength(1);
    expect(later.received).toHaveLength(1);
    const failures = logs.lines.filter((line) => line.msg === 'external plugin did not take the event');
    expect(failures.find((line) => line.externalPlugin === 'refusing')).toMatchObject({
      status: 404,
      attempts: 1,
    });
    expect(failures.find((line) => line.externalPlugin === 'later')).toMatchObject({
      status: 503,
      retryAfter: '3600',
      attempts: 1,
    });
    expect(await counted('externalPluginSends', 'delivered', 'flaky')).toBe(1);
    expect(await counted('externalPluginSends', 'failed', 'refusing')).toBe(1);
  });

  it('follows no redirect: the second server gets nothing, and it is failed, not tried again', async () => {
    const elsewhere = await pluginServer();
    const moving = await pluginServer((_, res) =>
      res.writeHead(307, { Location: `${elsewhere.url}/hook` }).end(),
    );
    start(new Map([['Codertocat', [plugin('moving', moving.url)]]])).forward(deliveries.push);
    await until(async () => (await counted('externalPluginSends', 'failed', 'moving')) === 1, 'the failure');
    expect(moving.received).toHaveLength(1);
    expect(elsewhere.received).toEqual([]);
  });

  it('tries a refused connection again, and logs why it failed', async () => {
    const gone = await startPluginServer(ok);
    await gone.stop();
    start(new Map([['Codertocat', [plugin('gone', gone.url)]]]), { retries: 2 }).forward(deliveries.push);
    await until(async () => (await counted('externalPluginSends', 'failed', 'gone')) === 1, 'the failure');
    expect(logs.lines.find((line) => line.msg === 'external plugin did not take the event')).toMatchObject({
      error: 'ECONNREFUSED',
      attempts: 3,
    });
  });

  it('gives up on an endpoint that does not answer within the timeout, after its retries', async () => {
    const silent = await pluginServer(() => {});
    start(new Map([['Codertocat', [plugin('silent', silent.url)]]]), { timeoutMs: 100, retries: 1 }).forward(
      deliveries.push,
    );
    await until(async () => (await counted('externalPluginSends', 'failed', 'silent')) === 1, 'the failure');
    expect(silent.received).toHaveLength(2);
    expect(logs.lines.find((line) => line.msg === 'external plugin did not take the event')).toMatchObject({
      error: 'timed out',
      attempts: 2,
    });
  });

  it('bounds each endpoint on its own: a dead one drops its own events and holds up no other', async () => {
    const dead = await pluginServer(() => {});
    const alive = await pluginServer();
    const sender = start(new Map([['Codertocat', [plugin('dead', dead.url), plugin('alive', alive.url)]]]), {
      maxConcurrent: 2,
      maxConcurrentPerEndpoint: 1,
      maxWaitingPerEndpoint: 2,
    });
    for (let round = 0; round < 5; round++) sender.forward(deliveries.push);
    // Places are taken when an event is forwarded: past the bound, it is dropped at once.
    expect(await counted('externalPluginDrops', 'queue_full', 'dead')).toBe(3);
    expect(await counted('externalPluginDrops', 'queue_full', 'alive')).toBe(3);

    await until(() => alive.received.length === 2, "the live endpoint's two");
    for (let round = 0; round < 2; round++) sender.forward(deliveries.comment);
    await until(() => alive.received.length === 4, 'two more for the live endpoint');
    expect(dead.received).toHaveLength(1);
  });

  it('on close, lets the sends in flight finish within the grace and takes no new event', async () => {
    const answer = Promise.withResolvers<void>();
    const slow = await pluginServer((_, res) => void answer.promise.then(() => res.writeHead(200).end()));
    const sender = start(new Map([['Codertocat', [plugin('slow', slow.url)]]]));
    sender.forward(deliveries.push);
    await until(() => slow.received.length === 1, 'the request in flight');

    const closed = sender.close(60_000);
    sender.forward(deliveries.comment);
    expect(await counted('externalPluginDrops', 'shutdown', 'slow')).toBe(1);
    answer.resolve();
    await closed;
    expect(await counted('externalPluginSends', 'delivered', 'slow')).toBe(1);
    expect(await counted('externalPluginDrops', 'shutdown', 'slow')).toBe(1);
  });

  it('past the grace, aborts the send in flight and drops those waiting, counting them', async () => {
    const silent = await pluginServer(() => {});
    const sender = start(new Map([['Codertocat', [plugin('silent', silent.url)]]]), {
      maxConcurrentPerEndpoint: 1,
    });
    sender.forward(deliveries.push);
    sender.forward(deliveries.comment);
    sender.forward(deliveries.push, new Promise(() => {}));
    await until(() => silent.received.length === 1, 'the request in flight');

    await sender.close(0);
    expect(await counted('externalPluginDrops', 'shutdown', 'silent')).toBe(3);
    expect(await counted('externalPluginSends', 'failed')).toBe(0);
  });

  it('sends nothing without a webhook secret to sign with, and says so once', async () => {
    const server = await pluginServer();
    const sender = start(new Map([['Codertocat', [plugin('all', server.url)]]]), { secrets: [] });
    sender.forward(deliveries.push);
    sender.forward(deliveries.comment);
    await nextTurn();
    expect(logs.lines.filter((line) => line.msg.startsWith('no webhook secret'))).toHaveLength(1);
    // Nothing is in flight or waiting to be aborted.
    await sender.close(0);
    expect(await counted('externalPluginDrops', 'shutdown')).toBe(0);
  });

  it('reads nothing when no plugin wants what the delivery can become, or go-scm does not build it', async () => {
    const server = await pluginServer();
    const sender = start(
      new Map([
        ['Codertocat', [plugin('pushes', server.url, ['push'])]],
        ['someone/else', [plugin('everything', server.url)]],
      ]),
    );
    const unreadable = Buffer.from('not JSON');
    sender.forward({ ...deliveries.push, event: 'fork', body: unreadable });
    sender.forward({ ...deliveries.comment, body: unreadable, repository: 'Codertocat/Hello-World' });
    sender.forward({
      provider: 'bitbucketserver',
      event: 'repo:refs_changed',
      deliveryId: 'd-bitbucket',
      body: unreadable,
    });
    await nextTurn();
    expect(logs.lines.filter((line) => line.msg === 'cannot build the event for external plugins')).toEqual(
      [],
    );
    await sender.close(0);
    expect(await counted('externalPluginDrops', 'shutdown')).toBe(0);
  });
});

describe('unbuiltExternalPluginEvents', () => {
  it('names the configured events and the providers no plugin ever gets an event of', () => {
    const config = {
      externalPlugins: new Map([
        ['org', [plugin('a', 'http://a', ['push', 'pull_requests', 'release', 'activity'])]],
        ['org/repo', [plugin('b', 'http://b', ['status', 'release'])]],
      ]),
    };
    expect(unbuiltExternalPluginEvents(config, ['github', 'gitea', 'bitbucketserver'])).toEqual({
      events: ['release', 'activity', 'status'],
      providers: ['bitbucketserver'],
    });
    expect(unbuiltExternalPluginEvents({ externalPlugins: new Map() }, ['bitbucketserver'])).toEqual({
      events: [],
      providers: [],
    });
  });
});
