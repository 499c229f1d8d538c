import { request } from 'node:http';
import { parseConfig, repoConfig } from '@lighthouse-ts/config';
import { type HttpServer, startHttpServer } from '@lighthouse-ts/http';
import {
  type MetaPipeline,
  type MetaPipelineClient,
  NotFoundError,
  UnavailableError,
} from '@lighthouse-ts/metapipeline-client';
import { enabledPlugins } from '@lighthouse-ts/plugins';
import { rawRequest } from '@lighthouse-ts/testenv/http';
import { afterEach, describe, expect, it } from 'vitest';
import { delivery, octokitExample } from '../../../../packages/scm/test/payloads.ts';
import { serveInProcess, testSecret } from '../../test/in-process.ts';
import { captureLogs } from '../../test/logs.ts';
import { RecentDeliveries } from './recent.ts';
import { createUiHandler, type UiHandler } from './server.ts';

const job: MetaPipeline = {
  ref: { namespace: 'jobs', name: 'lighthouse-0123456789abcdef' },
  idempotencyKey: 'github/acme/app/pull/7/opened/dd64c739/unit',
  kind: 'pullrequest',
  jobName: 'unit',
  context: 'unit',
  owner: 'acme',
  repo: 'app',
  branch: 'PR-7',
  buildNumber: 3,
  resources: [],
  phase: 'running',
  description: 'build PipelineRun lighthouse-0123456789abcdef-build created',
  createdAt: '2026-12-05T08:00:00Z',
  sha: 'dd64c739442d505cf5381e2a14b60968e8a0d86e',
  pullNumber: 7,
  links: { pull: 'https://github.com/acme/app/pull/7', repo: 'javascript:alert(1)' },
  startedAt: '2026-12-05T08:00:01Z',
  activityName: 'lighthouse-0123456789abcdef-build',
  stages: [{ name: 'build', status: 'running', steps: [{ name: 'compile', status: 'running' }] }],
};

/** Answers list and get from `jobs` (what a client says is proven by its contract suite, not here). */
function listingClient(
  jobs: () => MetaPipeline[],
  failing?: Error,
  listed: () => void = () => {},
): MetaPipelineClient {
  const refuse = async (): Promise<never> => {
    throw new Error('the web page only reads');
  };
  return {
    create: refuse,
    cancel: refuse,
    close: async () => {},
    list: async (filter) => {
      listed();
      if (failing) throw failing;
      return jobs().filter(
        (j) => (!filter.owner || j.owner === filter.owner) && (!filter.repo || j.repo === filter.repo),
      );
    },
    get: async (ref) => {
      if (failing) throw failing;
      const found = jobs().find((j) => j.ref.name === ref.name && j.ref.namespace === ref.namespace);
      if (!found) throw new NotFoundError(`no ${ref.name}`);
      return found;
    },
  };
}

const servers: { stop(graceMs: number): Promise<unknown> }[] = [];
const handlers: UiHandler[] = [];
afterEach(async () => {
  for (const handler of handlers.splice(0)) handler.shutdown();
  await Promise.all(servers.splice(0).map((server) => server.stop(1000)));
});

async function serveUi(
  options: { jobs?: () => MetaPipeline[]; failing?: Error; logUrl?: string; listed?: () => void } = {},
) {
  const recent = new RecentDeliveries({ size: 10 });
  const hook = await serveInProcess({ recent, respond: async () => ({ started: ['unit'], skipped: [] }) });
  servers.push(hook.server);
  const logs = captureLogs();
  const handler = createUiHandler({
    deliveries: recent,
    client: listingClient(options.jobs ?? (() => [job]), options.failing, options.listed),
    namespace: 'jobs',
    logger: logs.logger,
    jobsPollMs: 20,
    ...(options.logUrl ? { logUrl: options.logUrl } : {}),
    plugins: (owner, name) => enabledPlugins(repoConfig(pluginsConfig, owner, name)),
  });
  handlers.push(handler);
  const ui: HttpServer = await startHttpServer({ handler, logger: logs.logger, host: '127.0.0.1', port: 0 });
  servers.push(ui);
  return { recent, hook, ui: ui.url, handler };
}

const pluginsConfig = parseConfig(
  { configPath: 'config.yaml', pluginsPath: 'plugins.yaml' },
  { config: '{}\n', plugins: 'plugins:\n  acme: [trigger]\n  acme/group/app: [hold, blockade]\n' },
);
const opened = octokitExample('pull_request', 'opened');
const send = (hook: string, deliveryId: string, body = opened, event = 'pull_request') =>
  rawRequest(hook, delivery({ event, body, deliveryId, secret: testSecret }));

describe('the web page', () => {
  it('lists verified deliveries newest first, and refused ones apart, with what their headers claimed', async () => {
    const { hook, ui } = await serveUi();
    await send(hook.hook, 'first');
    await send(hook.hook, 'second', octokitExample('push'), 'push');
    await rawRequest(
      hook.hook,
      delivery({ event: 'push', body: opened, deliveryId: 'forged', secret: 'wrong' }),
    );
    const page = await rawRequest(`${ui}/deliveries`);
    expect(page.status).toBe(200);
    expect(page.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(page.headers['content-security-policy']).toContain("script-src 'self'");
    const [verified, refused] = page.text.split('Refused before verification');
    expect(verified?.indexOf('push to refs/heads/')).toBeLessThan(verified?.indexOf('PR #') ?? -1);
    expect(verified).toContain('dispatched: 1 started');
    expect(verified).not.toContain('forged');
    expect(refused).toContain('forged');
    expect(refused).toContain('401');
  });

  it("shows a delivery's decision and links to the jobs it started", async () => {
    const { hook, ui, recent } = await serveUi();
    await send(hook.hook, 'story-1');
    const story = recent.list()[0];
    if (!story) throw new Error('no story');
    // What the dispatch tells (here by hand: dispatch.test.ts proves the real one tells it).
    const handle = recent.add({
      receivedAt: story.receivedAt,
      provider: 'github',
      event: 'pull_request',
      summary: 'x',
    });
    handle.decided(
      {
        summary: 'PR #7 opened: 1 of 2 presubmits run',
        start: [],
        skip: [{ jobName: 'lint', context: 'lint', why: 'branch main does not match branches [release]' }],
        cancel: [],
        actions: [],
      },
      [{ plugin: 'approve', error: new Error('GitHub is unavailable: HTTP 503') }],
    );
    handle.consulted({ fact: 'isCollaborator', asked: 'acme, app, alice', answer: 'true' });
    handle.job({ job: 'unit', pipeline: { namespace: 'jobs', name: job.ref.name, buildNumber: 3 } });
    const page = await rawRequest(`${ui}/deliveries/${handle.seq}`);
    expect(page.text).toContain('branch main does not match branches [release]');
    expect(page.text).toContain('isCollaborator');
    expect(page.text).toContain('approve: <span class="mono">GitHub is unavailable: HTTP 503</span>');
    expect(page.text).toContain(`href="/jobs/jobs/${job.ref.name}"`);
    expect((await rawRequest(`${ui}/deliveries/999`)).status).toBe(404);
  });

  it('escapes whatever a sender says, and draws no link to a URL that is not http(s)', async () => {
    const { hook, ui } = await serveUi();
    const forged = delivery({
      event: 'push',
      body: opened,
      deliveryId: '<script>alert(1)</script>',
      secret: 'no',
    });
    expect((await rawRequest(hook.hook, forged)).status).toBe(401);
    const page = await rawRequest(`${ui}/deliveries`);
    expect(page.text).not.toContain('<script>alert(1)</script>');
    expect(page.text).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
    const jobPage = await rawRequest(`${ui}/jobs/jobs/${job.ref.name}`);
    expect(jobPage.text).not.toContain('javascript:');
    expect(jobPage.text).toContain('href="https://github.com/acme/app/pull/7"');
  });

  it('lists jobs filtered by repository and state, and shows one with its steps and its logs', async () => {
    const other = {
      ...job,
      ref: { ...job.ref, name: 'lighthouse-other' },
      repo: 'other',
      phase: 'succeeded' as const,
    };
    const { ui } = await serveUi({
      jobs: () => [job, other],
      logUrl: 'https://dashboard.example/#/namespaces/{namespace}/pipelineruns/{pipelineRun}',
    });
    const all = await rawRequest(`${ui}/jobs`);
    expect(all.text).toContain('acme/app');
    expect(all.text).toContain('acme/other');
    const running = await rawRequest(`${ui}/jobs?state=running`);
    expect(running.text).toContain('acme/app');
    expect(running.text).not.toContain('acme/other');
    const byRepo = await rawRequest(`${ui}/jobs?repo=acme/other`);
    expect(byRepo.text).not.toContain('>acme/app<');
    const page = await rawRequest(`${ui}/jobs/jobs/${job.ref.name}`);
    expect(page.text).toContain('compile: running');
    expect(page.text).toContain(
      'href="https://dashboard.example/#/namespaces/jobs/pipelineruns/lighthouse-0123456789abcdef-build"',
    );
    expect((await rawRequest(`${ui}/jobs/jobs/lighthouse-gone`)).status).toBe(404);
  });

  it('says when the jobs cannot be read (503), and keeps serving deliveries', async () => {
    const { ui } = await serveUi({ failing: new UnavailableError('the runner is away') });
    const page = await rawRequest(`${ui}/jobs`);
    expect(page.status).toBe(503);
    expect(page.text).toContain('the runner is away');
    expect((await rawRequest(`${ui}/deliveries`)).status).toBe(200);
  });

  it('tells a live page when deliveries change and when a job changes state', async () => {
    let phase: MetaPipeline['phase'] = 'running';
    const { promise: firstList, resolve: listed } = Promise.withResolvers<void>();
    const { hook, ui } = await serveUi({ jobs: () => [{ ...job, phase }], listed });
    const deliveries = await openEvents(`${ui}/events?topic=deliveries`);
    await send(hook.hook, 'live-1');
    await deliveries.next('deliveries');
    const jobs = await openEvents(`${ui}/events?topic=jobs`);
    // The first read is what a change is seen against.
    await firstList;
    phase = 'succeeded';
    await jobs.next('jobs');
    deliveries.close();
    jobs.close();
  });

  it('answers odd addresses without an error: 400 for one it cannot read, 404 for a job outside its namespace', async () => {
    const { ui } = await serveUi();
    expect((await rawRequest(`${ui}//`)).status).toBe(400);
    expect((await rawRequest(`${ui}/jobs/kube-system/${job.ref.name}`)).status).toBe(404);
    expect((await rawRequest(`${ui}/jobs/jobs/..`)).status).toBe(404);
    expect((await rawRequest(`${ui}/jobs/jobs/a.b`)).status).toBe(404);
    expect((await rawRequest(`${ui}/events?topic=secrets`)).status).toBe(400);
    expect((await rawRequest(`${ui}/deliveries/99999999999999999999`)).status).toBe(404);
  });

  it('ends its live pages on shutdown, and a change after it writes to none of them', async () => {
    const { hook, ui, handler } = await serveUi();
    const events = await openEvents(`${ui}/events?topic=deliveries`);
    handler.shutdown();
    await events.ended;
    // A delivery after shutdown would broadcast to the ended streams if they were still listed.
    await send(hook.hook, 'after-shutdown');
    expect((await rawRequest(`${ui}/events?topic=deliveries`)).status).toBe(503);
  });

  it("answers a repository's plugins and their commands as JSON, and 400 without one", async () => {
    const { ui } = await serveUi();
    const answer = await rawRequest(`${ui}/plugins.json?repo=acme/group/app`);
    expect(answer.status).toBe(200);
    expect(answer.headers['content-type']).toBe('application/json');
    const { repo, plugins } = JSON.parse(answer.text) as {
      repo: string;
      plugins: { name: string; built: boolean }[];
    };
    expect(repo).toBe('acme/group/app');
    expect(plugins.map(({ name, built }) => [name, built])).toEqual([
      ['hold', true],
      ['blockade', false],
    ]);
    for (const bad of ['', '?repo=acme', '?repo=/app', '?repo=acme/']) {
      expect((await rawRequest(`${ui}/plugins.json${bad}`)).status).toBe(400);
    }
  });

  it('refuses to change anything: GET and HEAD only', async () => {
    const { ui } = await serveUi();
    expect((await rawRequest(`${ui}/deliveries`, { method: 'POST', body: Buffer.from('x') })).status).toBe(
      405,
    );
  });
});

/** A server-sent events stream, read event by event. */
async function openEvents(url: string) {
  const { promise, resolve, reject } = Promise.withResolvers<import('node:http').IncomingMessage>();
  const req = request(url, { headers: { accept: 'text/event-stream' } }, resolve);
  req.on('error', reject);
  req.end();
  const res = await promise;
  expect(res.headers['content-type']).toBe('text/event-stream');
  res.setEncoding('utf8');
  let buffer = '';
  const waiters: (() => void)[] = [];
  res.on('data', (chunk: string) => {
    buffer += chunk;
    for (const wake of waiters.splice(0)) wake();
  });
  const ended = new Promise<void>((resolve) => res.on('end', resolve));
  return {
    /** Resolves once an event of this name has come (since the last one looked for). */
    async next(name: string): Promise<void> {
      for (;;) {
        const at = buffer.indexOf(`event: ${name}\n`);
        if (at >= 0) {
          buffer = buffer.slice(at + name.length + 8);
          return;
        }
        await new Promise<void>((wake) => waiters.push(wake));
      }
    },
    close: () => req.destroy(),
    ended,
  };
}
