import { afterEach, describe, expect, it } from 'vitest';
import { type Route, replayServer } from '../test/replay-server.ts';
import { ProviderError, ProviderUnavailableError } from './api.ts';
import { bitbucketServerApi } from './bitbucket-server.ts';

// A local server answering as Bitbucket Server / Data Center's REST API does. The bodies are shaped like
// Atlassian's REST reference for it (developer.atlassian.com/server/bitbucket/rest: "Get all users" with its
// permission filters, "Get pull request", "Gets pull request changes", "Get build statuses for commit"; the
// paged envelope values/size/limit/start/isLastPage/nextPageStart; errors as {errors: [{message,
// exceptionName}]}), trimmed to the fields read and a few neighbours.

const replay = replayServer({
  notFound: { errors: [{ message: 'No such route', exceptionName: null }] },
  contentType: 'application/json;charset=UTF-8',
});
const { requests } = replay;
const bitbucket = (routes: Record<string, Route>) => replay.start(routes);
afterEach(() => replay.stop());

const user = (name: string) => ({
  name,
  emailAddress: `${name}@example.com`,
  id: name.length,
  displayName: name,
  active: true,
  slug: name.toLowerCase(),
  type: 'NORMAL',
});
const page = (values: unknown[], start: number, nextPageStart?: number) => ({
  size: values.length,
  limit: values.length,
  start,
  isLastPage: nextPageStart === undefined,
  ...(nextPageStart === undefined ? {} : { nextPageStart }),
  values,
});
const path = (components: string[]) => ({
  components,
  parent: components.slice(0, -1).join('/'),
  name: components.at(-1),
  toString: components.join('/'),
});

const repo = '/rest/api/1.0/projects/PRJ/repos/my-repo';
const users = '/rest/api/1.0/users?filter=';
const head = 'c0ffee00c0ffee00c0ffee00c0ffee00c0ffee00';
const base = 'deadbeefdeadbeefdeadbeefdeadbeefdeadbeef';

describe('bitbucketServerApi', () => {
  it('asks the user search who holds REPO_WRITE on the repository, and picks the user exactly', async () => {
    const repoWrite = 'permission=REPO_WRITE&permission.projectKey=PRJ&permission.repositorySlug=my-repo';
    const baseUrl = await bitbucket({
      [`${users}jcitizen&${repoWrite}&start=0&limit=100`]: {
        body: page([user('jcitizen-bot'), user('JCitizen')], 0),
      },
      // The filter matches any part of a name: "jane" finds janet, who is not jane.
      [`${users}jane&${repoWrite}&start=0&limit=100`]: { body: page([user('janet')], 0) },
    });
    const api = bitbucketServerApi({ baseUrl, token: 'bbs-secret' });
    expect(await api.isCollaborator('PRJ', 'my-repo', 'jcitizen')).toBe(true);
    expect(await api.isCollaborator('PRJ', 'my-repo', 'jane')).toBe(false);
    expect(await api.isCollaborator('PRJ', 'my-repo', 'jcitizen')).toBe(true);
    expect(requests).toHaveLength(2);
    expect(requests.every((r) => r.headers.authorization === 'Bearer bbs-secret')).toBe(true);
  });

  it('counts write access to the project (PROJECT_WRITE or more) as membership, never mere read, across pages', async () => {
    const projectWrite = 'permission=PROJECT_WRITE&permission.projectKey=PRJ';
    const baseUrl = await bitbucket({
      [`${users}jcitizen&${projectWrite}&start=0&limit=100`]: { body: page([user('jcitizen-bot')], 0, 1) },
      [`${users}jcitizen&${projectWrite}&start=1&limit=100`]: { body: page([user('jcitizen')], 1) },
      [`${users}stranger&${projectWrite}&start=0&limit=100`]: { body: page([], 0) },
      // A permission filter naming a project that does not exist is a bad request.
      [`${users}jcitizen&permission=PROJECT_WRITE&permission.projectKey=NOPE&start=0&limit=100`]: {
        status: 400,
        body: { errors: [{ message: 'No project NOPE', exceptionName: null }] },
      },
    });
    const api = bitbucketServerApi({ baseUrl, token: 't' });
    expect(await api.isOrgMember('PRJ', 'jcitizen')).toBe(true);
    expect(await api.isOrgMember('PRJ', 'stranger')).toBe(false);
    await expect(api.isOrgMember('NOPE', 'jcitizen')).rejects.toThrow(
      expect.objectContaining({ name: 'ProviderError', status: 400 }),
    );
  });

  it('asks the user search who holds REPO_ADMIN on the repository (project admins hold it too)', async () => {
    const repoAdmin = 'permission=REPO_ADMIN&permission.projectKey=PRJ&permission.repositorySlug=my-repo';
    const baseUrl = await bitbucket({
      [`${users}admin&${repoAdmin}&start=0&limit=100`]: { body: page([user('admin')], 0) },
      [`${users}jcitizen&${repoAdmin}&start=0&limit=100`]: { body: page([], 0) },
    });
    const api = bitbucketServerApi({ baseUrl, token: 't' });
    expect(await api.isAdmin('PRJ', 'my-repo', 'admin')).toBe(true);
    expect(await api.isAdmin('PRJ', 'my-repo', 'jcitizen')).toBe(false);
    expect(await api.isAdmin('PRJ', 'my-repo', 'admin')).toBe(true);
    expect(requests).toHaveLength(2);
  });

  it('reads a pull request: refs, author by slug, state, and no labels', async () => {
    const ref = (branch: string, sha: string) => ({
      id: `refs/heads/${branch}`,
      displayId: branch,
      latestCommit: sha,
      type: 'BRANCH',
      repository: { slug: 'my-repo', name: 'My repo', project: { key: 'PRJ' } },
    });
    const pullRequest = (id: number, state: string, draft?: boolean) => ({
      id,
      version: 3,
      title: 'Retry flaky uploads',
      state,
      open: state === 'OPEN',
      closed: state !== 'OPEN',
      ...(draft === undefined ? {} : { draft }),
      locked: false,
      author: { user: user('jcitizen'), role: 'AUTHOR', approved: false, status: 'UNAPPROVED' },
      reviewers: [],
      participants: [],
      fromRef: ref('feature/retry', head),
      toRef: ref('main', base),
    });
    const baseUrl = await bitbucket({
      [`${repo}/pull-requests/1`]: { body: pullRequest(1, 'OPEN', true) },
      [`${repo}/pull-requests/2`]: { body: pullRequest(2, 'MERGED') },
      [`${repo}/pull-requests/3`]: { body: pullRequest(3, 'DECLINED', false) },
    });
    const api = bitbucketServerApi({ baseUrl, token: 't' });
    expect(await api.pullRequest('PRJ', 'my-repo', 1)).toEqual({
      number: 1,
      author: 'jcitizen',
      state: 'open',
      draft: true,
      labels: [],
      baseRef: 'main',
      baseSha: base,
      headRef: 'feature/retry',
      headSha: head,
    });
    expect(await api.pullRequest('PRJ', 'my-repo', 2)).toMatchObject({ state: 'merged', draft: false });
    expect(await api.pullRequest('PRJ', 'my-repo', 3)).toMatchObject({ state: 'closed' });
  });

  it('lists changed paths across pages, both names of a move', async () => {
    const changes = `${repo}/pull-requests/1/changes?withComments=false`;
    const baseUrl = await bitbucket({
      [`${changes}&start=0&limit=1000`]: {
        body: {
          fromHash: base,
          toHash: head,
          properties: { changeScope: 'ALL' },
          ...page(
            [
              { type: 'MODIFY', path: path(['src', 'upload.go']), nodeType: 'FILE', srcPath: null },
              { type: 'ADD', path: path(['README.md']), nodeType: 'FILE' },
            ],
            0,
            2,
          ),
        },
      },
      [`${changes}&start=2&limit=1000`]: {
        body: page(
          [
            { type: 'MOVE', path: path(['docs', 'retry.md']), srcPath: path(['docs', 'upload.md']) },
            { type: 'DELETE', path: path(['old.txt']) },
          ],
          2,
        ),
      },
    });
    expect(await bitbucketServerApi({ baseUrl, token: 't' }).changedFiles('PRJ', 'my-repo', 1)).toEqual([
      'src/upload.go',
      'README.md',
      'docs/retry.md',
      'docs/upload.md',
      'old.txt',
    ]);
  });

  it('stops when a list ignores `start` and answers its one page again, as changes are documented to', async () => {
    const changes = `${repo}/pull-requests/1/changes?withComments=false`;
    const onlyPage = { body: page([{ type: 'ADD', path: path(['a.txt']) }], 0, 1) };
    const baseUrl = await bitbucket({
      [`${changes}&start=0&limit=1000`]: onlyPage,
      [`${changes}&start=1&limit=1000`]: onlyPage,
    });
    const api = bitbucketServerApi({ baseUrl, token: 't' });
    expect(await api.changedFiles('PRJ', 'my-repo', 1)).toEqual(['a.txt']);
    expect(requests).toHaveLength(2);
  });

  it('reads the build statuses of a commit across pages', async () => {
    const statuses = `/rest/build-status/1.0/commits/${head}`;
    const status = (key: string, state: string) => ({
      key,
      state,
      name: `${key} #4`,
      url: `https://ci.example.com/${key}/4`,
      dateAdded: 1587533099278,
    });
    const baseUrl = await bitbucket({
      [`${statuses}?start=0&limit=100`]: {
        body: page([status('pr-build', 'SUCCESSFUL'), status('lint', 'FAILED')], 0, 2),
      },
      [`${statuses}?start=2&limit=100`]: {
        body: page([status('e2e', 'INPROGRESS'), status('deploy', 'CANCELLED')], 2),
      },
    });
    expect(await bitbucketServerApi({ baseUrl, token: 't' }).commitStatuses('PRJ', 'my-repo', head)).toEqual([
      { context: 'pr-build', state: 'success', targetUrl: 'https://ci.example.com/pr-build/4' },
      { context: 'lint', state: 'failure', targetUrl: 'https://ci.example.com/lint/4' },
      { context: 'e2e', state: 'pending', targetUrl: 'https://ci.example.com/e2e/4' },
      { context: 'deploy', state: 'error', targetUrl: 'https://ci.example.com/deploy/4' },
    ]);
  });

  it('tells an outage or rate limit (retry later) from a refusal (configuration), and names a bad answer', async () => {
    const refusal = (message: string, exceptionName: string) => ({ errors: [{ message, exceptionName }] });
    const baseUrl = await bitbucket({
      [`${repo}/pull-requests/1`]: { status: 503, body: refusal('Starting up', 'ServiceUnavailable') },
      [`${repo}/pull-requests/2`]: { status: 429, body: refusal('Too many requests', 'RateLimited') },
      [`${repo}/pull-requests/3`]: {
        status: 401,
        body: refusal('Authentication failed', 'com.atlassian.bitbucket.auth.AuthorisationException'),
      },
      [`${repo}/pull-requests/4`]: {
        status: 404,
        body: refusal(
          'Pull request 4 does not exist',
          'com.atlassian.bitbucket.pull.NoSuchPullRequestException',
        ),
      },
      [`${repo}/pull-requests/5`]: { body: { id: 5, state: 'SUPERSEDED' } },
      [`${repo}/pull-requests/5/changes?withComments=false&start=0&limit=1000`]: { body: { size: 0 } },
    });
    // One request per call: this is about how each answer is classified; rest.test.ts retries them.
    const api = bitbucketServerApi({ baseUrl, token: 't', retry: { attempts: 1 } });
    await expect(api.pullRequest('PRJ', 'my-repo', 1)).rejects.toBeInstanceOf(ProviderUnavailableError);
    await expect(api.pullRequest('PRJ', 'my-repo', 2)).rejects.toBeInstanceOf(ProviderUnavailableError);
    await expect(api.pullRequest('PRJ', 'my-repo', 3)).rejects.toThrow(
      expect.objectContaining({ name: 'ProviderError', status: 401 }),
    );
    await expect(api.pullRequest('PRJ', 'my-repo', 4)).rejects.toThrow(
      expect.objectContaining({ name: 'ProviderError', status: 404 }),
    );
    const malformed = api.pullRequest('PRJ', 'my-repo', 5);
    await expect(malformed).rejects.toBeInstanceOf(ProviderError);
    await expect(malformed).rejects.toThrow(/pull-requests\/5: unexpected answer/);
    await expect(api.changedFiles('PRJ', 'my-repo', 5)).rejects.toThrow(/changes.*: unexpected answer/);
    // A failure is not kept: asking again asks Bitbucket again.
    await expect(api.pullRequest('PRJ', 'my-repo', 1)).rejects.toBeInstanceOf(ProviderUnavailableError);
    expect(requests.filter((r) => r.url === `${repo}/pull-requests/1`)).toHaveLength(2);
  });

  it("reads a repository's HTTP clone URL, which older push payloads lack, once", async () => {
    // "Get repository": links.clone lists one link per protocol.
    const baseUrl = await bitbucket({
      [repo]: {
        body: {
          slug: 'my-repo',
          name: 'My repo',
          project: { key: 'PRJ' },
          links: {
            clone: [
              { href: 'ssh://git@bitbucket.example.com:7999/prj/my-repo.git', name: 'ssh' },
              { href: 'https://bitbucket.example.com/scm/prj/my-repo.git', name: 'http' },
            ],
            self: [{ href: 'https://bitbucket.example.com/projects/PRJ/repos/my-repo/browse' }],
          },
        },
      },
    });
    const api = bitbucketServerApi({ baseUrl, token: 'bbs-secret' });
    expect(await api.cloneUrl?.('PRJ', 'my-repo')).toBe('https://bitbucket.example.com/scm/prj/my-repo.git');
    expect(await api.cloneUrl?.('PRJ', 'my-repo')).toBe('https://bitbucket.example.com/scm/prj/my-repo.git');
    expect(requests).toHaveLength(1);
    await expect(api.cloneUrl?.('PRJ', 'missing')).rejects.toThrow(ProviderError);
  });
});

// The write side, shaped like the same reference: "Store a build status" (POST .../commits/{commitId}/builds,
// 204; key, state, url required), "Get pull request activity" (COMMENTED activities with commentAction
// ADDED, EDITED ..., newest first), "Add/Get/Update/Delete pull request comment" (update and delete take the
// version), and the applinks whoami servlet (the username as text/plain).
describe('bitbucketServerApi writes', () => {
  const builds = `/rest/api/latest/projects/PRJ/repos/my-repo/commits/${head}/builds`;
  const comments = `${repo}/pull-requests/1/comments`;
  const comment = (id: number, version: number, author: string, text: string) => ({
    properties: { repositoryId: 84 },
    id,
    version,
    text,
    author: user(author),
    createdDate: 1587533099278,
    updatedDate: 1587533099278,
    comments: [],
    tasks: [],
    permittedOperations: { editable: true, deletable: true },
  });
  const activity = (id: number, action: string, extra: Record<string, unknown> = {}) => ({
    id,
    createdDate: 1587533099278 + id,
    user: user('jcitizen'),
    action,
    ...extra,
  });

  it("posts build statuses in Bitbucket's states, linking the commit's page when there is no target", async () => {
    const baseUrl = await bitbucket({ [`POST ${builds}`]: { status: 204 } });
    const api = bitbucketServerApi({ baseUrl, token: 'bbs-secret' });
    for (const state of ['pending', 'running', 'success', 'failure', 'error', 'aborted'] as const) {
      await api.createStatus('PRJ', 'my-repo', head, {
        context: 'pr-build',
        state,
        description: 'd'.repeat(300),
        targetUrl: 'https://dashboard.example.com/1',
      });
    }
    await api.createStatus('PRJ', 'my-repo', head, { context: 'lint', state: 'success', description: 'ok' });
    expect(requests.map((r) => (r.body as { state: string }).state)).toEqual([
      'INPROGRESS',
      'INPROGRESS',
      'SUCCESSFUL',
      'FAILED',
      'FAILED',
      'CANCELLED',
      'SUCCESSFUL',
    ]);
    expect(requests[0]).toMatchObject({
      method: 'POST',
      url: builds,
      headers: { authorization: 'Bearer bbs-secret', 'content-type': 'application/json' },
      body: {
        key: 'pr-build',
        name: 'pr-build',
        url: 'https://dashboard.example.com/1',
        description: `${'d'.repeat(254)}…`,
      },
    });
    expect(requests[6]?.body).toEqual({
      key: 'lint',
      name: 'lint',
      state: 'SUCCESSFUL',
      url: `${baseUrl}/projects/PRJ/repos/my-repo/commits/${head}`,
      description: 'ok',
    });
  });

  it("lists a pull request's comments from its activities, oldest first, each once", async () => {
    const activities = `${repo}/pull-requests/1/activities`;
    const baseUrl = await bitbucket({
      [`${activities}?start=0&limit=100`]: {
        body: page(
          [
            activity(6, 'COMMENTED', {
              commentAction: 'EDITED',
              comment: comment(2, 1, 'jcitizen', 'Retest, please'),
            }),
            activity(5, 'APPROVED'),
            activity(4, 'COMMENTED', {
              commentAction: 'ADDED',
              comment: comment(2, 1, 'jcitizen', 'Retest, please'),
            }),
          ],
          0,
          3,
        ),
      },
      [`${activities}?start=3&limit=100`]: {
        body: page(
          [
            activity(2, 'COMMENTED', {
              commentAction: 'ADDED',
              comment: comment(1, 0, 'lighthouse-bot', 'failed'),
            }),
            activity(1, 'OPENED'),
          ],
          3,
        ),
      },
    });
    expect(await bitbucketServerApi({ baseUrl, token: 't' }).comments('PRJ', 'my-repo', 1)).toEqual([
      { id: 1, author: 'lighthouse-bot', body: 'failed', at: '2020-04-22T05:24:59.278Z' },
      { id: 2, author: 'jcitizen', body: 'Retest, please', at: '2020-04-22T05:24:59.278Z' },
    ]);
  });

  it('creates a comment, and edits or deletes one at the version just read', async () => {
    const baseUrl = await bitbucket({
      [`POST ${comments}`]: { status: 201, body: comment(9, 0, 'lighthouse-bot', 'hello') },
      [`GET ${comments}/9`]: [
        { body: comment(9, 0, 'lighthouse-bot', 'hello') },
        { body: comment(9, 1, 'lighthouse-bot', 'edited') },
      ],
      [`PUT ${comments}/9`]: { body: comment(9, 1, 'lighthouse-bot', 'edited') },
      [`DELETE ${comments}/9?version=1`]: { status: 204 },
    });
    const api = bitbucketServerApi({ baseUrl, token: 't' });
    expect(await api.createComment('PRJ', 'my-repo', 1, 'hello')).toEqual({
      id: 9,
      author: 'lighthouse-bot',
      body: 'hello',
    });
    await api.editComment('PRJ', 'my-repo', 1, 9, 'edited');
    await api.deleteComment('PRJ', 'my-repo', 1, 9);
    // A comment already gone is deleted; one that is gone cannot be edited.
    await api.deleteComment('PRJ', 'my-repo', 1, 10);
    await expect(api.editComment('PRJ', 'my-repo', 1, 10, 'x')).rejects.toThrow(
      expect.objectContaining({ name: 'ProviderError', status: 404 }),
    );
    expect(requests.map(({ method, url, body }) => ({ method, url, body }))).toEqual([
      { method: 'POST', url: comments, body: { text: 'hello' } },
      { method: 'GET', url: `${comments}/9`, body: undefined },
      { method: 'PUT', url: `${comments}/9`, body: { text: 'edited', version: 0 } },
      { method: 'GET', url: `${comments}/9`, body: undefined },
      { method: 'DELETE', url: `${comments}/9?version=1`, body: undefined },
      { method: 'GET', url: `${comments}/10`, body: undefined },
      { method: 'GET', url: `${comments}/10`, body: undefined },
    ]);
  });

  it('has no labels: adding and removing one asks nothing', async () => {
    const baseUrl = await bitbucket({});
    const api = bitbucketServerApi({ baseUrl, token: 't' });
    expect(api.hasLabels).toBe(false);
    expect(api.hasAssignees).toBe(false);
    await api.addLabel('PRJ', 'my-repo', 1, 'lgtm');
    await api.removeLabel('PRJ', 'my-repo', 1, 'lgtm');
    expect(requests).toHaveLength(0);
  });

  it('knows whom its token acts for, by slug, asking once', async () => {
    const baseUrl = await bitbucket({
      '/plugins/servlet/applinks/whoami': {
        text: 'Lighthouse.Bot\n',
        headers: { 'content-type': 'text/plain' },
      },
      '/rest/api/1.0/users?filter=Lighthouse.Bot&start=0&limit=100': {
        body: page([user('Lighthouse.Bot-old'), user('Lighthouse.Bot')], 0),
      },
    });
    const api = bitbucketServerApi({ baseUrl, token: 't' });
    expect(await api.whoAmI()).toBe('lighthouse.bot');
    expect(await api.whoAmI()).toBe('lighthouse.bot');
    expect(requests).toHaveLength(2);
  });
});

// "Assign pull request participant role" (POST .../participants with the user by name and the role REVIEWER:
// 200 with the participant; 404 for no such user; the author refused, 409 from Data Center; the exception
// named in the answer tells a missing or closed pull request apart) and "Unassign pull request participant"
// (DELETE .../participants/{userSlug}: 204).
describe('bitbucketServerApi reviewers', () => {
  const participants = `${repo}/pull-requests/1/participants`;
  const writes = () => requests.map(({ method, url, body }) => ({ method, url, body }));

  it('asks each login for a review by username, refusing no such user (404) and the author (409)', async () => {
    const baseUrl = await bitbucket({
      [`POST ${participants}`]: [
        { body: { user: user('jane'), role: 'REVIEWER', approved: false, status: 'UNAPPROVED' } },
        {
          status: 404,
          body: {
            errors: [
              {
                context: null,
                message: 'User "ghost" does not exist.',
                exceptionName: 'com.atlassian.bitbucket.user.NoSuchUserException',
              },
            ],
          },
        },
        {
          status: 409,
          body: {
            errors: [
              {
                context: null,
                message: 'The author of a pull request may not be reassigned to another role.',
                exceptionName: null,
              },
            ],
          },
        },
      ],
    });
    const api = bitbucketServerApi({ baseUrl, token: 't' });
    expect(await api.assign('PRJ', 'my-repo', 1, ['jane', 'ghost', 'jcitizen'], 'reviewers')).toEqual([
      'ghost',
      'jcitizen',
    ]);
    const asked = (name: string) => ({
      method: 'POST',
      url: participants,
      body: { user: { name }, role: 'REVIEWER' },
    });
    expect(writes()).toEqual([asked('jane'), asked('ghost'), asked('jcitizen')]);
  });

  it('fails, blaming no login, when the pull request does not exist (404) or is not open (409), or its repository or project does not exist', async () => {
    const refusal = (status: number, exceptionName: string, message: string) => ({
      status,
      body: { errors: [{ context: null, message, exceptionName }] },
    });
    const baseUrl = await bitbucket({
      [`POST ${participants}`]: [
        refusal(
          404,
          'com.atlassian.bitbucket.pull.NoSuchPullRequestException',
          'Pull request 1 does not exist in PRJ/my-repo.',
        ),
        refusal(
          409,
          'com.atlassian.bitbucket.pull.IllegalPullRequestStateException',
          'The pull request is not open.',
        ),
        refusal(
          404,
          'com.atlassian.bitbucket.repository.NoSuchRepositoryException',
          'Repository my-repo does not exist.',
        ),
        refusal(404, 'com.atlassian.bitbucket.project.NoSuchProjectException', 'Project PRJ does not exist.'),
      ],
    });
    const api = bitbucketServerApi({ baseUrl, token: 't' });
    await expect(api.assign('PRJ', 'my-repo', 1, ['jane', 'bob'], 'reviewers')).rejects.toMatchObject({
      name: 'ProviderError',
      status: 404,
      message: 'pull request PRJ/my-repo#1 does not exist',
    });
    await expect(api.assign('PRJ', 'my-repo', 1, ['jane'], 'reviewers')).rejects.toMatchObject({
      name: 'ProviderError',
      status: 409,
      message: 'pull request PRJ/my-repo#1 is not open',
    });
    await expect(api.assign('PRJ', 'my-repo', 1, ['jane'], 'reviewers')).rejects.toMatchObject({
      name: 'ProviderError',
      status: 404,
      message: 'repository PRJ/my-repo does not exist',
    });
    await expect(api.assign('PRJ', 'my-repo', 1, ['jane'], 'reviewers')).rejects.toMatchObject({
      name: 'ProviderError',
      status: 404,
      message: 'project PRJ does not exist',
    });
    // Nobody after the first: the pull request refuses them all alike.
    expect(writes().map(({ body }) => body)).toEqual(
      Array.from({ length: 4 }, () => ({ user: { name: 'jane' }, role: 'REVIEWER' })),
    );
  });

  it('takes review requests back by slug, one already gone (404) too', async () => {
    const baseUrl = await bitbucket({ [`DELETE ${participants}/jane`]: { status: 204 } });
    const api = bitbucketServerApi({ baseUrl, token: 't' });
    await api.unassign('PRJ', 'my-repo', 1, ['jane', 'gone'], 'reviewers');
    expect(writes()).toEqual([
      { method: 'DELETE', url: `${participants}/jane`, body: undefined },
      { method: 'DELETE', url: `${participants}/gone`, body: undefined },
    ]);
  });

  it('has no assignees: refuses every one, so the commenter is answered, and asks nothing', async () => {
    const baseUrl = await bitbucket({});
    const api = bitbucketServerApi({ baseUrl, token: 't' });
    expect(await api.assign('PRJ', 'my-repo', 1, ['jane', 'bob'], 'assignees')).toEqual(['jane', 'bob']);
    await api.unassign('PRJ', 'my-repo', 1, ['jane'], 'assignees');
    expect(requests).toHaveLength(0);
  });
});

// "Get raw content of a file at revision" (GET .../raw/{path}?at=: the bytes as they are; 404 with
// NoSuchPathException for a missing path) and "Get pull request" (its reviewers and participants, each with
// a status APPROVED, NEEDS_WORK or UNAPPROVED).
describe('bitbucketServerApi reads files and reviews', () => {
  const limit = 256 * 1024;
  const text = (body: string) => ({ text: body, headers: { 'content-type': 'text/plain;charset=UTF-8' } });
  const owners = 'approvers:\n  - jcitizen\n';
  const noSuchPath = (path: string) => ({
    status: 404,
    body: {
      errors: [
        {
          context: null,
          message: `The path "${path}" does not exist at revision "${head}"`,
          exceptionName: 'com.atlassian.bitbucket.content.NoSuchPathException',
        },
      ],
    },
  });

  it('reads a raw file at a commit, each segment of its path encoded; a missing one is none', async () => {
    const baseUrl = await bitbucket({
      [`${repo}/raw/OWNERS?at=${head}`]: text(owners),
      [`${repo}/raw/docs/a%20b/%231%3F/%C3%BCn%C3%AF.md?at=${head}`]: text('ünï ✓\n'),
      [`${repo}/raw/gone?at=${head}`]: noSuchPath('gone'),
    });
    const api = bitbucketServerApi({ baseUrl, token: 't' });
    expect(await api.fileContent('PRJ', 'my-repo', 'OWNERS', head)).toBe(owners);
    expect(await api.fileContent('PRJ', 'my-repo', 'docs/a b/#1?/ünï.md', head)).toBe('ünï ✓\n');
    expect(await api.fileContent('PRJ', 'my-repo', 'gone', head)).toBeUndefined();
    expect(requests.map((r) => r.url)).toEqual([
      `${repo}/raw/OWNERS?at=${head}`,
      `${repo}/raw/docs/a%20b/%231%3F/%C3%BCn%C3%AF.md?at=${head}`,
      `${repo}/raw/gone?at=${head}`,
    ]);
  });

  it('keeps what it read at a SHA, a missing file too, and asks again at a branch', async () => {
    const baseUrl = await bitbucket({
      [`${repo}/raw/OWNERS?at=${head}`]: text(owners),
      [`${repo}/raw/gone/OWNERS?at=${head}`]: noSuchPath('gone/OWNERS'),
      [`${repo}/raw/OWNERS?at=refs%2Fheads%2Fmain`]: text(owners),
    });
    const api = bitbucketServerApi({ baseUrl, token: 't' });
    for (let read = 0; read < 2; read++) {
      expect(await api.fileContent('PRJ', 'my-repo', 'OWNERS', head)).toBe(owners);
      expect(await api.fileContent('PRJ', 'my-repo', 'gone/OWNERS', head)).toBeUndefined();
      expect(await api.fileContent('PRJ', 'my-repo', 'OWNERS', 'refs/heads/main')).toBe(owners);
    }
    expect(requests.map((r) => r.url)).toEqual([
      `${repo}/raw/OWNERS?at=${head}`,
      `${repo}/raw/gone/OWNERS?at=${head}`,
      `${repo}/raw/OWNERS?at=refs%2Fheads%2Fmain`,
      `${repo}/raw/OWNERS?at=refs%2Fheads%2Fmain`,
    ]);
  });

  it('reads a file of 256 KiB, and refuses a larger one', async () => {
    const baseUrl = await bitbucket({
      [`${repo}/raw/full?at=${head}`]: text('x'.repeat(limit)),
      [`${repo}/raw/big?at=${head}`]: text('x'.repeat(limit + 1)),
    });
    const api = bitbucketServerApi({ baseUrl, token: 't' });
    expect(await api.fileContent('PRJ', 'my-repo', 'full', head)).toHaveLength(limit);
    await expect(api.fileContent('PRJ', 'my-repo', 'big', head)).rejects.toThrow(
      expect.objectContaining({
        name: 'ProviderError',
        message: expect.stringMatching(/larger than 256 KiB/),
      }),
    );
    expect(requests).toHaveLength(2);
  });

  it("gives the reviewers' and participants' verdicts by slug, none from those without one, asking each time", async () => {
    const participant = (name: string, role: string, status: string) => ({
      user: user(name),
      lastReviewedCommit: head,
      role,
      approved: status === 'APPROVED',
      status,
    });
    const baseUrl = await bitbucket({
      [`${repo}/pull-requests/1`]: {
        body: {
          id: 1,
          version: 3,
          state: 'OPEN',
          author: { user: user('jcitizen'), role: 'AUTHOR', approved: false, status: 'UNAPPROVED' },
          reviewers: [
            participant('Jane', 'REVIEWER', 'APPROVED'),
            participant('bob', 'REVIEWER', 'NEEDS_WORK'),
            participant('ada', 'REVIEWER', 'UNAPPROVED'),
          ],
          participants: [
            participant('carol', 'PARTICIPANT', 'APPROVED'),
            participant('dave', 'PARTICIPANT', 'UNAPPROVED'),
          ],
        },
      },
    });
    const api = bitbucketServerApi({ baseUrl, token: 't' });
    const expected = [
      { author: 'jane', state: 'approved', body: '' },
      { author: 'bob', state: 'changes_requested', body: '' },
      { author: 'carol', state: 'approved', body: '' },
    ];
    expect(await api.reviews('PRJ', 'my-repo', 1)).toEqual(expected);
    expect(await api.reviews('PRJ', 'my-repo', 1)).toEqual(expected);
    expect(requests.map((r) => r.url)).toEqual([`${repo}/pull-requests/1`, `${repo}/pull-requests/1`]);
  });
});
