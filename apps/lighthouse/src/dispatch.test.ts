import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { parseConfig } from '@lighthouse-ts/config';
import {
  ForbiddenError,
  type MetaPipelineClient,
  type MetaPipelineRequest,
} from '@lighthouse-ts/metapipeline-client';
import { factsFromProvider, inMemoryFacts, PermanentError, RetryableError } from '@lighthouse-ts/plugins';
import { githubApi, type PullRequestCommentEvent, type PullRequestEvent } from '@lighthouse-ts/scm';
import { afterEach, describe, expect, it } from 'vitest';
import { createDispatch, maxQueuedPerPull } from './dispatch.ts';
import { createMetrics } from './server/metrics.ts';
import { RecentDeliveries } from './ui/recent.ts';

// The trigger's writes to GitHub, through the real client, against a local server that answers as
// GitHub's REST API documents (collaborators, a pull request, its labels and comments) and records them.

const repo = { owner: 'org', name: 'repo', cloneUrl: 'https://github.com/org/repo.git' };
const headSha = 'cafe000000000000000000000000000000000001';
const opened: PullRequestEvent = {
  type: 'pull_request',
  provider: 'github',
  deliveryId: 'delivery-1',
  action: 'opened',
  repo,
  number: 7,
  title: 'Fix the widget',
  author: { id: '1', login: 'stranger' },
  draft: false,
  base: { ref: 'main', sha: 'ba5e000000000000000000000000000000000001' },
  head: { ref: 'fix', sha: headSha },
  labels: [],
  merged: false,
};
const okToTest: PullRequestCommentEvent = {
  type: 'pull_request_comment',
  provider: 'github',
  deliveryId: 'delivery-2',
  repo,
  number: 7,
  commentId: '1001',
  body: '/ok-to-test',
  author: { id: '2', login: 'maintainer' },
};

let server: Server | undefined;
afterEach(async () => {
  await new Promise((resolve) => server?.close(resolve));
});

/**
 * GitHub's REST API for one pull request by `stranger`, on which `maintainer` is a collaborator; the
 * routes in `down` answer 503.
 */
async function github() {
  const down = new Set<string>();
  const labels = new Set<string>();
  const comments: { id: number; body: string; user: { login: string } }[] = [];
  const writes: string[] = [];
  server = createServer((req, res) => {
    let text = '';
    req.on('data', (chunk) => {
      text += chunk;
    });
    req.on('end', () => {
      const body = text ? JSON.parse(text) : undefined;
      const route = `${req.method} ${req.url}`;
      const send = (status: number, answer?: unknown) => {
        res.writeHead(status, { 'content-type': 'application/json' });
        res.end(answer === undefined ? '' : JSON.stringify(answer));
      };
      if (req.method !== 'GET') writes.push(route);
      if (down.has(route)) return send(503, { message: 'Service Unavailable' });
      if (route === 'GET /user') return send(200, { login: 'lighthouse-bot' });
      if (route === 'GET /repos/org/repo/collaborators/maintainer') return send(204);
      if (route.startsWith('GET /repos/org/repo/collaborators/')) return send(404, { message: 'Not Found' });
      if (route.startsWith('GET /orgs/org/members/')) return send(404, { message: 'Not Found' });
      if (route === 'GET /repos/org/repo/pulls/7') {
        return send(200, {
          number: 7,
          state: 'open',
          draft: false,
          merged: false,
          user: { login: 'stranger' },
          labels: [...labels].map((name) => ({ name })),
          base: { ref: 'main', sha: opened.base.sha },
          head: { ref: 'fix', sha: headSha },
        });
      }
      if (route === 'POST /repos/org/repo/issues/7/labels') {
        for (const label of body.labels) labels.add(label);
        return send(
          200,
          [...labels].map((name) => ({ name })),
        );
      }
      const removed = /^DELETE \/repos\/org\/repo\/issues\/7\/labels\/(.+)$/.exec(route)?.[1];
      if (removed) {
        if (!labels.delete(decodeURIComponent(removed)))
          return send(404, { message: 'Label does not exist' });
        return send(
          200,
          [...labels].map((name) => ({ name })),
        );
      }
      if (route.startsWith('GET /repos/org/repo/issues/7/comments')) return send(200, comments);
      if (route === 'GET /repos/org/repo/pulls/7/files?per_page=100') {
        return send(200, [{ filename: 'README.md', status: 'modified', additions: 1, deletions: 0 }]);
      }
      if (route === 'GET /repos/org/repo/pulls/7/reviews?per_page=100') return send(200, []);
      if (route === 'POST /repos/org/repo/issues/7/comments') {
        const comment = { id: comments.length + 1, body: body.body, user: { login: 'lighthouse-bot' } };
        comments.push(comment);
        return send(201, comment);
      }
      send(404, { message: 'Not Found' });
    });
  });
  await new Promise<void>((resolve) => server?.listen(0, '127.0.0.1', resolve));
  const baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return { baseUrl, labels, comments, writes, down };
}

/** A meta-pipeline client that records what it is asked to start. */
function recordingClient() {
  const created: MetaPipelineRequest[] = [];
  const client = {
    async create(request: MetaPipelineRequest) {
      created.push(request);
      return {
        ref: { namespace: request.namespace, name: `job-${created.length}` },
        buildNumber: created.length,
      };
    },
    async list() {
      return [];
    },
  } as unknown as MetaPipelineClient;
  return { client, created };
}

const log = { debug() {}, info() {}, warn() {}, error() {} };
const context = { log, signal: new AbortController().signal, traceparent: '' };

/** The trigger's dispatch for `org/repo` (one presubmit, `unit`), writing to the local GitHub. */
async function dispatcher(refuse?: Error, plugins = ['trigger']) {
  const provider = await github();
  const api = githubApi({ baseUrl: provider.baseUrl, token: 'a-token', retry: { attempts: 1 } });
  const config = parseConfig(
    { configPath: 'config.yaml', pluginsPath: 'plugins.yaml' },
    {
      config: 'presubmits:\n  org/repo:\n  - name: unit\n    always_run: true\n',
      plugins: `plugins:\n  org/repo: [${plugins.join(', ')}]\n`,
    },
  );
  const { client, created } = recordingClient();
  const dispatch = createDispatch({
    config: { current: () => config },
    client: refuse ? ({ ...client, create: () => Promise.reject(refuse) } as MetaPipelineClient) : client,
    facts: () => factsFromProvider(api),
    writes: () => api,
    webUrls: (name) => (name === 'github' ? ['https://github.com'] : []),
    namespace: 'jx',
    metrics: createMetrics(),
  });
  return { provider, dispatch, created };
}

describe('the trigger writing back to GitHub', () => {
  it('labels and welcomes an untrusted pull request once; /ok-to-test from a collaborator swaps the labels and starts the jobs', async () => {
    const { provider, dispatch, created } = await dispatcher();

    expect(await dispatch(opened, context)).toMatchObject({ started: [] });
    expect(await dispatch(opened, context)).toMatchObject({ started: [] });
    expect([...provider.labels]).toEqual(['needs-ok-to-test']);
    expect(provider.comments).toHaveLength(1);
    expect(provider.comments[0]?.body).toContain('/ok-to-test');

    expect(await dispatch(okToTest, context)).toMatchObject({ started: ['unit'] });
    expect([...provider.labels]).toEqual(['ok-to-test']);
    expect(created.map((r) => [r.jobName, r.labels?.['lighthouse-ts.dev/provider']])).toEqual([
      ['unit', 'github'],
    ]);
    expect(provider.writes).toEqual([
      'POST /repos/org/repo/issues/7/labels',
      'POST /repos/org/repo/issues/7/comments',
      'POST /repos/org/repo/issues/7/labels',
      'POST /repos/org/repo/issues/7/labels',
      'DELETE /repos/org/repo/issues/7/labels/needs-ok-to-test',
    ]);
  });

  it("refuses for good a job whose clone URL is not the event's repository on the provider: none starts", async () => {
    const { dispatch, created } = await dispatcher();
    const byMaintainer = { ...opened, author: { id: '2', login: 'maintainer' } };
    for (const cloneUrl of ['https://evil.example.com/org/repo.git', 'https://github.com/mallory/repo.git']) {
      const refused = await dispatch({ ...byMaintainer, repo: { ...repo, cloneUrl } }, context).catch(
        (error: unknown) => error,
      );
      expect(refused).toBeInstanceOf(PermanentError);
      expect((refused as Error).message).toBe(
        `the clone URL ${cloneUrl} is not org/repo on https://github.com: refused`,
      );
    }
    const gitea = await dispatch({ ...byMaintainer, provider: 'gitea' }, context).catch(
      (error: unknown) => error,
    );
    expect((gitea as Error).message).toMatch(/^no gitea URL is configured/);
    expect(created).toEqual([]);
    // The repository's own clone URL starts the job.
    expect(await dispatch(byMaintainer, context)).toMatchObject({ started: ['unit'] });
  });

  it('posts the error status of a job refused for good once, however often the delivery is tried again', async () => {
    const refused = new ForbiddenError('lighthousejobs is forbidden: User cannot create');
    const { provider, dispatch } = await dispatcher(refused);
    const byMaintainer = { ...opened, author: { id: '2', login: 'maintainer' } };
    for (const attempt of [1, 2, 3]) {
      await expect(dispatch(byMaintainer, { ...context, attempt })).rejects.toBe(refused);
    }
    expect(
      provider.writes.filter((write) => write.startsWith(`POST /repos/org/repo/statuses/${headSha}`)),
    ).toHaveLength(1);
  });

  it("tells the delivery's story: the decision, what the provider was asked, and each job started", async () => {
    const { dispatch } = await dispatcher();
    const recent = new RecentDeliveries({ size: 5 });
    const story = recent.add({
      receivedAt: new Date().toISOString(),
      provider: 'github',
      event: 'pull_request',
      summary: '',
    });
    await dispatch(opened, { ...context, record: story });
    await dispatch(okToTest, { ...context, record: story });
    const told = recent.get(story.seq);
    expect(told?.decision?.start).toEqual([{ job: 'unit', why: expect.any(String) }]);
    expect(told?.consulted).toContainEqual({
      fact: 'isCollaborator',
      asked: 'org, repo, stranger',
      answer: 'false',
    });
    expect(told?.consulted).toContainEqual({
      fact: 'isCollaborator',
      asked: 'org, repo, maintainer',
      answer: 'true',
    });
    expect(told?.jobs).toEqual([
      { job: 'unit', pipeline: { namespace: 'jx', name: 'job-1', buildNumber: 1 } },
    ]);
  });

  it('carries out the ChatOps plugins against GitHub: /hold by anyone, /lgtm by a collaborator, a refusal answered', async () => {
    const { provider, dispatch } = await dispatcher(undefined, ['trigger', 'hold', 'lgtm']);
    const comment = (login: string, body: string, id: string) => ({
      ...okToTest,
      commentId: id,
      body,
      author: { id: login, login },
    });
    await dispatch(comment('passer-by', '/hold', '11'), context);
    expect([...provider.labels]).toEqual(['do-not-merge/hold']);
    await dispatch(comment('passer-by', '/lgtm', '12'), context);
    expect([...provider.labels]).toEqual(['do-not-merge/hold']);
    expect(provider.comments.at(-1)?.body).toMatch(
      /^@passer-by: changing LGTM is restricted to collaborators/,
    );
    await dispatch(comment('maintainer', '/lgtm\n/hold cancel', '13'), context);
    expect([...provider.labels]).toEqual(['lgtm']);
    expect(provider.writes).toEqual([
      'POST /repos/org/repo/issues/7/labels',
      'POST /repos/org/repo/issues/7/comments',
      // In plugins.yaml's order: hold, then lgtm, which assigns whoever gives it.
      'DELETE /repos/org/repo/issues/7/labels/do-not-merge%2Fhold',
      'POST /repos/org/repo/issues/7/assignees',
      'POST /repos/org/repo/issues/7/labels',
    ]);
  });
});

describe('a ChatOps plugin that cannot decide', () => {
  it('keeps no job from starting nor the others from acting, and fails the attempt for a retry when the provider was down', async () => {
    const { provider, dispatch, created } = await dispatcher(undefined, ['trigger', 'hold', 'approve']);
    provider.down.add('GET /repos/org/repo/pulls/7/files?per_page=100');
    const told: { plugin: string; error: unknown }[] = [];
    const record = { decided: (_: unknown, failed = []) => told.push(...failed), consulted() {}, job() {} };
    const comment = { ...okToTest, body: '/ok-to-test\n/hold\n/approve' };
    const first = await dispatch(comment, { ...context, record }).catch((error: unknown) => error);
    expect(first).toBeInstanceOf(RetryableError);
    expect((first as Error).message).toBe('plugins that may decide later: approve');
    expect(told.map((failed) => failed.plugin)).toEqual(['approve']);
    expect(created.map((request) => request.jobName)).toEqual(['unit']);
    expect([...provider.labels]).toContain('do-not-merge/hold');
    // The provider is back: the retry decides approve. What it does again is safe to repeat: the job asked
    // for under the same key (the client starts it once), the trigger's label added where it is.
    provider.down.clear();
    const labels = [...provider.labels];
    const comments = provider.comments.length;
    await dispatch(comment, { ...context, attempt: 2 });
    expect(created.map((request) => request.idempotencyKey)).toEqual([
      created[0]?.idempotencyKey,
      created[0]?.idempotencyKey,
    ]);
    expect([...provider.labels]).toEqual(labels);
    expect(provider.comments.slice(comments).map((posted) => posted.body)).toEqual([
      expect.stringMatching(/^\[APPROVALNOTIFIER\] This PR is \*\*NOT APPROVED\*\*/),
    ]);
  });
});

describe("a pull request's events", () => {
  /** A dispatch whose first question about #7 waits until the test lets it go. */
  function gatedDispatch() {
    const config = parseConfig(
      { configPath: 'config.yaml', pluginsPath: 'plugins.yaml' },
      { config: 'presubmits:\n  org/repo:\n  - name: unit\n', plugins: 'plugins:\n  org/repo: [trigger]\n' },
    );
    const pull = {
      open: true,
      draft: false,
      author: 'stranger',
      head: { ref: 'fix', sha: headSha },
      base: { ref: 'main', sha: 'ba5e000000000000000000000000000000000001' },
    };
    const facts = inMemoryFacts({
      collaborators: { 'org/repo': ['maintainer'] },
      pullRequests: { 'org/repo#7': pull, 'org/repo#8': pull },
    });
    let release = () => {};
    const held = new Promise<void>((resolve) => {
      release = resolve;
    });
    let firstAsked = () => {};
    const asked = new Promise<void>((resolve) => {
      firstAsked = resolve;
    });
    const gated = {
      ...facts,
      async pullRequest(pr: Parameters<typeof facts.pullRequest>[0]) {
        const answer = await facts.pullRequest(pr);
        if (pr.number === 7 && facts.asked.filter((q) => q === 'pullRequest org/repo#7').length === 1) {
          firstAsked();
          await held;
        }
        return answer;
      },
    };
    const metrics = createMetrics();
    const dispatch = createDispatch({
      config: { current: () => config },
      client: recordingClient().client,
      facts: () => gated,
      writes: () => undefined,
      webUrls: () => ['https://github.com'],
      namespace: 'jx',
      metrics,
    });
    const comment = (number: number, body: string) => ({ ...okToTest, number, body, deliveryId: body });
    const pullsAsked = () => facts.asked.filter((q) => q.startsWith('pullRequest'));
    return { dispatch, comment, asked, release, metrics, pullsAsked };
  }

  it('are dispatched one after another, each after the one before it is carried out; other pull requests go on', async () => {
    const { dispatch, comment, asked, release, pullsAsked } = gatedDispatch();
    const first = dispatch(comment(7, '/test unit'), context);
    await asked;
    const second = dispatch(comment(7, '/retest'), context);
    await dispatch(comment(8, '/test unit'), context);
    // #8 was decided while #7's first event waited; #7's second has not begun.
    expect(pullsAsked()).toEqual(['pullRequest org/repo#7', 'pullRequest org/repo#8']);
    release();
    await Promise.all([first, second]);
    expect(pullsAsked()).toEqual([
      'pullRequest org/repo#7',
      'pullRequest org/repo#8',
      'pullRequest org/repo#7',
    ]);
  });

  it(`wait at most ${maxQueuedPerPull} at once, past which one fails to be tried again later, and start nothing once lighthouse stops`, async () => {
    const { dispatch, comment, asked, release, metrics, pullsAsked } = gatedDispatch();
    const first = dispatch(comment(7, '/test unit'), context);
    await asked;
    const stopping = new AbortController();
    const waiting = Array.from({ length: maxQueuedPerPull }, (_, i) =>
      dispatch(comment(7, `/retest ${i}`), { ...context, signal: stopping.signal }).catch(
        (error: unknown) => error,
      ),
    );
    expect((await metrics.dispatchesQueued.get()).values[0]?.value).toBe(maxQueuedPerPull);
    const refused = await dispatch(comment(7, '/retest'), context).catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(RetryableError);
    expect((refused as Error).message).toBe(
      `${maxQueuedPerPull} events of github/org/repo#7 are waiting already: tried again later`,
    );
    stopping.abort(new Error('shutdown grace period over'));
    release();
    await first;
    for (const stopped of await Promise.all(waiting)) {
      expect((stopped as Error).message).toBe('lighthouse is stopping: left for the next start');
    }
    expect(pullsAsked()).toEqual(['pullRequest org/repo#7']);
    expect((await metrics.dispatchesQueued.get()).values[0]?.value).toBe(0);
  });
});
