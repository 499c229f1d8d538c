import { afterEach, describe, expect, it } from 'vitest';
import { type Route, replayServer } from '../test/replay-server.ts';
import type { ReportState } from './api.ts';
import { gitlabApi } from './gitlab.ts';

// What gitlabApi writes, against a local server answering as GitLab's API documentation (v4) and its own
// request specs show: "Set the pipeline status of a commit" (201 with the status; 400 "Cannot transition
// status via :run from :running (Reason(s): ...)" when the name already holds that state), merge request
// notes (list with sort/order_by and Link pages, `system` notes among them; create 201, update 200,
// delete 204), "Update a merge request" with add_labels/remove_labels and assignee_ids/reviewer_ids (each
// list set whole), "List users" by username, "Get the current user".

const replay = replayServer({ notFound: { message: '404 Not found' } });
const { requests } = replay;
const gitlab = (routes: Record<string, Route>) => replay.start(routes);
afterEach(() => replay.stop());

const project = '/projects/gitlab-org%2Fsub%2Fgitlab';
const sha = '8888888888888888888888888888888888888888';
const statuses = `${project}/statuses/${sha}`;
const note = (id: number, username: string, body: string, system = false) => ({
  id,
  type: null,
  body,
  author: { id: 1, username, name: username, state: 'active' },
  created_at: '2013-10-02T09:22:45Z',
  system,
  noteable_id: 377,
  noteable_type: 'MergeRequest',
  noteable_iid: 1,
});
const transitionRefused = (event: string, from: string) => ({
  status: 400,
  body: {
    message: `Cannot transition status via :${event} from :${from} (Reason(s): Status cannot transition via "${event}")`,
  },
});

describe('gitlabApi writes', () => {
  it("posts a status in GitLab's state names, by name, cut to 255 characters", async () => {
    const baseUrl = await gitlab({
      [`POST ${statuses}`]: { status: 201, body: { id: 93, status: 'pending' } },
    });
    const api = gitlabApi({ baseUrl, token: 'glpat-secret' });
    const states: ReportState[] = ['pending', 'running', 'success', 'failure', 'error', 'aborted'];
    for (const state of states) {
      await api.createStatus('gitlab-org/sub', 'gitlab', sha, {
        context: 'pr-build',
        state,
        description: 'x'.repeat(300),
        targetUrl: 'https://dashboard.example.com/1',
      });
    }
    expect(requests.map((r) => (r.body as { state: string }).state)).toEqual([
      'pending',
      'running',
      'success',
      'failed',
      'failed',
      'canceled',
    ]);
    expect(requests[0]).toMatchObject({
      method: 'POST',
      url: statuses,
      headers: { 'private-token': 'glpat-secret', 'content-type': 'application/json' },
      body: {
        state: 'pending',
        name: 'pr-build',
        description: `${'x'.repeat(254)}…`,
        target_url: 'https://dashboard.example.com/1',
      },
    });
  });

  it('takes "cannot transition" to the state the status already has as done, and any other 400 as a refusal', async () => {
    const baseUrl = await gitlab({
      [`POST ${statuses}`]: [
        transitionRefused('run', 'running'),
        transitionRefused('enqueue', 'pending'),
        transitionRefused('enqueue', 'running'),
        {
          status: 400,
          body: { message: { target_url: ['is blocked: Only allowed schemes are http, https'] } },
        },
      ],
    });
    const api = gitlabApi({ baseUrl, token: 't' });
    const post = (state: ReportState) =>
      api.createStatus('gitlab-org/sub', 'gitlab', sha, { context: 'c', state, description: '' });
    await post('running');
    await post('pending');
    await expect(post('pending')).rejects.toThrow(
      expect.objectContaining({
        name: 'ProviderError',
        status: 400,
        message: expect.stringMatching(/from :running/),
      }),
    );
    await expect(post('success')).rejects.toThrow(/Only allowed schemes/);
    expect(requests).toHaveLength(4);
  });

  it("lists a merge request's notes oldest first without GitLab's system notes, and writes them", async () => {
    const notes = `${project}/merge_requests/1/notes`;
    const baseUrl = await gitlab({
      [`${notes}?sort=asc&order_by=created_at&per_page=100`]: (origin) => ({
        body: [note(301, 'john_smith', 'Looks good'), note(302, 'john_smith', 'added 1 commit', true)],
        headers: { link: `<${origin}${notes}?sort=asc&order_by=created_at&per_page=100&page=2>; rel="next"` },
      }),
      [`${notes}?sort=asc&order_by=created_at&per_page=100&page=2`]: {
        body: [note(305, 'lighthouse-bot', 'The following tests failed')],
      },
      [`POST ${notes}`]: { status: 201, body: note(306, 'lighthouse-bot', 'hello') },
      [`PUT ${notes}/306`]: { body: note(306, 'lighthouse-bot', 'edited') },
      [`DELETE ${notes}/306`]: { status: 204 },
    });
    const api = gitlabApi({ baseUrl, token: 't' });
    expect(await api.comments('gitlab-org/sub', 'gitlab', 1)).toEqual([
      { id: 301, author: 'john_smith', body: 'Looks good', at: '2013-10-02T09:22:45Z' },
      { id: 305, author: 'lighthouse-bot', body: 'The following tests failed', at: '2013-10-02T09:22:45Z' },
    ]);
    expect(await api.createComment('gitlab-org/sub', 'gitlab', 1, 'hello')).toMatchObject({
      id: 306,
      author: 'lighthouse-bot',
      body: 'hello',
    });
    await api.editComment('gitlab-org/sub', 'gitlab', 1, 306, 'edited');
    await api.deleteComment('gitlab-org/sub', 'gitlab', 1, 306);
    await api.deleteComment('gitlab-org/sub', 'gitlab', 1, 307);
    expect(requests.slice(2).map(({ method, url, body }) => ({ method, url, body }))).toEqual([
      { method: 'POST', url: notes, body: { body: 'hello' } },
      { method: 'PUT', url: `${notes}/306`, body: { body: 'edited' } },
      { method: 'DELETE', url: `${notes}/306`, body: undefined },
      { method: 'DELETE', url: `${notes}/307`, body: undefined },
    ]);
  });

  it('adds and removes labels by updating the merge request, and refuses a name with a comma unsent', async () => {
    const mr = `${project}/merge_requests/1`;
    const baseUrl = await gitlab({ [`PUT ${mr}`]: { body: { iid: 1, labels: ['lgtm'] } } });
    const api = gitlabApi({ baseUrl, token: 't' });
    expect(api.hasLabels).toBe(true);
    await api.addLabel('gitlab-org/sub', 'gitlab', 1, 'lgtm');
    await api.removeLabel('gitlab-org/sub', 'gitlab', 1, 'do-not-merge/hold');
    await expect(api.addLabel('gitlab-org/sub', 'gitlab', 1, 'a,b')).rejects.toThrow(
      /cannot contain a comma/,
    );
    expect(requests.map(({ method, url, body }) => ({ method, url, body }))).toEqual([
      { method: 'PUT', url: mr, body: { add_labels: 'lgtm' } },
      { method: 'PUT', url: mr, body: { remove_labels: 'do-not-merge/hold' } },
    ]);
  });

  it('assigns and asks for reviews by user id, keeping who is there, and names the users GitLab does not know', async () => {
    const mr = `${project}/merge_requests/1`;
    const user = (id: number, username: string) => ({ id, username, name: username, state: 'active' });
    const baseUrl = await gitlab({
      '/users?username=John_Smith': { body: [user(1, 'john_smith')] },
      '/users?username=jane': { body: [user(2, 'jane')] },
      '/users?username=nobody': { body: [] },
      '/users?username=ada': { body: [user(7, 'ada')] },
      [mr]: { body: { iid: 1, assignees: [user(7, 'ada')], reviewers: [user(2, 'jane')] } },
      [`PUT ${mr}`]: [
        { body: { iid: 1, assignees: [user(7, 'ada'), user(1, 'john_smith')] } },
        { body: { iid: 1, reviewers: [] } },
        // GitLab's free tier keeps one assignee: the others were not assigned.
        { body: { iid: 1, assignees: [user(7, 'ada')] } },
      ],
    });
    const api = gitlabApi({ baseUrl, token: 't' });
    expect(await api.assign('gitlab-org/sub', 'gitlab', 1, ['John_Smith', 'nobody'], 'assignees')).toEqual([
      'nobody',
    ]);
    await api.unassign('gitlab-org/sub', 'gitlab', 1, ['jane'], 'reviewers');
    // Nobody to take off: nothing written.
    await api.unassign('gitlab-org/sub', 'gitlab', 1, ['john_smith'], 'reviewers');
    expect(await api.assign('gitlab-org/sub', 'gitlab', 1, ['john_smith'], 'assignees')).toEqual([
      'john_smith',
    ]);
    // Someone assigned already: nothing written, nobody refused.
    expect(await api.assign('gitlab-org/sub', 'gitlab', 1, ['ada'], 'assignees')).toEqual([]);
    const writes = requests.filter(({ method }) => method === 'PUT');
    expect(writes.map(({ url, body }) => ({ url, body }))).toEqual([
      { url: mr, body: { assignee_ids: [7, 1] } },
      { url: mr, body: { reviewer_ids: [] } },
      { url: mr, body: { assignee_ids: [7, 1] } },
    ]);
    // Each user's id is asked once, whatever case the login was written in.
    expect(requests.filter(({ url }) => url.toLowerCase() === '/users?username=john_smith')).toHaveLength(1);
  });

  it('names nobody as refused when GitLab answers without the list it set', async () => {
    const mr = `${project}/merge_requests/1`;
    const baseUrl = await gitlab({
      '/users?username=jane': { body: [{ id: 2, username: 'jane', name: 'Jane', state: 'active' }] },
      [mr]: { body: { iid: 1, assignees: [] } },
      [`PUT ${mr}`]: { body: { iid: 1, assignees: [] } },
    });
    const api = gitlabApi({ baseUrl, token: 't' });
    expect(await api.assign('gitlab-org/sub', 'gitlab', 1, ['jane'], 'reviewers')).toEqual([]);
  });

  it('knows whom its token acts for', async () => {
    const baseUrl = await gitlab({
      '/user': { body: { id: 1, username: 'lighthouse-bot', name: 'Lighthouse' } },
    });
    const api = gitlabApi({ baseUrl, token: 't' });
    expect(await api.whoAmI()).toBe('lighthouse-bot');
    expect(await api.whoAmI()).toBe('lighthouse-bot');
    expect(requests).toHaveLength(1);
  });
});

// "Get raw file from repository" (the whole path URL-encoded as one segment, dots included as its examples
// do, `?ref=`; 404 "404 File Not Found") and "Get approval state" of a merge request (`approved_by`, in the
// order they approved).
describe('gitlabApi reads files and approvals', () => {
  const limit = 256 * 1024;
  const text = (body: string) => ({ text: body, headers: { 'content-type': 'text/plain' } });
  const owners = 'approvers:\n  - john_smith\n';
  const files = `${project}/repository/files`;

  it('reads a raw file at a commit, its whole path one encoded segment; a missing one is none', async () => {
    const baseUrl = await gitlab({
      [`${files}/OWNERS/raw?ref=${sha}`]: text(owners),
      [`${files}/docs%2Fa%20b%2F%231%3F%2F%C3%BCn%C3%AF%2Emd/raw?ref=${sha}`]: text('ünï ✓\n'),
      [`${files}/gone/raw?ref=${sha}`]: { status: 404, body: { message: '404 File Not Found' } },
    });
    const api = gitlabApi({ baseUrl, token: 't' });
    expect(await api.fileContent('gitlab-org/sub', 'gitlab', 'OWNERS', sha)).toBe(owners);
    expect(await api.fileContent('gitlab-org/sub', 'gitlab', 'docs/a b/#1?/ünï.md', sha)).toBe('ünï ✓\n');
    expect(await api.fileContent('gitlab-org/sub', 'gitlab', 'gone', sha)).toBeUndefined();
    expect(requests.map((r) => r.url)).toEqual([
      `${files}/OWNERS/raw?ref=${sha}`,
      `${files}/docs%2Fa%20b%2F%231%3F%2F%C3%BCn%C3%AF%2Emd/raw?ref=${sha}`,
      `${files}/gone/raw?ref=${sha}`,
    ]);
  });

  it('keeps what it read at a SHA, a missing file too, and asks again at a branch', async () => {
    const baseUrl = await gitlab({
      [`${files}/OWNERS/raw?ref=${sha}`]: text(owners),
      [`${files}/OWNERS/raw?ref=feature%2Fx`]: text(owners),
    });
    const api = gitlabApi({ baseUrl, token: 't' });
    for (let read = 0; read < 2; read++) {
      expect(await api.fileContent('gitlab-org/sub', 'gitlab', 'OWNERS', sha)).toBe(owners);
      expect(await api.fileContent('gitlab-org/sub', 'gitlab', 'gone/OWNERS', sha)).toBeUndefined();
      expect(await api.fileContent('gitlab-org/sub', 'gitlab', 'OWNERS', 'feature/x')).toBe(owners);
    }
    expect(requests.map((r) => r.url)).toEqual([
      `${files}/OWNERS/raw?ref=${sha}`,
      `${files}/gone%2FOWNERS/raw?ref=${sha}`,
      `${files}/OWNERS/raw?ref=feature%2Fx`,
      `${files}/OWNERS/raw?ref=feature%2Fx`,
    ]);
  });

  it('reads a file of 256 KiB, and refuses a larger one', async () => {
    const baseUrl = await gitlab({
      [`${files}/full/raw?ref=${sha}`]: text('x'.repeat(limit)),
      [`${files}/big/raw?ref=${sha}`]: text('x'.repeat(limit + 1)),
    });
    const api = gitlabApi({ baseUrl, token: 't' });
    expect(await api.fileContent('gitlab-org/sub', 'gitlab', 'full', sha)).toHaveLength(limit);
    await expect(api.fileContent('gitlab-org/sub', 'gitlab', 'big', sha)).rejects.toThrow(
      expect.objectContaining({
        name: 'ProviderError',
        message: expect.stringMatching(/larger than 256 KiB/),
      }),
    );
    expect(requests).toHaveLength(2);
  });

  it('gives each approval as an approved review, GitLab keeping no other verdict, and asks again each time', async () => {
    const approvals = `${project}/merge_requests/1/approvals`;
    const approver = (id: number, username: string) => ({
      user: { id, username, name: username, state: 'active', web_url: `https://gitlab.com/${username}` },
    });
    const baseUrl = await gitlab({
      [approvals]: {
        body: {
          id: 5,
          iid: 1,
          project_id: 3,
          state: 'opened',
          merge_status: 'can_be_merged',
          approved: true,
          approvals_required: 2,
          approvals_left: 0,
          approved_by: [approver(1, 'john_smith'), approver(2, 'jane')],
        },
      },
    });
    const api = gitlabApi({ baseUrl, token: 't' });
    const expected = [
      { author: 'john_smith', state: 'approved', body: '' },
      { author: 'jane', state: 'approved', body: '' },
    ];
    expect(await api.reviews('gitlab-org/sub', 'gitlab', 1)).toEqual(expected);
    expect(await api.reviews('gitlab-org/sub', 'gitlab', 1)).toEqual(expected);
    expect(requests.map((r) => r.url)).toEqual([approvals, approvals]);
  });
});
