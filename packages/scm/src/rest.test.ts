import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { fakeClock, heldClock } from '../test/clock.ts';
import { type Route, replayServer } from '../test/replay-server.ts';
import { type Credentials, ProviderError, ProviderUnavailableError, type StatusInput } from './api.ts';
import { githubApi } from './github.ts';
import { gitlabApi } from './gitlab.ts';
import { mayHaveBeenDone, RateLimitPause, rateLimit, retryAfterMs } from './rest.ts';

// The retry and rate-limit policy every client shares, against a local server answering as GitHub documents
// ("Rate limits for the REST API": 403 or 429 with x-ratelimit-remaining 0 and x-ratelimit-reset; secondary
// limits as 403 or 429 whose message says so, with or without retry-after). The clock and the waits are
// the test's: no test waits for a real timer.

const replay = replayServer();
const { requests } = replay;
const github = (routes: Record<string, Route>) => replay.start(routes);
afterEach(() => replay.stop());

const sha = '6dcb09b5b57875f334f61aebed695e2e4193db5e';
const statusPath = `/repos/octocat/Hello-World/statuses/${sha}`;
const status: StatusInput = { context: 'ci/build', state: 'success', description: 'Pipeline successful' };
const created = { status: 201, body: { id: 1, state: 'success', context: 'ci/build' } };
const comment = { status: 201, body: { id: 7, body: 'hi', user: { login: 'bot' } } };
const commentsPath = '/repos/octocat/Hello-World/issues/1347/comments';
const seconds = (s: number) => ({ 'retry-after': String(s) });

describe('the rate-limit reading', () => {
  const now = Date.parse('2026-03-01T12:00:00Z');
  const headers = (h: Record<string, string>) => new Headers(h);

  it('reads Retry-After as seconds or as an HTTP date', () => {
    expect(retryAfterMs('120', now)).toBe(120_000);
    expect(retryAfterMs('Sun, 01 Mar 2026 12:00:30 GMT', now)).toBe(30_000);
    expect(retryAfterMs('Sun, 01 Mar 2026 11:00:00 GMT', now)).toBe(0);
    expect(retryAfterMs('soon', now)).toBeUndefined();
    expect(retryAfterMs(null, now)).toBeUndefined();
  });

  it("tells GitHub's primary and secondary limits, Retry-After, and a refusal apart", () => {
    const reset = String(now / 1000 + 90);
    const primary = headers({ 'x-ratelimit-remaining': '0', 'x-ratelimit-reset': reset });
    expect(rateLimit(403, primary, '{"message":"API rate limit exceeded"}', now)).toEqual({ waitMs: 90_000 });
    expect(rateLimit(429, primary, '', now)).toEqual({ waitMs: 90_000 });
    const secondary = '{"message":"You have exceeded a secondary rate limit. Please wait a few minutes."}';
    expect(rateLimit(403, headers({}), secondary, now)).toEqual({ waitMs: 60_000 });
    expect(rateLimit(403, headers(seconds(5)), secondary, now)).toEqual({ waitMs: 60_000 });
    expect(rateLimit(429, headers(seconds(300)), secondary, now)).toEqual({ waitMs: 300_000 });
    expect(rateLimit(429, headers(seconds(5)), '', now)).toEqual({ waitMs: 5_000 });
    expect(rateLimit(503, headers(seconds(5)), '', now)).toEqual({ waitMs: 5_000 });
    // Rate limited, but for how long is not said: backed off like a 5xx.
    expect(rateLimit(429, headers({}), '', now)).toEqual({ waitMs: undefined });
    expect(rateLimit(403, headers({ 'x-ratelimit-remaining': '0' }), '', now)).toEqual({ waitMs: undefined });
    // A 403 that is none of these is a missing permission; a 503 without Retry-After an outage.
    expect(rateLimit(403, headers({ 'x-ratelimit-remaining': '4999' }), '{"message":"Forbidden"}', now)).toBe(
      undefined,
    );
    expect(rateLimit(503, headers({}), '', now)).toBeUndefined();
  });

  it('counts a create as possibly done after a timeout or a 500, 502 or 504, not after a 429, 503 or refusal', () => {
    expect(mayHaveBeenDone({ status: 502 })).toBe(true);
    expect(mayHaveBeenDone({ status: 500 })).toBe(true);
    expect(mayHaveBeenDone({ status: 504 })).toBe(true);
    expect(mayHaveBeenDone({ status: 429 })).toBe(false);
    expect(mayHaveBeenDone({ status: 503 })).toBe(false);
    const refused = new TypeError('fetch failed', {
      cause: Object.assign(new Error('refused'), { code: 'ECONNREFUSED' }),
    });
    expect(mayHaveBeenDone({ error: refused })).toBe(false);
    expect(
      mayHaveBeenDone({
        error: new DOMException('The operation was aborted due to timeout', 'TimeoutError'),
      }),
    ).toBe(true);
  });
});

describe('the retry policy', () => {
  it('waits out a 429 with Retry-After, backs off a 502, and posts the status once', async () => {
    const baseUrl = await github({
      [`POST ${statusPath}`]: [
        { status: 429, body: { message: 'Too many requests' }, headers: seconds(5) },
        { status: 502, body: { message: 'Server Error' } },
        created,
      ],
    });
    const clock = fakeClock();
    const api = githubApi({ baseUrl, token: 't', ...clock, random: () => 0.5, retry: { maxWaitMs: 60_000 } });
    await api.createStatus('octocat', 'Hello-World', sha, status);
    // 5 s as asked, then a jittered backoff: half of the second step's 500 ms ceiling.
    expect(clock.waits).toEqual([5000, 250]);
    expect(requests.map((r) => r.method)).toEqual(['POST', 'POST', 'POST']);
    expect(new Set(requests.map((r) => JSON.stringify(r.body))).size).toBe(1);
  });

  it('never sends a 4xx again', async () => {
    const baseUrl = await github({
      [`POST ${statusPath}`]: { status: 401, body: { message: 'Bad credentials' } },
      [`POST /repos/octocat/Hello-World/statuses/${'0'.repeat(40)}`]: {
        status: 422,
        body: { message: 'No commit found for SHA: 0000000000000000000000000000000000000000' },
      },
      '/repos/octocat/Hello-World/pulls/1': { status: 404, body: { message: 'Not Found' } },
    });
    const clock = fakeClock();
    const api = githubApi({ baseUrl, token: 't', ...clock });
    await expect(api.createStatus('octocat', 'Hello-World', sha, status)).rejects.toThrow(
      expect.objectContaining({ name: 'ProviderError', status: 401 }),
    );
    await expect(api.createStatus('octocat', 'Hello-World', '0'.repeat(40), status)).rejects.toThrow(
      /422 .*No commit found for SHA/,
    );
    await expect(api.pullRequest('octocat', 'Hello-World', 1)).rejects.toBeInstanceOf(ProviderError);
    expect(requests).toHaveLength(3);
    expect(clock.waits).toEqual([]);
  });

  it("keeps GitHub's cap on statuses per SHA and context a permanent refusal", async () => {
    const baseUrl = await github({
      [`POST ${statusPath}`]: {
        status: 422,
        body: {
          message: 'Validation Failed',
          errors: [
            {
              resource: 'Status',
              code: 'custom',
              message: 'This SHA and context has reached the maximum number of statuses.',
            },
          ],
        },
      },
    });
    const clock = fakeClock();
    const failing = githubApi({ baseUrl, token: 't', ...clock }).createStatus(
      'octocat',
      'Hello-World',
      sha,
      status,
    );
    await expect(failing).rejects.toBeInstanceOf(ProviderError);
    await expect(failing).rejects.toThrow(/maximum number of statuses/);
    expect(requests).toHaveLength(1);
  });

  it('retries a read after a 5xx with growing jittered backoffs, then gives up', async () => {
    const baseUrl = await github({ '/repos/o/r/pulls/1': { status: 500, body: { message: 'oops' } } });
    const clock = fakeClock();
    const api = githubApi({ baseUrl, token: 't', ...clock, random: () => 1, retry: { attempts: 4 } });
    await expect(api.pullRequest('o', 'r', 1)).rejects.toBeInstanceOf(ProviderUnavailableError);
    expect(requests).toHaveLength(4);
    expect(clock.waits).toEqual([250, 500, 1000]);
  });

  it('fails at once, with retryAfterMs, when a rate limit outlasts the budget, and keeps the client paused', async () => {
    const baseUrl = await github({
      [`POST ${statusPath}`]: { status: 429, body: { message: 'slow down' }, headers: seconds(120) },
      '/repos/o/r/pulls/1': { body: {} },
    });
    const clock = fakeClock();
    const api = githubApi({ baseUrl, token: 't', ...clock, retry: { maxWaitMs: 10_000 } });
    await expect(api.createStatus('octocat', 'Hello-World', sha, status)).rejects.toThrow(
      expect.objectContaining({ name: 'ProviderUnavailableError', retryAfterMs: 120_000 }),
    );
    // Another call of the same client does not ask while the limit lasts.
    await expect(api.pullRequest('o', 'r', 1)).rejects.toThrow(
      expect.objectContaining({ name: 'ProviderUnavailableError', retryAfterMs: 120_000 }),
    );
    expect(requests).toHaveLength(1);
    expect(clock.waits).toEqual([]);
  });

  it('makes every request of a client wait while one of them is rate limited', async () => {
    const other = `/repos/octocat/Hello-World/statuses/${'1'.repeat(40)}`;
    const baseUrl = await github({
      [`POST ${statusPath}`]: [
        { status: 429, body: { message: 'slow down' }, headers: seconds(30) },
        created,
      ],
      [`POST ${other}`]: created,
    });
    const clock = heldClock();
    const api = githubApi({ baseUrl, token: 't', ...clock, retry: { maxWaitMs: 60_000 } });
    const first = api.createStatus('octocat', 'Hello-World', sha, status);
    await clock.sleeping(1);
    const second = api.createStatus('octocat', 'Hello-World', '1'.repeat(40), status);
    await clock.sleeping(2);
    expect(clock.waits).toEqual([30_000, 30_000]);
    expect(requests.map((r) => r.url)).toEqual([statusPath]);
    clock.release(30_000);
    await Promise.all([first, second]);
    expect(requests.map((r) => r.url).sort()).toEqual([other, statusPath, statusPath].sort());
  });

  it('pauses every client sharing a RateLimitPause when one of them is rate limited', async () => {
    const baseUrl = await github({
      [`POST ${statusPath}`]: { status: 429, body: { message: 'slow down' }, headers: seconds(120) },
      '/repos/o/r/pulls/1': { body: {} },
    });
    const clock = fakeClock();
    const pause = new RateLimitPause();
    const reporter = githubApi({ baseUrl, token: 't', ...clock, pause, retry: { maxWaitMs: 10_000 } });
    const webhook = githubApi({ baseUrl, token: 't', ...clock, pause });
    const alone = githubApi({ baseUrl, token: 't', ...clock });
    await expect(reporter.createStatus('octocat', 'Hello-World', sha, status)).rejects.toThrow(
      expect.objectContaining({ retryAfterMs: 120_000 }),
    );
    await expect(webhook.pullRequest('o', 'r', 1)).rejects.toThrow(
      expect.objectContaining({ name: 'ProviderUnavailableError', retryAfterMs: 120_000 }),
    );
    expect(requests).toHaveLength(1);
    // A client of another account is not held back.
    await expect(alone.pullRequest('o', 'r', 1)).rejects.toBeInstanceOf(ProviderError);
    expect(requests).toHaveLength(2);
  });

  it("waits for GitHub's primary limit to reset, and pauses before it is hit when an answer says none is left", async () => {
    const clock = fakeClock();
    const reset = String(clock.now() / 1000 + 42);
    const laterReset = String(clock.now() / 1000 + 100);
    const baseUrl = await github({
      '/repos/o/r/pulls/1': [
        {
          status: 403,
          body: { message: 'API rate limit exceeded for installation ID 1.' },
          headers: { 'x-ratelimit-remaining': '0', 'x-ratelimit-reset': reset },
        },
        { status: 404, body: { message: 'Not Found' } },
      ],
      '/orgs/o/members/u': {
        status: 204,
        headers: { 'x-ratelimit-remaining': '0', 'x-ratelimit-reset': laterReset },
      },
      '/orgs/o/members/v': { status: 204 },
    });
    const api = githubApi({ baseUrl, token: 't', ...clock, retry: { maxWaitMs: 120_000 } });
    await expect(api.pullRequest('o', 'r', 1)).rejects.toThrow(expect.objectContaining({ status: 404 }));
    expect(clock.waits).toEqual([42_000]);
    const later = fakeClock(clock.now());
    const fresh = githubApi({ baseUrl, token: 't', ...later, retry: { maxWaitMs: 120_000 } });
    await fresh.isOrgMember('o', 'u');
    await fresh.isOrgMember('o', 'v');
    expect(later.waits).toEqual([58_000]);
  });

  it('waits at least a minute after a secondary rate limit, whatever Retry-After says', async () => {
    const secondary = {
      message: 'You have exceeded a secondary rate limit. Please wait a few minutes before you try again.',
    };
    const baseUrl = await github({
      [`POST ${statusPath}`]: [
        { status: 403, body: secondary, headers: seconds(3) },
        { status: 403, body: secondary },
        created,
      ],
    });
    const clock = fakeClock();
    const api = githubApi({ baseUrl, token: 't', ...clock, retry: { maxWaitMs: 300_000 } });
    await api.createStatus('octocat', 'Hello-World', sha, status);
    expect(clock.waits).toEqual([60_000, 60_000]);
  });
});

describe('a list of pages', () => {
  it('is read to its end, and refused rather than cut short past 30 pages', async () => {
    const page =
      (n: number, last: number): Route =>
      (origin) => ({
        body: [{ id: n, body: `comment ${n}`, user: { login: 'someone' } }],
        headers: n < last ? { link: `<${origin}${commentsPath}?page=${n + 1}>; rel="next"` } : undefined,
      });
    const routes = (last: number) =>
      Object.fromEntries(
        Array.from({ length: last }, (_, i) => [
          i === 0 ? `${commentsPath}?per_page=100` : `${commentsPath}?page=${i + 1}`,
          page(i + 1, last),
        ]),
      );
    let api = githubApi({ baseUrl: await github(routes(30)), token: 't' });
    expect(await api.comments('octocat', 'Hello-World', 1347)).toHaveLength(30);
    await replay.stop();
    api = githubApi({ baseUrl: await github(routes(31)), token: 't' });
    await expect(api.comments('octocat', 'Hello-World', 1347)).rejects.toThrow(
      new ProviderError(`${commentsPath}?per_page=100: the list has more than 30 pages, the most read`, 200),
    );
  });
});

describe('creating a comment, which must not be made twice', () => {
  it('is sent again after answers proving nothing was made (429, 503)', async () => {
    const baseUrl = await github({
      [`POST ${commentsPath}`]: [
        { status: 429, body: { message: 'slow down' } },
        { status: 503, body: {} },
        comment,
      ],
    });
    const clock = fakeClock();
    const api = githubApi({ baseUrl, token: 't', ...clock, random: () => 0 });
    expect(await api.createComment('octocat', 'Hello-World', 1347, 'hi')).toEqual({
      id: 7,
      author: 'bot',
      body: 'hi',
    });
    expect(requests).toHaveLength(3);
  });

  it('is not sent again after a 502 or a timeout, unless the caller says a duplicate is harmless', async () => {
    const baseUrl = await github({
      [`POST ${commentsPath}`]: [{ status: 502, body: { message: 'Server Error' } }, comment],
    });
    const clock = fakeClock();
    const api = githubApi({ baseUrl, token: 't', ...clock, random: () => 0 });
    await expect(api.createComment('octocat', 'Hello-World', 1347, 'hi')).rejects.toThrow(
      /HTTP 502 .*not sent again, as it may have been carried out/,
    );
    expect(requests).toHaveLength(1);
    await replay.stop();

    const again = await github({
      [`POST ${commentsPath}`]: [{ status: 502, body: { message: 'Server Error' } }, comment],
    });
    const tolerant = githubApi({ baseUrl: again, token: 't', ...clock, random: () => 0 });
    expect(
      await tolerant.createComment('octocat', 'Hello-World', 1347, 'hi', { safeToRetry: true }),
    ).toMatchObject({
      id: 7,
    });
    expect(requests).toHaveLength(2);
  });

  it('is not sent again when the provider took it and never answered', async () => {
    let received = 0;
    const silent = createServer(() => {
      received++;
    });
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const baseUrl = `http://127.0.0.1:${(silent.address() as AddressInfo).port}`;
    const clock = fakeClock();
    try {
      const api = githubApi({ baseUrl, token: 't', timeoutMs: 50, ...clock });
      await expect(api.createComment('o', 'r', 1, 'hi')).rejects.toThrow(/timeout.*not sent again/);
      expect(received).toBe(1);
      expect(clock.waits).toEqual([]);
    } finally {
      silent.closeAllConnections();
      await new Promise((resolve) => silent.close(resolve));
    }
  });

  it('is sent again when the connection was refused, as nothing was sent', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const baseUrl = `http://127.0.0.1:${(closed.address() as AddressInfo).port}`;
    await new Promise((resolve) => closed.close(resolve));
    const clock = fakeClock();
    const api = githubApi({ baseUrl, token: 't', ...clock, random: () => 1 });
    await expect(api.createComment('o', 'r', 1, 'hi')).rejects.toThrow(/ECONNREFUSED/);
    expect(clock.waits).toEqual([250, 500]);
  });
});

describe('an answer cut off while it is read', () => {
  it('is an outage, not a refusal: the provider may answer in full next time', async () => {
    const server = createServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': '1000' });
      res.write('[{"id": 1, "body": "par');
      setImmediate(() => res.destroy());
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    try {
      const api = githubApi({ baseUrl, token: 't', retry: { attempts: 1 } });
      const failure = await api.comments('octocat', 'Hello-World', 1347).catch((error: unknown) => error);
      expect(failure).toBeInstanceOf(ProviderUnavailableError);
      expect((failure as Error).message).toContain('the answer was cut off');
    } finally {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    }
  });
});

describe('an answer larger than the call reads', () => {
  it('is refused once that much is in, the rest never read nor asked for again', async () => {
    let asked = 0;
    let written = 0;
    // Endless, and of no declared length: only the reader can stop it.
    const server = createServer((_req, res) => {
      asked++;
      res.writeHead(200, { 'content-type': 'text/plain' });
      const more = () => {
        while (!res.destroyed && res.write('x'.repeat(16 * 1024))) written += 16 * 1024;
        if (!res.destroyed) res.once('drain', more);
      };
      more();
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    try {
      const api = gitlabApi({ baseUrl, token: 't' });
      const failure = await api.fileContent('group', 'repo', 'OWNERS', sha).catch((error: unknown) => error);
      expect(failure).toBeInstanceOf(ProviderError);
      expect((failure as Error).message).toMatch(
        /the answer is larger than 256 KiB, the most this call reads$/,
      );
      expect(written).toBeLessThan(8 * 1024 * 1024);
      expect(asked).toBe(1);
    } finally {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    }
  });
});

describe('credentials', () => {
  it('asks for a token on every request, with the owner and repository it is for', async () => {
    const baseUrl = await github({
      [`POST ${statusPath}`]: [{ status: 500, body: {} }, created],
      '/orgs/github/members/octocat': { status: 204 },
      '/user': { body: { login: 'lighthouse-bot', id: 1 } },
    });
    const asked: [string, string | undefined][] = [];
    const credentials: Credentials = {
      async token(owner, repo) {
        asked.push([owner, repo]);
        return `token-${asked.length}`;
      },
    };
    const api = githubApi({ baseUrl, token: credentials, ...fakeClock(), random: () => 0 });
    await api.createStatus('octocat', 'Hello-World', sha, status);
    await api.isOrgMember('github', 'octocat');
    expect(await api.whoAmI()).toBe('lighthouse-bot');
    expect(await api.whoAmI()).toBe('lighthouse-bot');
    expect(asked).toEqual([
      ['octocat', 'Hello-World'],
      ['octocat', 'Hello-World'],
      ['github', undefined],
      ['', undefined],
    ]);
    expect(requests.map((r) => r.headers.authorization)).toEqual([
      'Bearer token-1',
      'Bearer token-2',
      'Bearer token-3',
      'Bearer token-4',
    ]);
  });

  it("takes the login from credentials that know it, as a GitHub App's installation tokens cannot ask /user", async () => {
    const baseUrl = await github({});
    const credentials: Credentials = {
      token: async () => 'ghs_installation',
      login: async () => 'lighthouse[bot]',
    };
    expect(await githubApi({ baseUrl, token: credentials }).whoAmI()).toBe('lighthouse[bot]');
    expect(await gitlabApi({ baseUrl, token: credentials }).whoAmI()).toBe('lighthouse[bot]');
    expect(requests).toHaveLength(0);
  });

  it("never sends the token to another origin, even when an answer's next page points there", async () => {
    const baseUrl = await github({
      '/repos/octocat/Hello-World/pulls/1347/files?per_page=100': {
        body: [{ filename: 'a.txt' }],
        headers: { link: '<https://collector.example.com/steal?page=2>; rel="next"' },
      },
    });
    const api = githubApi({ baseUrl, token: 'ghp_secret' });
    const refused = await api.changedFiles('octocat', 'Hello-World', 1347).catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(ProviderError);
    expect((refused as Error).message).toContain('the token is not sent there');
    expect(requests).toHaveLength(1);
  });

  it('lets a failing credentials source fail the call as it failed', async () => {
    const baseUrl = await github({});
    const unavailable = new ProviderUnavailableError('the token file is being rotated');
    const api = githubApi({ baseUrl, token: { token: () => Promise.reject(unavailable) } });
    await expect(api.isOrgMember('o', 'u')).rejects.toBe(unavailable);
    expect(requests).toHaveLength(0);
  });
});
