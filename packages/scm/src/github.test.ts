import { afterEach, describe, expect, it } from 'vitest';
import { type Route, replayServer } from '../test/replay-server.ts';
import type { ReportState } from './api.ts';
import { githubApi } from './github.ts';

// What githubApi writes, against a local server answering as GitHub's REST reference shows: "Create a
// commit status" (201), issue comments (list 200 oldest first with Link pages, create 201, update 200,
// delete 204), "Add labels to an issue" (200 with the issue's labels), "Remove a label from an issue"
// (200, or 404 "Label does not exist"), "Add assignees to an issue", "Request reviewers for a pull request"
// and their removals, "Get the authenticated user".

const replay = replayServer();
const { requests } = replay;
const github = (routes: Record<string, Route>) => replay.start(routes);
afterEach(() => replay.stop());

const repo = '/repos/octocat/Hello-World';
const sha = '6dcb09b5b57875f334f61aebed695e2e4193db5e';
const issueComment = (id: number, login: string | null, body: string) => ({
  id,
  node_id: 'MDEyOklzc3VlQ29tbWVudDE=',
  url: `https://api.github.com/repos/octocat/Hello-World/issues/comments/${id}`,
  body,
  user: login === null ? null : { login, id: 1, type: 'User' },
  created_at: '2011-04-14T16:00:49Z',
  author_association: 'COLLABORATOR',
});

describe('githubApi writes', () => {
  it('posts a status per state, GitHub having no running nor aborted', async () => {
    const baseUrl = await github({ [`POST ${repo}/statuses/${sha}`]: { status: 201, body: { id: 1 } } });
    const api = githubApi({ baseUrl, token: 't' });
    const states: ReportState[] = ['pending', 'running', 'success', 'failure', 'error', 'aborted'];
    for (const state of states) {
      await api.createStatus('octocat', 'Hello-World', sha, {
        context: 'pr-build',
        state,
        description: `Pipeline ${state}`,
        targetUrl: 'https://dashboard.example.com/pr-build/1',
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
      url: `${repo}/statuses/${sha}`,
      headers: { 'content-type': 'application/json', accept: 'application/vnd.github+json' },
      body: {
        state: 'pending',
        context: 'pr-build',
        description: 'Pipeline pending',
        target_url: 'https://dashboard.example.com/pr-build/1',
      },
    });
  });

  it('cuts a description to 140 characters and sends no target_url when there is none', async () => {
    const baseUrl = await github({ [`POST ${repo}/statuses/${sha}`]: { status: 201, body: { id: 1 } } });
    const long = `Pipeline running stage(s): ${'lint, '.repeat(30)}🚀`;
    await githubApi({ baseUrl, token: 't' }).createStatus('octocat', 'Hello-World', sha, {
      context: 'pr-build',
      state: 'running',
      description: long,
    });
    const sent = requests[0]?.body as Record<string, string>;
    expect([...(sent.description ?? '')]).toHaveLength(140);
    expect(sent.description).toBe(`${long.slice(0, 139)}…`);
    expect(sent).not.toHaveProperty('target_url');
  });

  it('asks for the statuses again after writing one', async () => {
    const baseUrl = await github({
      [`${repo}/commits/${sha}/status?per_page=100`]: { body: { state: 'pending', statuses: [] } },
      [`POST ${repo}/statuses/${sha}`]: { status: 201, body: { id: 1 } },
    });
    const api = githubApi({ baseUrl, token: 't' });
    await api.commitStatuses('octocat', 'Hello-World', sha);
    await api.createStatus('octocat', 'Hello-World', sha, {
      context: 'c',
      state: 'success',
      description: '',
    });
    await api.commitStatuses('octocat', 'Hello-World', sha);
    expect(requests.map((r) => r.method)).toEqual(['GET', 'POST', 'GET']);
  });

  it("lists a pull request's comments across pages, oldest first, and creates, edits and deletes one", async () => {
    const baseUrl = await github({
      [`${repo}/issues/1347/comments?per_page=100`]: (origin) => ({
        body: [issueComment(1, 'octocat', 'Me too'), issueComment(2, null, 'from a deleted account')],
        headers: { link: `<${origin}${repo}/issues/1347/comments?per_page=100&page=2>; rel="next"` },
      }),
      [`${repo}/issues/1347/comments?per_page=100&page=2`]: { body: [issueComment(3, 'bot', 'failed')] },
      [`POST ${repo}/issues/1347/comments`]: { status: 201, body: issueComment(4, 'bot', 'hello') },
      [`PATCH ${repo}/issues/comments/4`]: { body: issueComment(4, 'bot', 'edited') },
      [`DELETE ${repo}/issues/comments/4`]: { status: 204 },
    });
    const api = githubApi({ baseUrl, token: 't' });
    expect(await api.comments('octocat', 'Hello-World', 1347)).toEqual([
      { id: 1, author: 'octocat', body: 'Me too', at: '2011-04-14T16:00:49Z' },
      { id: 2, author: 'ghost', body: 'from a deleted account', at: '2011-04-14T16:00:49Z' },
      { id: 3, author: 'bot', body: 'failed', at: '2011-04-14T16:00:49Z' },
    ]);
    expect(await api.createComment('octocat', 'Hello-World', 1347, 'hello')).toMatchObject({
      id: 4,
      author: 'bot',
      body: 'hello',
    });
    await api.editComment('octocat', 'Hello-World', 1347, 4, 'edited');
    await api.deleteComment('octocat', 'Hello-World', 1347, 4);
    // Deleting it again: already gone is done.
    await api.deleteComment('octocat', 'Hello-World', 1347, 5);
    expect(requests.slice(2).map(({ method, url, body }) => ({ method, url, body }))).toEqual([
      { method: 'POST', url: `${repo}/issues/1347/comments`, body: { body: 'hello' } },
      { method: 'PATCH', url: `${repo}/issues/comments/4`, body: { body: 'edited' } },
      { method: 'DELETE', url: `${repo}/issues/comments/4`, body: undefined },
      { method: 'DELETE', url: `${repo}/issues/comments/5`, body: undefined },
    ]);
  });

  it('adds and removes labels by name, a missing one removed without complaint, and re-reads the pull request', async () => {
    const pull = {
      number: 1347,
      state: 'open',
      user: { login: 'octocat' },
      labels: [],
      head: { ref: 'topic', sha },
      base: { ref: 'main', sha },
    };
    const baseUrl = await github({
      [`${repo}/pulls/1347`]: { body: pull },
      [`POST ${repo}/issues/1347/labels`]: { body: [{ id: 208045946, name: 'lgtm', color: 'f29513' }] },
      [`DELETE ${repo}/issues/1347/labels/needs%20rebase`]: { body: [] },
      [`DELETE ${repo}/issues/1347/labels/gone`]: {
        status: 404,
        body: { message: 'Label does not exist', documentation_url: 'https://docs.github.com/rest' },
      },
    });
    const api = githubApi({ baseUrl, token: 't' });
    expect(api.hasLabels).toBe(true);
    expect(api.hasAssignees).toBe(true);
    await api.pullRequest('octocat', 'Hello-World', 1347);
    await api.addLabel('octocat', 'Hello-World', 1347, 'lgtm');
    await api.removeLabel('octocat', 'Hello-World', 1347, 'needs rebase');
    await api.removeLabel('octocat', 'Hello-World', 1347, 'gone');
    await api.pullRequest('octocat', 'Hello-World', 1347);
    expect(requests.map(({ method, url, body }) => ({ method, url, body }))).toEqual([
      { method: 'GET', url: `${repo}/pulls/1347`, body: undefined },
      { method: 'POST', url: `${repo}/issues/1347/labels`, body: { labels: ['lgtm'] } },
      { method: 'DELETE', url: `${repo}/issues/1347/labels/needs%20rebase`, body: undefined },
      { method: 'DELETE', url: `${repo}/issues/1347/labels/gone`, body: undefined },
      { method: 'GET', url: `${repo}/pulls/1347`, body: undefined },
    ]);
  });

  it('assigns and asks for reviews, naming the logins GitHub left out or refused, and takes them back', async () => {
    const user = (login: string) => ({ login, id: 1, type: 'User' });
    const baseUrl = await github({
      // "Add assignees": users who cannot be assigned are left out of the issue's assignees, silently.
      [`POST ${repo}/issues/1347/assignees`]: {
        status: 201,
        body: { number: 1347, assignees: [user('Octocat')] },
      },
      [`DELETE ${repo}/issues/1347/assignees`]: { body: { number: 1347, assignees: [] } },
      // "Request reviewers": one who may not review refuses the whole request.
      [`POST ${repo}/pulls/1347/requested_reviewers`]: {
        status: 422,
        body: { message: 'Reviews may only be requested from collaborators.' },
      },
      [`DELETE ${repo}/pulls/1347/requested_reviewers`]: { body: { number: 1347, requested_reviewers: [] } },
    });
    const api = githubApi({ baseUrl, token: 't' });
    expect(await api.assign('octocat', 'Hello-World', 1347, ['octocat', 'nobody'], 'assignees')).toEqual([
      'nobody',
    ]);
    expect(await api.assign('octocat', 'Hello-World', 1347, ['hubot', 'other'], 'reviewers')).toEqual([
      'hubot',
      'other',
    ]);
    await api.unassign('octocat', 'Hello-World', 1347, ['octocat'], 'assignees');
    await api.unassign('octocat', 'Hello-World', 1347, ['hubot'], 'reviewers');
    expect(requests.map(({ method, url, body }) => ({ method, url, body }))).toEqual([
      { method: 'POST', url: `${repo}/issues/1347/assignees`, body: { assignees: ['octocat', 'nobody'] } },
      {
        method: 'POST',
        url: `${repo}/pulls/1347/requested_reviewers`,
        body: { reviewers: ['hubot', 'other'] },
      },
      { method: 'DELETE', url: `${repo}/issues/1347/assignees`, body: { assignees: ['octocat'] } },
      { method: 'DELETE', url: `${repo}/pulls/1347/requested_reviewers`, body: { reviewers: ['hubot'] } },
    ]);
  });

  it('knows whom its token acts for, asking once', async () => {
    const baseUrl = await github({ '/user': { body: { login: 'lighthouse-bot', id: 1, type: 'User' } } });
    const api = githubApi({ baseUrl, token: 't' });
    expect(await api.whoAmI()).toBe('lighthouse-bot');
    expect(await api.whoAmI()).toBe('lighthouse-bot');
    expect(requests).toHaveLength(1);
  });
});

// "Get repository content" (a file as base64 in lines of 60, with `size`; a directory as a list of entries;
// 404 for a missing path; for a file over 1 MB, `encoding: none` and no content) and "List reviews for a
// pull request" (chronological, with Link pages; a deleted account's review has no user).
describe('githubApi reads files and reviews', () => {
  const limit = 256 * 1024;
  const contents = (path: string, text: string) => ({
    type: 'file',
    encoding: 'base64',
    size: Buffer.byteLength(text),
    name: path.split('/').at(-1),
    path,
    content: Buffer.from(text).toString('base64').replace(/.{60}/g, '$&\n'),
    sha: '3d21ec53a331a6f037a91c368710b99387d012c1',
    url: `https://api.github.com${repo}/contents/${path}`,
  });
  const owners = 'approvers:\n  - octocat\n  - hubot\nreviewers:\n  - mona\n';

  it('reads a file at a commit, each segment of its path encoded; a missing path or a directory is none', async () => {
    const odd = 'docs/a b/#1?/ünï.md';
    const baseUrl = await github({
      [`${repo}/contents/OWNERS?ref=${sha}`]: { body: contents('OWNERS', owners) },
      [`${repo}/contents/docs/a%20b/%231%3F/%C3%BCn%C3%AF.md?ref=${sha}`]: { body: contents(odd, 'ünï ✓\n') },
      [`${repo}/contents/docs?ref=${sha}`]: {
        body: [{ type: 'file', name: 'README.md', path: 'docs/README.md', size: 5 }],
      },
    });
    const api = githubApi({ baseUrl, token: 't' });
    expect(await api.fileContent('octocat', 'Hello-World', 'OWNERS', sha)).toBe(owners);
    expect(await api.fileContent('octocat', 'Hello-World', odd, sha)).toBe('ünï ✓\n');
    expect(await api.fileContent('octocat', 'Hello-World', 'gone/OWNERS', sha)).toBeUndefined();
    expect(await api.fileContent('octocat', 'Hello-World', 'docs', sha)).toBeUndefined();
    expect(requests.map((r) => r.url)).toEqual([
      `${repo}/contents/OWNERS?ref=${sha}`,
      `${repo}/contents/docs/a%20b/%231%3F/%C3%BCn%C3%AF.md?ref=${sha}`,
      `${repo}/contents/gone/OWNERS?ref=${sha}`,
      `${repo}/contents/docs?ref=${sha}`,
    ]);
    expect(requests[0]?.headers.accept).toBe('application/vnd.github+json');
  });

  it('keeps what it read at a SHA, a missing file too, and asks again at a branch', async () => {
    const baseUrl = await github({
      [`${repo}/contents/OWNERS?ref=${sha}`]: { body: contents('OWNERS', owners) },
      [`${repo}/contents/OWNERS?ref=main`]: { body: contents('OWNERS', owners) },
    });
    const api = githubApi({ baseUrl, token: 't' });
    for (let read = 0; read < 2; read++) {
      expect(await api.fileContent('octocat', 'Hello-World', 'OWNERS', sha)).toBe(owners);
      expect(await api.fileContent('octocat', 'Hello-World', 'gone/OWNERS', sha)).toBeUndefined();
      expect(await api.fileContent('octocat', 'Hello-World', 'OWNERS', 'main')).toBe(owners);
    }
    // A URL would resolve `..` away: no file has such a path, and nothing is asked.
    expect(await api.fileContent('octocat', 'Hello-World', 'docs/../OWNERS', sha)).toBeUndefined();
    expect(requests.map((r) => r.url)).toEqual([
      `${repo}/contents/OWNERS?ref=${sha}`,
      `${repo}/contents/gone/OWNERS?ref=${sha}`,
      `${repo}/contents/OWNERS?ref=main`,
      `${repo}/contents/OWNERS?ref=main`,
    ]);
  });

  it('reads a file of 256 KiB, and refuses a larger one by the size GitHub gives or the answer it sends', async () => {
    const baseUrl = await github({
      [`${repo}/contents/full?ref=${sha}`]: { body: contents('full', 'x'.repeat(limit)) },
      [`${repo}/contents/big?ref=${sha}`]: { body: contents('big', 'x'.repeat(limit + 1)) },
      [`${repo}/contents/huge?ref=${sha}`]: {
        body: { type: 'file', encoding: 'none', size: 5_000_000, name: 'huge', path: 'huge', content: '' },
      },
      [`${repo}/contents/padded?ref=${sha}`]: {
        body: { ...contents('padded', 'x'), padding: 'x'.repeat(2 * limit) },
      },
    });
    const api = githubApi({ baseUrl, token: 't' });
    expect(await api.fileContent('octocat', 'Hello-World', 'full', sha)).toHaveLength(limit);
    // Too large to keep: read again each time, so the cache stays small.
    expect(await api.fileContent('octocat', 'Hello-World', 'full', sha)).toHaveLength(limit);
    expect(requests.filter((r) => r.url.includes('/full?'))).toHaveLength(2);
    for (const path of ['big', 'huge']) {
      await expect(api.fileContent('octocat', 'Hello-World', path, sha)).rejects.toThrow(
        expect.objectContaining({
          name: 'ProviderError',
          message: expect.stringMatching(/larger than 256 KiB/),
        }),
      );
    }
    await expect(api.fileContent('octocat', 'Hello-World', 'padded', sha)).rejects.toThrow(
      expect.objectContaining({
        name: 'ProviderError',
        message: expect.stringMatching(/larger than 512 KiB/),
      }),
    );
    expect(requests).toHaveLength(5);
  });

  it('lists the reviews across pages, oldest first, pending ones left out, and asks again each time', async () => {
    const review = (id: number, login: string | null, state: string, body: string) => ({
      id,
      node_id: 'MDE3OlB1bGxSZXF1ZXN0UmV2aWV3ODA=',
      user: login === null ? null : { login, id: 1, type: 'User' },
      body,
      state,
      html_url: `https://github.com/octocat/Hello-World/pull/12#pullrequestreview-${id}`,
      submitted_at: '2019-11-17T17:43:43Z',
      commit_id: sha,
      author_association: 'COLLABORATOR',
    });
    const reviews = `${repo}/pulls/1347/reviews?per_page=100`;
    const baseUrl = await github({
      [reviews]: (origin) => ({
        body: [review(80, 'octocat', 'APPROVED', 'LGTM'), review(81, 'hubot', 'PENDING', 'half written')],
        headers: { link: `<${origin}${reviews}&page=2>; rel="next"` },
      }),
      [`${reviews}&page=2`]: {
        body: [
          review(82, 'mona', 'CHANGES_REQUESTED', 'Please rename it'),
          review(83, null, 'COMMENTED', 'from a deleted account'),
          review(84, 'octocat', 'DISMISSED', ''),
        ],
      },
    });
    const api = githubApi({ baseUrl, token: 't' });
    const expected = [
      { author: 'octocat', state: 'approved', body: 'LGTM', at: '2019-11-17T17:43:43Z' },
      { author: 'mona', state: 'changes_requested', body: 'Please rename it', at: '2019-11-17T17:43:43Z' },
      { author: 'ghost', state: 'commented', body: 'from a deleted account', at: '2019-11-17T17:43:43Z' },
      { author: 'octocat', state: 'dismissed', body: '', at: '2019-11-17T17:43:43Z' },
    ];
    expect(await api.reviews('octocat', 'Hello-World', 1347)).toEqual(expected);
    expect(await api.reviews('octocat', 'Hello-World', 1347)).toEqual(expected);
    expect(requests.map((r) => r.url)).toEqual([reviews, `${reviews}&page=2`, reviews, `${reviews}&page=2`]);
  });
});

// "Get a commit object" of the Git database: the tree at its top level.
describe('githubApi trees', () => {
  it("reads a commit's tree once", async () => {
    const tree = '691272480426f78a0138979dd3ce63b77f706feb';
    const path = `${repo}/git/commits/${sha}?stat=false&files=false&verification=false`;
    const baseUrl = await github({
      [path]: {
        body: {
          sha,
          url: `https://api.github.com${repo}/git/commits/${sha}`,
          author: { date: '2014-11-07T22:01:45Z', name: 'Monalisa Octocat', email: 'octocat@github.com' },
          tree: { url: `https://api.github.com${repo}/git/trees/${tree}`, sha: tree },
          message: 'added readme, because im a good github citizen',
          parents: [],
        },
      },
    });
    const api = githubApi({ baseUrl, token: 't' });
    expect(await api.treeOf?.('octocat', 'Hello-World', sha)).toBe(tree);
    expect(await api.treeOf?.('octocat', 'Hello-World', sha)).toBe(tree);
    expect(requests.map((r) => r.url)).toEqual([path]);
  });
});

// "Get an issue" (its state and labels), "Get team membership for a user" (200 with `state` active or
// pending, 404 for someone not in the team; by the team's slug in the org, or its legacy path by id), "List
// milestones" (each with its `number`, which "Update an issue" takes, or null for none).
describe('githubApi issues, teams and milestones', () => {
  it("reads an issue's state and labels", async () => {
    const baseUrl = await github({
      [`${repo}/issues/1347`]: {
        body: {
          number: 1347,
          state: 'closed',
          title: 'Found a bug',
          user: { login: 'octocat' },
          labels: [{ id: 208045946, name: 'bug', color: 'f29513', default: true }],
        },
      },
    });
    expect(await githubApi({ baseUrl, token: 't' }).issue?.('octocat', 'Hello-World', 1347)).toEqual({
      number: 1347,
      state: 'closed',
      labels: ['bug'],
    });
  });

  it("tells an active team member by the team's slug, or by its id without one, and keeps the answers", async () => {
    const membership = (state: string) => ({
      body: { url: 'https://api.github.com/x', role: 'member', state },
    });
    const baseUrl = await github({
      '/orgs/octocat/teams/release%20team/memberships/mona': membership('active'),
      '/orgs/octocat/teams/release%20team/memberships/hubot': membership('pending'),
      '/teams/42/memberships/mona': membership('active'),
    });
    const api = githubApi({ baseUrl, token: 't' });
    const bySlug = { id: 42, slug: 'release team' };
    expect(await api.isTeamMember?.('octocat', bySlug, 'mona')).toBe(true);
    expect(await api.isTeamMember?.('octocat', bySlug, 'mona')).toBe(true);
    expect(await api.isTeamMember?.('octocat', bySlug, 'hubot')).toBe(false);
    expect(await api.isTeamMember?.('octocat', bySlug, 'stranger')).toBe(false);
    expect(await api.isTeamMember?.('octocat', { id: 42, slug: '' }, 'mona')).toBe(true);
    expect(requests.map((r) => r.url)).toEqual([
      '/orgs/octocat/teams/release%20team/memberships/mona',
      '/orgs/octocat/teams/release%20team/memberships/hubot',
      '/orgs/octocat/teams/release%20team/memberships/stranger',
      '/teams/42/memberships/mona',
    ]);
  });

  it('finds a team by its display name, as Lighthouse does, and keeps the answer', async () => {
    const team = (id: number, name: string, slug: string) => ({ id, name, slug, privacy: 'closed' });
    const baseUrl = await github({
      '/orgs/octocat/teams?per_page=100': {
        body: [team(1, 'Justice League', 'justice-league'), team(2, 'Release Team', 'release-team')],
      },
    });
    const api = githubApi({ baseUrl, token: 't' });
    expect(await api.teamNamed?.('octocat', 'Release Team')).toEqual({ id: 2, slug: 'release-team' });
    expect(await api.teamNamed?.('octocat', 'Release Team')).toEqual({ id: 2, slug: 'release-team' });
    expect(await api.teamNamed?.('octocat', 'release-team')).toBeUndefined();
    expect(requests.map((r) => r.url)).toEqual([
      '/orgs/octocat/teams?per_page=100',
      '/orgs/octocat/teams?per_page=100',
    ]);
  });

  it('lists the open milestones by number, and sets and clears an issue milestone', async () => {
    const milestone = (id: number, number: number, title: string) => ({ id, number, title, state: 'open' });
    const issue = { number: 1347, state: 'open', labels: [] };
    const baseUrl = await github({
      [`${repo}/milestones?state=open&per_page=100`]: {
        body: [milestone(1002604, 1, 'v1.0'), milestone(1002605, 2, 'v1.1')],
      },
      [`PATCH ${repo}/issues/1347`]: { body: issue },
    });
    const api = githubApi({ baseUrl, token: 't' });
    expect(await api.milestones?.('octocat', 'Hello-World')).toEqual([
      { id: 1, title: 'v1.0' },
      { id: 2, title: 'v1.1' },
    ]);
    await api.setMilestone?.('octocat', 'Hello-World', 1347, 2);
    await api.setMilestone?.('octocat', 'Hello-World', 1347, null);
    expect(requests.map(({ method, url, body }) => ({ method, url, body }))).toEqual([
      { method: 'GET', url: `${repo}/milestones?state=open&per_page=100`, body: undefined },
      { method: 'PATCH', url: `${repo}/issues/1347`, body: { milestone: 2 } },
      { method: 'PATCH', url: `${repo}/issues/1347`, body: { milestone: null } },
    ]);
  });
});
