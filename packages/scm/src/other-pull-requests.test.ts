// Whether an author has opened another pull request, asked of each provider's own filter by author against
// a local server answering as its REST reference shows: GitHub's "Search issues and pull requests" (`q` with
// `repo:`, `is:pr` and `author:` qualifiers; `total_count`, `incomplete_results`, `items`; its own rate
// limit, `x-ratelimit-resource: search`), Gitea's "List a repository's issues" (`type=pulls`, `state=all`,
// `created_by`, `limit`), GitLab's "List project merge requests" (`author_username`, `state=all`,
// `per_page`), Bitbucket's "Get a user" and "Get pull requests for repository" (`state=ALL`, `role.1` and
// `username.1`, `limit`; the paged envelope). Then the fake of each, through the real client.
import { afterEach, describe, expect, it } from 'vitest';
import { replayServer } from '../test/replay-server.ts';
import type { ProviderApi } from './api.ts';
import { bitbucketServerApi } from './bitbucket-server.ts';
import type { Provider } from './events.ts';
import { giteaApi } from './gitea.ts';
import { githubApi } from './github.ts';
import { gitlabApi } from './gitlab.ts';
import { defaultPullRequest, type ProviderServer, startProviderServer } from './testing.ts';

const replay = replayServer();
const { requests } = replay;
afterEach(() => replay.stop());

describe('githubApi.hasOtherPullRequests', () => {
  const search = '/search/issues?q=repo%3Aoctocat%2FHello-World+is%3Apr+author%3Amona&per_page=2';
  const item = (number: number) => ({
    number,
    title: 'Found a bug',
    state: 'closed',
    user: { login: 'mona', id: 1, type: 'User' },
    pull_request: { url: `https://api.github.com/repos/octocat/Hello-World/pulls/${number}` },
  });
  const found = (numbers: number[], incomplete = false) => ({
    body: { total_count: numbers.length, incomplete_results: incomplete, items: numbers.map(item) },
  });

  it.each<[string, number[], boolean]>([
    ['none, the new one not indexed yet', [], false],
    ['the new one only', [1347], false],
    ['another, closed long ago', [1347, 12], true],
    ['two others', [1402, 1399], true],
  ])('finds %s', async (_case, numbers, other) => {
    const baseUrl = await replay.start({ [search]: found(numbers) });
    const api = githubApi({ baseUrl, token: 't' });
    expect(await api.hasOtherPullRequests('octocat', 'Hello-World', 'mona', 1347)).toBe(other);
    expect(requests.map((r) => r.url)).toEqual([search]);
  });

  it('takes a search that timed out before finding another for no answer', async () => {
    const baseUrl = await replay.start({ [search]: found([1347], true) });
    const api = githubApi({ baseUrl, token: 't' });
    await expect(api.hasOtherPullRequests('octocat', 'Hello-World', 'mona', 1347)).rejects.toThrow(
      expect.objectContaining({ name: 'ProviderUnavailableError' }),
    );
  });

  it("lets the search's own rate limit hold back searches, not the client's other calls", async () => {
    const reset = Math.ceil(Date.now() / 1000) + 60;
    const limit = (remaining: number) => ({
      'x-ratelimit-limit': '30',
      'x-ratelimit-remaining': String(remaining),
      'x-ratelimit-reset': String(reset),
      'x-ratelimit-resource': 'search',
    });
    const baseUrl = await replay.start({
      [search]: [
        { ...found([1347]), headers: limit(0) },
        {
          status: 403,
          body: { message: 'API rate limit exceeded for installation ID 1.' },
          headers: limit(0),
        },
      ],
      '/repos/octocat/Hello-World/collaborators/mona': { status: 204 },
    });
    const waits: number[] = [];
    const api = githubApi({ baseUrl, token: 't', sleep: async (ms) => void waits.push(ms) });
    expect(await api.hasOtherPullRequests('octocat', 'Hello-World', 'mona', 1347)).toBe(false);
    await expect(api.hasOtherPullRequests('octocat', 'Hello-World', 'mona', 1348)).rejects.toThrow(
      expect.objectContaining({ name: 'ProviderUnavailableError', retryAfterMs: expect.any(Number) }),
    );
    expect(await api.isCollaborator('octocat', 'Hello-World', 'mona')).toBe(true);
    expect(waits).toEqual([]);
    expect(requests).toHaveLength(3);
  });
});

describe('the filters of Gitea, GitLab and Bitbucket Server', () => {
  it("Gitea: the issue list's pull requests created by the author", async () => {
    const list = '/api/v1/repos/gitea/tea/issues?type=pulls&state=all&created_by=lunny&limit=2';
    const issue = (number: number) => ({
      id: 100 + number,
      number,
      user: { id: 1, login: 'lunny' },
      state: 'closed',
      pull_request: { merged: true, merged_at: '2024-01-01T00:00:00Z' },
    });
    const origin = await replay.start({ [list]: [{ body: [issue(7)] }, { body: [issue(9), issue(7)] }] });
    const api = giteaApi({ baseUrl: `${origin}/api/v1`, token: 't' });
    expect(await api.hasOtherPullRequests('gitea', 'tea', 'lunny', 7)).toBe(false);
    expect(await api.hasOtherPullRequests('gitea', 'tea', 'lunny', 7)).toBe(true);
    expect(requests.map((r) => r.url)).toEqual([list, list]);
  });

  it("GitLab: the project's merge requests by author username, any state", async () => {
    const list =
      '/projects/gitlab-org%2Fsub%2Fgitlab/merge_requests?author_username=john_smith&state=all&per_page=2';
    const mergeRequest = (iid: number) => ({
      id: 1000 + iid,
      iid,
      project_id: 3,
      state: 'merged',
      author: { id: 1, username: 'john_smith', name: 'John Smith', state: 'active' },
    });
    const baseUrl = await replay.start({
      [list]: [{ body: [] }, { body: [mergeRequest(2), mergeRequest(1)] }],
    });
    const api = gitlabApi({ baseUrl, token: 't' });
    expect(await api.hasOtherPullRequests('gitlab-org/sub', 'gitlab', 'john_smith', 2)).toBe(false);
    expect(await api.hasOtherPullRequests('gitlab-org/sub', 'gitlab', 'john_smith', 2)).toBe(true);
    expect(requests.map((r) => r.url)).toEqual([list, list]);
  });

  it('Bitbucket Server: the pull requests whose AUTHOR is the username behind the slug, any state', async () => {
    const name = 'jane@corp.example';
    const list =
      '/rest/api/1.0/projects/PRJ/repos/my-repo/pull-requests?state=ALL&role.1=AUTHOR&username.1=jane%40corp.example&limit=2';
    const pull = (id: number) => ({ id, version: 0, state: 'DECLINED', author: { role: 'AUTHOR' } });
    const page = (ids: number[]) => ({
      body: { size: ids.length, limit: 2, start: 0, isLastPage: true, values: ids.map(pull) },
    });
    const origin = await replay.start({
      '/rest/api/1.0/users/jane_corp.example': {
        body: { name, slug: 'jane_corp.example', id: 3, displayName: 'Jane', active: true, type: 'NORMAL' },
      },
      [list]: [page([5]), page([5, 2])],
    });
    const api = bitbucketServerApi({ baseUrl: origin, token: 't' });
    expect(await api.hasOtherPullRequests('PRJ', 'my-repo', 'jane_corp.example', 5)).toBe(false);
    expect(await api.hasOtherPullRequests('PRJ', 'my-repo', 'jane_corp.example', 5)).toBe(true);
    expect(requests.map((r) => r.url)).toEqual([
      '/rest/api/1.0/users/jane_corp.example',
      list,
      '/rest/api/1.0/users/jane_corp.example',
      list,
    ]);
  });
});

describe.each<Provider>(['github', 'gitlab', 'gitea', 'bitbucketserver'])('the fake %s', (provider) => {
  let server: ProviderServer;
  afterEach(() => server.close());

  function client(): ProviderApi {
    const { baseUrl } = server;
    const token = 'a-token';
    if (provider === 'github') return githubApi({ baseUrl: baseUrl.github, token });
    if (provider === 'gitlab') return gitlabApi({ baseUrl: baseUrl.gitlab, token });
    if (provider === 'gitea') return giteaApi({ baseUrl: baseUrl.gitea, token });
    return bitbucketServerApi({ baseUrl: baseUrl.bitbucketserver, token });
  }

  it("finds an author's other pull requests among those the test set, whatever the case of the login", async () => {
    server = await startProviderServer();
    const set = (number: number, author: string) =>
      server.pullRequests.set(`${provider}/acme/rocket#${number}`, {
        ...defaultPullRequest,
        labels: [],
        author,
        state: 'closed',
      });
    set(3, 'newbie');
    set(5, 'regular');
    set(6, 'Regular');
    const api = client();
    expect(await api.hasOtherPullRequests('acme', 'rocket', 'newbie', 3)).toBe(false);
    expect(await api.hasOtherPullRequests('acme', 'rocket', 'regular', 6)).toBe(true);
    expect(await api.hasOtherPullRequests('acme', 'other', 'regular', 7)).toBe(false);
  });
});
