import { afterEach, describe, expect, it } from 'vitest';
import { type Route, replayServer } from '../test/replay-server.ts';
import { ProviderError, ProviderUnavailableError } from './api.ts';
import { giteaApi } from './gitea.ts';

// A local server answering as Gitea's API v1 does. The bodies are shaped like Gitea's API reference (its
// swagger definitions PullRequest, PRBranchInfo, Label, ChangedFile, CombinedStatus and CommitStatus, also
// listed in the generated gitea-client docs on docs.rs), trimmed to the fields read and a few neighbours.
// The status codes are the swagger's: 204 yes, 404 no, and 303 from an org's members check when the
// caller may not see them.

const replay = replayServer();
const { requests } = replay;
const gitea = async (routes: Record<string, Route>) => `${await replay.start(routes)}/api/v1`;
afterEach(() => replay.stop());

const head = '0b4ab0f1e1b2e3d4c5b6a7980f1e2d3c4b5a6978';

describe('giteaApi', () => {
  it('answers membership questions by status code, with the token, and keeps the answers', async () => {
    const baseUrl = await gitea({
      '/api/v1/repos/gitea/tea/collaborators/lunny': { status: 204 },
      '/api/v1/orgs/gitea/members/lunny': { status: 204 },
      '/api/v1/orgs/gitea/members/hidden': {
        status: 303,
        headers: { location: '/api/v1/orgs/gitea/public_members/hidden' },
      },
    });
    const api = giteaApi({ baseUrl, token: 'gitea-secret' });
    expect(await api.isCollaborator('gitea', 'tea', 'lunny')).toBe(true);
    expect(await api.isCollaborator('gitea', 'tea', 'stranger')).toBe(false);
    expect(await api.isOrgMember('gitea', 'lunny')).toBe(true);
    expect(await api.isOrgMember('gitea', 'hidden')).toBe(false);
    expect(await api.isOrgMember('a-user-not-an-org', 'lunny')).toBe(false);
    expect(await api.isCollaborator('gitea', 'tea', 'lunny')).toBe(true);
    expect(requests).toHaveLength(5);
    expect(requests.every((r) => r.headers.authorization === 'token gitea-secret')).toBe(true);
  });

  it("reads a user's permission on the repository (RepoCollaboratorPermission): admin and owner administer it", async () => {
    const permission = (login: string, level: string) => ({
      body: { permission: level, role_name: level, user: { id: login.length, login, username: login } },
    });
    const baseUrl = await gitea({
      '/api/v1/repos/gitea/tea/collaborators/lunny/permission': permission('lunny', 'owner'),
      '/api/v1/repos/gitea/tea/collaborators/zeripath/permission': permission('zeripath', 'admin'),
      '/api/v1/repos/gitea/tea/collaborators/6543/permission': permission('6543', 'write'),
    });
    const api = giteaApi({ baseUrl, token: 't' });
    expect(await api.isAdmin('gitea', 'tea', 'lunny')).toBe(true);
    expect(await api.isAdmin('gitea', 'tea', 'zeripath')).toBe(true);
    expect(await api.isAdmin('gitea', 'tea', '6543')).toBe(false);
    // No such user: 404.
    expect(await api.isAdmin('gitea', 'tea', 'nobody')).toBe(false);
  });

  it('reads a pull request, its files across pages and the latest status of each context', async () => {
    const baseUrl = await gitea({
      '/api/v1/repos/gitea/tea/pulls/7': {
        body: {
          id: 3127,
          number: 7,
          title: 'Add login command',
          state: 'open',
          draft: true,
          merged: false,
          mergeable: true,
          user: { id: 1, login: 'lunny', full_name: '' },
          labels: [
            { id: 2, name: 'kind/feature', color: 'e11d21' },
            { id: 5, name: 'ok-to-test' },
          ],
          base: { label: 'main', ref: 'main', sha: '5ef8e8d6c5b4a3928170f6e5d4c3b2a190817263', repo_id: 1 },
          head: { label: 'login', ref: 'login', sha: head, repo_id: 9 },
        },
      },
      '/api/v1/repos/gitea/tea/pulls/7/files?limit=50': (origin) => ({
        body: [{ filename: 'cmd/login.go', status: 'added', additions: 80, deletions: 0, changes: 80 }],
        headers: {
          link: `<${origin}/api/v1/repos/gitea/tea/pulls/7/files?limit=50&page=2>; rel="next", <${origin}/api/v1/repos/gitea/tea/pulls/7/files?limit=50&page=2>; rel="last"`,
          'x-total-count': '2',
        },
      }),
      '/api/v1/repos/gitea/tea/pulls/7/files?limit=50&page=2': {
        body: [{ filename: 'docs/login.md', previous_filename: 'docs/auth.md', status: 'renamed' }],
      },
      [`/api/v1/repos/gitea/tea/commits/${head}/status?limit=50`]: {
        body: {
          state: 'failure',
          sha: head,
          total_count: 4,
          statuses: [
            {
              id: 1,
              status: 'success',
              context: 'pr-build',
              description: 'passed',
              target_url: 'https://ci.example/7',
            },
            { id: 2, status: 'failure', context: 'lint', target_url: '' },
            { id: 3, status: 'error', context: 'e2e' },
            { id: 4, status: 'warning', context: 'coverage' },
          ],
        },
      },
    });
    const api = giteaApi({ baseUrl, token: 't' });
    expect(await api.pullRequest('gitea', 'tea', 7)).toEqual({
      number: 7,
      author: 'lunny',
      state: 'open',
      draft: true,
      labels: ['kind/feature', 'ok-to-test'],
      baseRef: 'main',
      baseSha: '5ef8e8d6c5b4a3928170f6e5d4c3b2a190817263',
      headRef: 'login',
      headSha: head,
    });
    expect(await api.changedFiles('gitea', 'tea', 7)).toEqual([
      'cmd/login.go',
      'docs/login.md',
      'docs/auth.md',
    ]);
    expect(await api.commitStatuses('gitea', 'tea', head)).toEqual([
      { context: 'pr-build', state: 'success', targetUrl: 'https://ci.example/7' },
      { context: 'lint', state: 'failure' },
      { context: 'e2e', state: 'error' },
      { context: 'coverage', state: 'pending' },
    ]);
  });

  it('tells a merged pull request, and one without labels or a draft flag (older Gitea)', async () => {
    const baseUrl = await gitea({
      '/api/v1/repos/gitea/tea/pulls/8': {
        body: {
          number: 8,
          state: 'closed',
          merged: true,
          user: { login: 'techknowlogick' },
          labels: null,
          base: { ref: 'main', sha: '1111111111111111111111111111111111111111' },
          head: { ref: 'fix', sha: '2222222222222222222222222222222222222222' },
        },
      },
    });
    const pr = await giteaApi({ baseUrl, token: 't' }).pullRequest('gitea', 'tea', 8);
    expect(pr).toMatchObject({ state: 'merged', draft: false, labels: [] });
  });

  it('tells an outage or rate limit (retry later) from a refusal (configuration), and names a bad answer', async () => {
    const baseUrl = await gitea({
      '/api/v1/repos/o/r/pulls/1': { status: 500, body: { message: 'internal error' } },
      '/api/v1/repos/o/r/pulls/2': { status: 429, body: { message: 'rate limited' } },
      '/api/v1/repos/o/r/pulls/3': { status: 401, body: { message: 'token is required' } },
      '/api/v1/repos/o/r/pulls/5': { body: { number: 5, state: 'open' } },
      '/api/v1/repos/o/r/collaborators/u': { status: 403, body: { message: 'user should be an owner' } },
    });
    // One request per call: this is about how each answer is classified; rest.test.ts retries them.
    const api = giteaApi({ baseUrl, token: 't', retry: { attempts: 1 } });
    await expect(api.pullRequest('o', 'r', 1)).rejects.toBeInstanceOf(ProviderUnavailableError);
    await expect(api.pullRequest('o', 'r', 2)).rejects.toBeInstanceOf(ProviderUnavailableError);
    await expect(api.pullRequest('o', 'r', 3)).rejects.toThrow(
      expect.objectContaining({ name: 'ProviderError', status: 401 }),
    );
    await expect(api.pullRequest('o', 'r', 4)).rejects.toThrow(
      expect.objectContaining({ name: 'ProviderError', status: 404 }),
    );
    const malformed = api.pullRequest('o', 'r', 5);
    await expect(malformed).rejects.toBeInstanceOf(ProviderError);
    await expect(malformed).rejects.toThrow(/\/repos\/o\/r\/pulls\/5: unexpected answer/);
    await expect(api.isCollaborator('o', 'r', 'u')).rejects.toThrow(
      expect.objectContaining({ name: 'ProviderError', status: 403 }),
    );
    // A failure is not kept: asking again asks Gitea again.
    await expect(api.pullRequest('o', 'r', 1)).rejects.toBeInstanceOf(ProviderUnavailableError);
    expect(requests.filter((r) => r.url === '/api/v1/repos/o/r/pulls/1')).toHaveLength(2);
  });
});

// The write side, shaped like the same swagger: CreateStatusOption and CommitStatus (201), Comment
// (list without pages, create 201, edit 200, delete 204), Label (repo and org lists paged by limit,
// create 201 with CreateLabelOption), IssueLabelsOption (ids) and "Remove a label from an issue" (204).
describe('giteaApi writes', () => {
  const repo = '/api/v1/repos/gitea/tea';
  const label = (id: number, name: string) => ({
    id,
    name,
    color: 'e11d21',
    description: '',
    exclusive: false,
  });
  const comment = (id: number, login: string, body: string) => ({
    id,
    html_url: `https://gitea.com/gitea/tea/pulls/7#issuecomment-${id}`,
    body,
    user: { id: 1, login, full_name: '' },
    created_at: '2024-05-01T10:00:00Z',
  });

  it("posts a status in Gitea's state names, cut to 255 characters", async () => {
    const baseUrl = await gitea({ [`POST ${repo}/statuses/${head}`]: { status: 201, body: { id: 1 } } });
    const api = giteaApi({ baseUrl, token: 'gitea-secret' });
    for (const state of ['pending', 'running', 'success', 'failure', 'error', 'aborted'] as const) {
      await api.createStatus('gitea', 'tea', head, {
        context: 'pr-build',
        state,
        description: 'y'.repeat(256),
      });
    }
    expect(requests.map((r) => (r.body as { state: string }).state)).toEqual([
      'pending',
      'pending',
      'success',
      'failure',
      'error',
      'error',
    ]);
    expect(requests[0]).toMatchObject({
      method: 'POST',
      url: `${repo}/statuses/${head}`,
      headers: { authorization: 'token gitea-secret' },
      body: { state: 'pending', context: 'pr-build', description: `${'y'.repeat(254)}…` },
    });
  });

  it("lists, creates, edits and deletes a pull request's comments", async () => {
    const baseUrl = await gitea({
      [`${repo}/issues/7/comments?limit=50`]: {
        body: [comment(11, 'lunny', 'LGTM'), comment(12, 'bot', 'failed')],
      },
      [`POST ${repo}/issues/7/comments`]: { status: 201, body: comment(13, 'bot', 'hello') },
      [`PATCH ${repo}/issues/comments/13`]: { body: comment(13, 'bot', 'edited') },
      [`DELETE ${repo}/issues/comments/13`]: { status: 204 },
    });
    const api = giteaApi({ baseUrl, token: 't' });
    expect(await api.comments('gitea', 'tea', 7)).toEqual([
      { id: 11, author: 'lunny', body: 'LGTM', at: '2024-05-01T10:00:00Z' },
      { id: 12, author: 'bot', body: 'failed', at: '2024-05-01T10:00:00Z' },
    ]);
    expect(await api.createComment('gitea', 'tea', 7, 'hello')).toMatchObject({
      id: 13,
      author: 'bot',
      body: 'hello',
    });
    await api.editComment('gitea', 'tea', 7, 13, 'edited');
    await api.deleteComment('gitea', 'tea', 7, 13);
    expect(requests.slice(1).map(({ method, url, body }) => ({ method, url, body }))).toEqual([
      { method: 'POST', url: `${repo}/issues/7/comments`, body: { body: 'hello' } },
      { method: 'PATCH', url: `${repo}/issues/comments/13`, body: { body: 'edited' } },
      { method: 'DELETE', url: `${repo}/issues/comments/13`, body: undefined },
    ]);
  });

  it("adds a label by the repository's id, else the organisation's, else one it creates; removes by id", async () => {
    const baseUrl = await gitea({
      [`${repo}/labels?limit=50`]: (origin) => ({
        body: [label(1, 'kind/bug')],
        headers: { link: `<${origin}${repo}/labels?limit=50&page=2>; rel="next"` },
      }),
      [`${repo}/labels?limit=50&page=2`]: { body: [label(2, 'lgtm')] },
      '/api/v1/orgs/gitea/labels?limit=50': { body: [label(40, 'approved')] },
      [`POST ${repo}/labels`]: { status: 201, body: label(3, 'needs-rebase') },
      [`POST ${repo}/issues/7/labels`]: { body: [label(2, 'lgtm')] },
      [`DELETE ${repo}/issues/7/labels/2`]: { status: 204 },
    });
    const api = giteaApi({ baseUrl, token: 't' });
    expect(api.hasLabels).toBe(true);
    await api.addLabel('gitea', 'tea', 7, 'lgtm');
    await api.addLabel('gitea', 'tea', 7, 'approved');
    await api.addLabel('gitea', 'tea', 7, 'needs-rebase');
    await api.removeLabel('gitea', 'tea', 7, 'lgtm');
    await api.removeLabel('gitea', 'tea', 7, 'never-made');
    const writes = requests
      .filter((r) => r.method !== 'GET')
      .map(({ method, url, body }) => ({ method, url, body }));
    expect(writes).toEqual([
      { method: 'POST', url: `${repo}/issues/7/labels`, body: { labels: [2] } },
      { method: 'POST', url: `${repo}/issues/7/labels`, body: { labels: [40] } },
      { method: 'POST', url: `${repo}/labels`, body: { name: 'needs-rebase', color: '#00aabb' } },
      { method: 'POST', url: `${repo}/issues/7/labels`, body: { labels: [3] } },
      { method: 'DELETE', url: `${repo}/issues/7/labels/2`, body: undefined },
    ]);
  });

  it('finds labels in the repository only when its owner is a user, who has no organisation labels', async () => {
    const userRepo = '/api/v1/repos/lunny/tea';
    const baseUrl = await gitea({
      [`${userRepo}/labels?limit=50`]: { body: [] },
      [`POST ${userRepo}/labels`]: { status: 201, body: label(5, 'lgtm') },
      [`POST ${userRepo}/issues/1/labels`]: { body: [label(5, 'lgtm')] },
    });
    await giteaApi({ baseUrl, token: 't' }).addLabel('lunny', 'tea', 1, 'lgtm');
    expect(requests.map((r) => `${r.method} ${r.url}`)).toEqual([
      `GET ${userRepo}/labels?limit=50`,
      'GET /api/v1/orgs/lunny/labels?limit=50',
      `POST ${userRepo}/labels`,
      `POST ${userRepo}/issues/1/labels`,
    ]);
  });

  it('knows whom its token acts for', async () => {
    const baseUrl = await gitea({
      '/api/v1/user': { body: { id: 1, login: 'lighthouse-bot', full_name: '' } },
    });
    expect(await giteaApi({ baseUrl, token: 't' }).whoAmI()).toBe('lighthouse-bot');
  });
});

// Gitea's "Get an issue" and "Edit an issue" (EditIssueOption's `assignees` replaces the list; the Issue
// answered, 201, with `assignees` null for none), "Return all users that have write access and can be assigned
// to issues" (GET /repos/{owner}/{repo}/assignees), and "create review requests for a pull request" (201 with
// the PullReviews made, the reviewer as `user`; 404 for an unknown user, 422 for one who may not review) and
// "cancel review requests" (204).
describe('giteaApi assignees and review requests', () => {
  const repo = '/api/v1/repos/gitea/tea';
  const user = (id: number, login: string) => ({ id, login, login_name: '', full_name: '', email: '' });
  const lunny = user(1, 'lunny');
  const zeripath = user(2, 'zeripath');
  const issue = (assignees: ReturnType<typeof user>[] | null) => ({
    id: 70,
    url: `https://gitea.example${repo}/issues/7`,
    number: 7,
    user: user(3, 'techknowlogick'),
    title: 'Add login command',
    labels: [],
    milestone: null,
    assignee: assignees?.[0] ?? null,
    assignees,
    state: 'open',
    pull_request: { merged: false, merged_at: null, draft: false },
  });
  const writes = () => requests.map(({ method, url, body }) => ({ method, url, body }));

  it('sends the whole list once: those assigned, and the new logins the repository may assign; others are refused', async () => {
    const baseUrl = await gitea({
      [`${repo}/issues/7`]: { body: issue([lunny]) },
      [`${repo}/assignees`]: { body: [lunny, zeripath] },
      [`PATCH ${repo}/issues/7`]: { status: 201, body: issue([lunny, zeripath]) },
    });
    const api = giteaApi({ baseUrl, token: 't' });
    expect(await api.assign('gitea', 'tea', 7, ['Lunny', 'zeripath', 'ghost'], 'assignees')).toEqual([
      'ghost',
    ]);
    expect(writes()).toEqual([
      { method: 'GET', url: `${repo}/issues/7`, body: undefined },
      { method: 'GET', url: `${repo}/assignees`, body: undefined },
      { method: 'PATCH', url: `${repo}/issues/7`, body: { assignees: ['lunny', 'zeripath'] } },
    ]);
  });

  it('names those Gitea left out, as it does all of them when the token may not assign', async () => {
    const baseUrl = await gitea({
      [`${repo}/issues/7`]: { body: issue(null) },
      [`${repo}/assignees`]: { body: [lunny, zeripath] },
      [`PATCH ${repo}/issues/7`]: { status: 201, body: issue(null) },
    });
    const api = giteaApi({ baseUrl, token: 't' });
    expect(await api.assign('gitea', 'tea', 7, ['zeripath'], 'assignees')).toEqual(['zeripath']);
    expect(requests.at(-1)?.body).toEqual({ assignees: ['zeripath'] });
  });

  it('writes nothing when everyone named is assigned, or none of the others may be', async () => {
    const baseUrl = await gitea({
      [`${repo}/issues/7`]: { body: issue([lunny, zeripath]) },
      [`${repo}/assignees`]: { body: [lunny, zeripath] },
    });
    const api = giteaApi({ baseUrl, token: 't' });
    expect(await api.assign('gitea', 'tea', 7, ['lunny', 'ZERIPATH'], 'assignees')).toEqual([]);
    expect(await api.assign('gitea', 'tea', 7, ['lunny', 'ghost'], 'assignees')).toEqual(['ghost']);
    expect(requests.map((r) => `${r.method} ${r.url}`)).toEqual([
      `GET ${repo}/issues/7`,
      `GET ${repo}/issues/7`,
      `GET ${repo}/assignees`,
    ]);
  });

  it('unassigns by sending the list without them, and nothing when none of them is assigned', async () => {
    const baseUrl = await gitea({
      [`${repo}/issues/7`]: { body: issue([lunny, zeripath]) },
      [`PATCH ${repo}/issues/7`]: { status: 201, body: issue([lunny]) },
    });
    const api = giteaApi({ baseUrl, token: 't' });
    await api.unassign('gitea', 'tea', 7, ['Zeripath', 'ghost'], 'assignees');
    await api.unassign('gitea', 'tea', 7, ['ghost'], 'assignees');
    expect(writes()).toEqual([
      { method: 'GET', url: `${repo}/issues/7`, body: undefined },
      { method: 'PATCH', url: `${repo}/issues/7`, body: { assignees: ['lunny'] } },
      { method: 'GET', url: `${repo}/issues/7`, body: undefined },
    ]);
  });

  it('asks for reviews, refused whole for one who may not review (422) or no such user (404), and takes them back', async () => {
    const requested = {
      id: 21,
      user: zeripath,
      team: null,
      state: 'REQUEST_REVIEW',
      body: '',
      commit_id: '',
      stale: false,
      official: false,
      dismissed: false,
      comments_count: 0,
      submitted_at: '2024-05-01T10:00:00Z',
      html_url: 'https://gitea.example/gitea/tea/pulls/7#issuecomment-210',
    };
    const reviewers = `${repo}/pulls/7/requested_reviewers`;
    const baseUrl = await gitea({
      [`POST ${reviewers}`]: [
        { status: 201, body: [requested] },
        // Asked already: Gitea makes no new request, and answers none.
        { status: 201, body: [] },
        {
          status: 422,
          body: {
            message: "poster of pr can't be reviewer [user_id: 1, repo_id: 1]",
            url: 'https://gitea.example/api/swagger',
          },
        },
        {
          status: 404,
          body: {
            message: "The target couldn't be found.",
            url: 'https://gitea.example/api/swagger',
            errors: ["User 'ghost' not exist"],
          },
        },
      ],
      [`DELETE ${reviewers}`]: [
        { status: 204 },
        { status: 404, body: { message: "The target couldn't be found." } },
      ],
    });
    const api = giteaApi({ baseUrl, token: 't' });
    expect(await api.assign('gitea', 'tea', 7, ['zeripath'], 'reviewers')).toEqual([]);
    expect(await api.assign('gitea', 'tea', 7, ['zeripath'], 'reviewers')).toEqual([]);
    expect(await api.assign('gitea', 'tea', 7, ['zeripath', 'techknowlogick'], 'reviewers')).toEqual([
      'zeripath',
      'techknowlogick',
    ]);
    expect(await api.assign('gitea', 'tea', 7, ['zeripath', 'ghost'], 'reviewers')).toEqual([
      'zeripath',
      'ghost',
    ]);
    await api.unassign('gitea', 'tea', 7, ['zeripath'], 'reviewers');
    await api.unassign('gitea', 'tea', 7, ['ghost'], 'reviewers');
    expect(writes()).toEqual([
      { method: 'POST', url: reviewers, body: { reviewers: ['zeripath'] } },
      { method: 'POST', url: reviewers, body: { reviewers: ['zeripath'] } },
      { method: 'POST', url: reviewers, body: { reviewers: ['zeripath', 'techknowlogick'] } },
      { method: 'POST', url: reviewers, body: { reviewers: ['zeripath', 'ghost'] } },
      { method: 'DELETE', url: reviewers, body: { reviewers: ['zeripath'] } },
      { method: 'DELETE', url: reviewers, body: { reviewers: ['ghost'] } },
    ]);
  });
});

// "Get a file from a repository" (GET /repos/{owner}/{repo}/raw/{filepath}?ref=: the bytes as they are, 404
// for a missing path or a directory) and "List all reviews for a pull request" (its swagger's PullReview:
// state APPROVED, PENDING, COMMENT, REQUEST_CHANGES or REQUEST_REVIEW; a dismissed review keeps its state
// and says `dismissed`), oldest first as Gitea sorts them.
describe('giteaApi reads files and reviews', () => {
  const repo = '/api/v1/repos/gitea/tea';
  const limit = 256 * 1024;
  const text = (body: string) => ({ text: body, headers: { 'content-type': 'text/plain; charset=utf-8' } });
  const owners = 'approvers:\n  - lunny\n';

  it('reads a raw file at a commit, each segment of its path encoded; a missing one is none', async () => {
    const baseUrl = await gitea({
      [`${repo}/raw/OWNERS?ref=${head}`]: text(owners),
      [`${repo}/raw/docs/a%20b/%231%3F/%C3%BCn%C3%AF.md?ref=${head}`]: text('ünï ✓\n'),
      [`${repo}/raw/gone?ref=${head}`]: { status: 404, body: { message: "The target couldn't be found." } },
    });
    const api = giteaApi({ baseUrl, token: 't' });
    expect(await api.fileContent('gitea', 'tea', 'OWNERS', head)).toBe(owners);
    expect(await api.fileContent('gitea', 'tea', 'docs/a b/#1?/ünï.md', head)).toBe('ünï ✓\n');
    expect(await api.fileContent('gitea', 'tea', 'gone', head)).toBeUndefined();
    expect(requests.map((r) => r.url)).toEqual([
      `${repo}/raw/OWNERS?ref=${head}`,
      `${repo}/raw/docs/a%20b/%231%3F/%C3%BCn%C3%AF.md?ref=${head}`,
      `${repo}/raw/gone?ref=${head}`,
    ]);
  });

  it('keeps what it read at a SHA, a missing file too, and asks again at a branch', async () => {
    const baseUrl = await gitea({
      [`${repo}/raw/OWNERS?ref=${head}`]: text(owners),
      [`${repo}/raw/OWNERS?ref=main`]: text(owners),
    });
    const api = giteaApi({ baseUrl, token: 't' });
    for (let read = 0; read < 2; read++) {
      expect(await api.fileContent('gitea', 'tea', 'OWNERS', head)).toBe(owners);
      expect(await api.fileContent('gitea', 'tea', 'gone/OWNERS', head)).toBeUndefined();
      expect(await api.fileContent('gitea', 'tea', 'OWNERS', 'main')).toBe(owners);
    }
    expect(requests.map((r) => r.url)).toEqual([
      `${repo}/raw/OWNERS?ref=${head}`,
      `${repo}/raw/gone/OWNERS?ref=${head}`,
      `${repo}/raw/OWNERS?ref=main`,
      `${repo}/raw/OWNERS?ref=main`,
    ]);
  });

  it('reads a file of 256 KiB, and refuses a larger one', async () => {
    const baseUrl = await gitea({
      [`${repo}/raw/full?ref=${head}`]: text('x'.repeat(limit)),
      [`${repo}/raw/big?ref=${head}`]: text('x'.repeat(limit + 1)),
    });
    const api = giteaApi({ baseUrl, token: 't' });
    expect(await api.fileContent('gitea', 'tea', 'full', head)).toHaveLength(limit);
    await expect(api.fileContent('gitea', 'tea', 'big', head)).rejects.toThrow(
      expect.objectContaining({
        name: 'ProviderError',
        message: expect.stringMatching(/larger than 256 KiB/),
      }),
    );
    expect(requests).toHaveLength(2);
  });

  it("lists the reviews in Gitea's state names, a dismissed one as dismissed, pending ones and requests left out", async () => {
    const review = (id: number, login: string | null, state: string, body: string, dismissed = false) => ({
      id,
      user: login === null ? null : { id: 1, login, full_name: '' },
      team: login === null ? { id: 3, name: 'reviewers' } : null,
      state,
      body,
      commit_id: head,
      stale: false,
      official: true,
      dismissed,
      comments_count: 0,
      submitted_at: '2024-05-01T10:00:00Z',
    });
    const reviews = `${repo}/pulls/7/reviews?limit=50`;
    const baseUrl = await gitea({
      [reviews]: {
        body: [
          review(1, 'lunny', 'APPROVED', 'LGTM'),
          review(2, 'zeripath', 'REQUEST_CHANGES', 'Please add a test', true),
          review(3, 'zeripath', 'REQUEST_CHANGES', 'Still no test'),
          review(4, 'techknowlogick', 'COMMENT', 'Why not reuse it?'),
          review(5, 'delvh', 'PENDING', ''),
          review(6, 'jolheiser', 'REQUEST_REVIEW', ''),
          review(7, null, 'REQUEST_REVIEW', ''),
        ],
      },
    });
    expect(await giteaApi({ baseUrl, token: 't' }).reviews('gitea', 'tea', 7)).toEqual([
      { author: 'lunny', state: 'approved', body: 'LGTM', at: '2024-05-01T10:00:00Z' },
      { author: 'zeripath', state: 'dismissed', body: 'Please add a test', at: '2024-05-01T10:00:00Z' },
      { author: 'zeripath', state: 'changes_requested', body: 'Still no test', at: '2024-05-01T10:00:00Z' },
      { author: 'techknowlogick', state: 'commented', body: 'Why not reuse it?', at: '2024-05-01T10:00:00Z' },
    ]);
    expect(requests.map((r) => r.url)).toEqual([reviews]);
  });
});

// Gitea's "Get an issue", "List a particular member of team" (the user, or 404), "Get all of a repository's
// opened milestones" (by id: Gitea's milestones have no number) and "Edit an issue" (`milestone` 0 for none).
describe('giteaApi issues, teams and milestones', () => {
  const repo = '/api/v1/repos/gitea/tea';

  it("reads an issue's state and labels, a null list as none", async () => {
    const baseUrl = await gitea({
      [`${repo}/issues/7`]: {
        body: { id: 70, number: 7, state: 'open', title: 'A bug', user: { login: 'mona' }, labels: null },
      },
    });
    expect(await giteaApi({ baseUrl, token: 't' }).issue?.('gitea', 'tea', 7)).toEqual({
      number: 7,
      state: 'open',
      labels: [],
    });
  });

  it("tells a team's member by the team's id", async () => {
    const baseUrl = await gitea({ '/api/v1/teams/5/members/mona': { body: { id: 1, login: 'mona' } } });
    const api = giteaApi({ baseUrl, token: 't' });
    expect(await api.isTeamMember?.('gitea', { id: 5, slug: 'releasers' }, 'mona')).toBe(true);
    expect(await api.isTeamMember?.('gitea', { id: 5, slug: 'releasers' }, 'stranger')).toBe(false);
    expect(requests.map((r) => r.url)).toEqual([
      '/api/v1/teams/5/members/mona',
      '/api/v1/teams/5/members/stranger',
    ]);
  });

  it("finds a team by its name, and reads a commit's tree without its files", async () => {
    const sha = '6dcb09b5b57875f334f61aebed695e2e4193db5e';
    const tree = '691272480426f78a0138979dd3ce63b77f706feb';
    const commitPath = `${repo}/git/commits/${sha}?stat=false&files=false&verification=false`;
    const baseUrl = await gitea({
      '/api/v1/orgs/gitea/teams?limit=50': {
        body: [
          { id: 1, name: 'Owners', permission: 'owner' },
          { id: 5, name: 'releasers', permission: 'write' },
        ],
      },
      [commitPath]: {
        body: {
          sha,
          html_url: `https://gitea.example/gitea/tea/commit/${sha}`,
          commit: {
            message: 'Fix the tea\n',
            tree: { url: `https://gitea.example/api/v1/repos/gitea/tea/git/trees/${tree}`, sha: tree },
          },
          parents: [],
        },
      },
    });
    const api = giteaApi({ baseUrl, token: 't' });
    expect(await api.teamNamed?.('gitea', 'releasers')).toEqual({ id: 5, slug: '' });
    expect(await api.teamNamed?.('gitea', 'nobody')).toBeUndefined();
    expect(await api.treeOf?.('gitea', 'tea', sha)).toBe(tree);
  });

  it('lists the open milestones by id, and sets and clears an issue milestone', async () => {
    const baseUrl = await gitea({
      [`${repo}/milestones?state=open&limit=50`]: {
        body: [{ id: 31, title: 'v1.0', state: 'open', open_issues: 2, closed_issues: 0 }],
      },
      [`PATCH ${repo}/issues/7`]: { status: 201, body: { id: 70, number: 7, state: 'open' } },
    });
    const api = giteaApi({ baseUrl, token: 't' });
    expect(await api.milestones?.('gitea', 'tea')).toEqual([{ id: 31, title: 'v1.0' }]);
    await api.setMilestone?.('gitea', 'tea', 7, 31);
    await api.setMilestone?.('gitea', 'tea', 7, null);
    expect(requests.slice(1).map(({ method, url, body }) => ({ method, url, body }))).toEqual([
      { method: 'PATCH', url: `${repo}/issues/7`, body: { milestone: 31 } },
      { method: 'PATCH', url: `${repo}/issues/7`, body: { milestone: 0 } },
    ]);
  });
});
