import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { type Route, replayServer } from '../test/replay-server.ts';
import { ProviderError, ProviderUnavailableError } from './api.ts';
import { TtlCache } from './cache.ts';
import { githubApi } from './github.ts';
import { gitlabApi } from './gitlab.ts';

// A local server answering as the providers' REST APIs do, with the shapes their documentation shows
// (trimmed to the fields read). The real APIs cannot be reached from here.

const replay = replayServer();
const { requests } = replay;
const provider = (routes: Record<string, Route>) => replay.start(routes);
afterEach(() => replay.stop());

describe('githubApi', () => {
  const pull = {
    url: 'https://api.github.com/repos/octocat/Hello-World/pulls/1347',
    number: 1347,
    state: 'open',
    draft: false,
    merged: false,
    user: { login: 'octocat', id: 1 },
    labels: [{ id: 208045946, name: 'bug', color: 'f29513' }],
    head: { label: 'octocat:new-topic', ref: 'new-topic', sha: '6dcb09b5b57875f334f61aebed695e2e4193db5e' },
    base: { label: 'octocat:master', ref: 'master', sha: '6dcb09b5b57875f334f61aebed695e2e4193db5f' },
    additions: 100,
    deletions: 3,
    changed_files: 5,
  };

  it('answers membership questions by status code, and keeps the answers', async () => {
    const baseUrl = await provider({
      '/repos/octocat/Hello-World/collaborators/octocat': { status: 204 },
      '/orgs/github/members/octocat': { status: 204 },
      '/orgs/github/members/hubot': {
        status: 302,
        headers: { location: '/orgs/github/public_members/hubot' },
      },
    });
    const api = githubApi({ baseUrl, token: 'ghp_secret' });
    expect(await api.isCollaborator('octocat', 'Hello-World', 'octocat')).toBe(true);
    expect(await api.isCollaborator('octocat', 'Hello-World', 'stranger')).toBe(false);
    expect(await api.isOrgMember('github', 'octocat')).toBe(true);
    expect(await api.isOrgMember('github', 'hubot')).toBe(false);
    expect(await api.isCollaborator('octocat', 'Hello-World', 'octocat')).toBe(true);
    expect(requests).toHaveLength(4);
    expect(requests[0]?.headers.authorization).toBe('Bearer ghp_secret');
  });

  it("reads a user's permission on the repository: only admin administers it, and keeps the answers", async () => {
    const permission = (login: string, level: string, role = level) => ({
      body: { permission: level, role_name: role, user: { login, id: login.length, type: 'User' } },
    });
    const baseUrl = await provider({
      '/repos/octocat/Hello-World/collaborators/octocat/permission': permission('octocat', 'admin'),
      // GitHub names Maintain `write` in `permission`, and only `role_name` says more.
      '/repos/octocat/Hello-World/collaborators/hubot/permission': permission('hubot', 'write', 'maintain'),
      '/repos/octocat/Hello-World/collaborators/reader/permission': permission('reader', 'read'),
    });
    const api = githubApi({ baseUrl, token: 't' });
    expect(await api.isAdmin('octocat', 'Hello-World', 'octocat')).toBe(true);
    expect(await api.isAdmin('octocat', 'Hello-World', 'hubot')).toBe(false);
    expect(await api.isAdmin('octocat', 'Hello-World', 'reader')).toBe(false);
    // No such user: 404.
    expect(await api.isAdmin('octocat', 'Hello-World', 'nobody')).toBe(false);
    expect(await api.isAdmin('octocat', 'Hello-World', 'octocat')).toBe(true);
    expect(requests.map((r) => r.url)).toEqual([
      '/repos/octocat/Hello-World/collaborators/octocat/permission',
      '/repos/octocat/Hello-World/collaborators/hubot/permission',
      '/repos/octocat/Hello-World/collaborators/reader/permission',
      '/repos/octocat/Hello-World/collaborators/nobody/permission',
    ]);
  });

  it('reads a pull request, its files across pages and the statuses of a commit', async () => {
    const baseUrl = await provider({
      '/repos/octocat/Hello-World/pulls/1347': { body: pull },
      '/repos/octocat/Hello-World/pulls/1347/files?per_page=100': (base) => ({
        body: [{ sha: 'bbcd538c8e72b8c175046e27cc8f907076331401', filename: 'file1.txt', status: 'added' }],
        headers: {
          link: `<${base}/repos/octocat/Hello-World/pulls/1347/files?per_page=100&page=2>; rel="next"`,
        },
      }),
      '/repos/octocat/Hello-World/pulls/1347/files?per_page=100&page=2': {
        body: [{ filename: 'docs/new.md', previous_filename: 'docs/old.md', status: 'renamed' }],
      },
      '/repos/octocat/Hello-World/commits/6dcb09b5b57875f334f61aebed695e2e4193db5e/status?per_page=100': {
        body: {
          state: 'failure',
          statuses: [
            {
              state: 'success',
              context: 'continuous-integration/jenkins',
              description: 'Build has completed',
              target_url: 'https://ci.example.com/1000/output',
            },
            { state: 'failure', context: 'security/brakeman', target_url: null },
          ],
        },
      },
    });
    const api = githubApi({ baseUrl, token: 't' });
    expect(await api.pullRequest('octocat', 'Hello-World', 1347)).toEqual({
      number: 1347,
      author: 'octocat',
      state: 'open',
      draft: false,
      labels: ['bug'],
      baseRef: 'master',
      baseSha: '6dcb09b5b57875f334f61aebed695e2e4193db5f',
      headRef: 'new-topic',
      headSha: '6dcb09b5b57875f334f61aebed695e2e4193db5e',
      changedLines: 103,
    });
    expect(await api.changedFiles('octocat', 'Hello-World', 1347)).toEqual([
      'file1.txt',
      'docs/new.md',
      'docs/old.md',
    ]);
    expect(await api.commitStatuses('octocat', 'Hello-World', pull.head.sha)).toEqual([
      {
        context: 'continuous-integration/jenkins',
        state: 'success',
        targetUrl: 'https://ci.example.com/1000/output',
      },
      { context: 'security/brakeman', state: 'failure' },
    ]);
  });

  it('tells an outage or rate limit (retry later) from a refusal (configuration)', async () => {
    const baseUrl = await provider({
      '/repos/o/r/pulls/1': { status: 502, body: { message: 'Server Error' } },
      '/repos/o/r/pulls/2': {
        status: 403,
        body: { message: 'API rate limit exceeded' },
        headers: { 'x-ratelimit-remaining': '0' },
      },
      '/repos/o/r/pulls/3': { status: 401, body: { message: 'Bad credentials' } },
      '/repos/o/r/pulls/4': { body: { number: 'four' } },
    });
    // One request per call: this is about how each answer is classified; rest.test.ts retries them.
    const api = githubApi({ baseUrl, token: 't', retry: { attempts: 1 } });
    await expect(api.pullRequest('o', 'r', 1)).rejects.toBeInstanceOf(ProviderUnavailableError);
    await expect(api.pullRequest('o', 'r', 2)).rejects.toBeInstanceOf(ProviderUnavailableError);
    await expect(api.pullRequest('o', 'r', 3)).rejects.toThrow(
      expect.objectContaining({ name: 'ProviderError', status: 401 }),
    );
    await expect(api.pullRequest('o', 'r', 4)).rejects.toBeInstanceOf(ProviderError);
    // A failure is not kept: asking again asks the provider again.
    await expect(api.pullRequest('o', 'r', 1)).rejects.toBeInstanceOf(ProviderUnavailableError);
    expect(requests.filter((r) => r.url === '/repos/o/r/pulls/1')).toHaveLength(2);
  });

  it('gives up on a provider that does not answer', async () => {
    const silent = createServer(() => {});
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const baseUrl = `http://127.0.0.1:${(silent.address() as AddressInfo).port}`;
    try {
      await expect(
        githubApi({ baseUrl, token: 't', timeoutMs: 50 }).isOrgMember('o', 'u'),
      ).rejects.toBeInstanceOf(ProviderUnavailableError);
    } finally {
      silent.closeAllConnections();
      await new Promise((resolve) => silent.close(resolve));
    }
  });
});

describe('gitlabApi', () => {
  it('finds users by name and counts Developer or above as collaborators', async () => {
    const baseUrl = await provider({
      '/users?username=john_smith': {
        body: [{ id: 1, username: 'john_smith', name: 'John Smith', state: 'active' }],
      },
      '/users?username=guest_user': { body: [{ id: 2, username: 'guest_user' }] },
      '/users?username=nobody': { body: [] },
      '/projects/diaspora%2Fdiaspora/members/all/1': {
        body: { id: 1, username: 'john_smith', access_level: 30 },
      },
      '/projects/diaspora%2Fdiaspora/members/all/2': {
        body: { id: 2, username: 'guest_user', access_level: 10 },
      },
      '/groups/diaspora/members/all/1': { body: { id: 1, access_level: 50 } },
    });
    const api = gitlabApi({ baseUrl, token: 'glpat-secret' });
    expect(await api.isCollaborator('diaspora', 'diaspora', 'john_smith')).toBe(true);
    expect(await api.isCollaborator('diaspora', 'diaspora', 'guest_user')).toBe(false);
    expect(await api.isCollaborator('diaspora', 'diaspora', 'nobody')).toBe(false);
    expect(await api.isOrgMember('diaspora', 'john_smith')).toBe(true);
    expect(await api.isOrgMember('diaspora', 'guest_user')).toBe(false);
    expect(requests[0]?.headers['private-token']).toBe('glpat-secret');
  });

  it('counts only Owner as admin, as go-scm does, and a user administers their own namespace', async () => {
    const baseUrl = await provider({
      '/users?username=owner': { body: [{ id: 1, username: 'owner' }] },
      '/users?username=maintainer': { body: [{ id: 2, username: 'maintainer' }] },
      '/users?username=nobody': { body: [] },
      '/projects/diaspora%2Fdiaspora/members/all/1': { body: { id: 1, username: 'owner', access_level: 50 } },
      '/projects/diaspora%2Fdiaspora/members/all/2': {
        body: { id: 2, username: 'maintainer', access_level: 40 },
      },
    });
    const api = gitlabApi({ baseUrl, token: 't' });
    expect(await api.isAdmin('diaspora', 'diaspora', 'owner')).toBe(true);
    expect(await api.isAdmin('diaspora', 'diaspora', 'maintainer')).toBe(false);
    expect(await api.isAdmin('diaspora', 'diaspora', 'nobody')).toBe(false);
    const asked = requests.length;
    expect(await api.isAdmin('Maintainer', 'side-project', 'maintainer')).toBe(true);
    expect(requests).toHaveLength(asked);
  });

  it('reads a merge request, its diffs and commit statuses, for nested groups too', async () => {
    const project = '/projects/gitlab-org%2Fsub%2Fgitlab';
    const baseUrl = await provider({
      [`${project}/merge_requests/1`]: {
        body: {
          id: 1,
          iid: 1,
          state: 'opened',
          draft: true,
          author: { id: 1, username: 'admin' },
          labels: ['Community contribution', 'ok-to-test'],
          source_branch: 'test1',
          target_branch: 'master',
          sha: '8888888888888888888888888888888888888888',
          diff_refs: {
            base_sha: 'c380d3acebd181f13629a25d2e2acca46ffe1e00',
            head_sha: '8888888888888888888888888888888888888888',
          },
        },
      },
      [`${project}/merge_requests/1/diffs?per_page=100`]: {
        body: [
          { old_path: 'README', new_path: 'README', diff: '@@ -1 +1 @@' },
          { old_path: 'VERSION', new_path: 'VERSION.txt', renamed_file: true },
        ],
      },
      [`${project}/repository/commits/8888888888888888888888888888888888888888/statuses?per_page=100`]: {
        body: [
          {
            status: 'pending',
            name: 'bundler:audit',
            target_url: 'https://gitlab.example.com/thedude/gitlab-ce/builds/91',
          },
          { status: 'failed', name: 'flay', target_url: null },
          { status: 'success', name: 'test' },
          { status: 'canceled', name: 'lint' },
        ],
      },
    });
    const api = gitlabApi({ baseUrl, token: 't' });
    expect(await api.pullRequest('gitlab-org/sub', 'gitlab', 1)).toEqual({
      number: 1,
      author: 'admin',
      state: 'open',
      draft: true,
      labels: ['Community contribution', 'ok-to-test'],
      baseRef: 'master',
      baseSha: 'c380d3acebd181f13629a25d2e2acca46ffe1e00',
      headRef: 'test1',
      headSha: '8888888888888888888888888888888888888888',
    });
    expect(await api.changedFiles('gitlab-org/sub', 'gitlab', 1)).toEqual([
      'README',
      'VERSION.txt',
      'VERSION',
    ]);
    expect(
      await api.commitStatuses('gitlab-org/sub', 'gitlab', '8888888888888888888888888888888888888888'),
    ).toEqual([
      {
        context: 'bundler:audit',
        state: 'pending',
        targetUrl: 'https://gitlab.example.com/thedude/gitlab-ce/builds/91',
      },
      { context: 'flay', state: 'failure' },
      { context: 'test', state: 'success' },
      { context: 'lint', state: 'error' },
    ]);
  });
});

describe('TtlCache', () => {
  it('keeps answers until they expire, evicts the least recently used, shares one call per key', async () => {
    let now = 0;
    let calls = 0;
    const cache = new TtlCache<number>({ maxEntries: 2, ttlMs: 100 }, () => now);
    const load = async () => ++calls;
    expect(await Promise.all([cache.get('a', load), cache.get('a', load)])).toEqual([1, 1]);
    await cache.get('b', load);
    await cache.get('a', load);
    await cache.get('c', load);
    expect(cache.size).toBe(2);
    expect(await cache.get('a', load)).toBe(1);
    expect(await cache.get('b', load)).toBe(4);
    now = 101;
    expect(await cache.get('a', load)).toBe(5);
  });
});
