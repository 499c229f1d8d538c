// The fake providers through the real clients: what they read and write is answered in the shapes the
// clients parse, and kept.
import { afterEach, describe, expect, it } from 'vitest';
import type { ProviderApi } from './api.ts';
import { bitbucketServerApi } from './bitbucket-server.ts';
import type { Provider } from './events.ts';
import { giteaApi } from './gitea.ts';
import { githubApi } from './github.ts';
import { gitlabApi } from './gitlab.ts';
import { botLogin, defaultPullRequest, type ProviderServer, startProviderServer } from './testing.ts';

let server: ProviderServer;
afterEach(() => server?.close());

const providers: Provider[] = ['github', 'gitlab', 'gitea', 'bitbucketserver'];

function clients(): Record<Provider, ProviderApi> {
  const { baseUrl } = server;
  const token = 'a-token';
  return {
    github: githubApi({ baseUrl: baseUrl.github, token }),
    gitlab: gitlabApi({ baseUrl: baseUrl.gitlab, token }),
    gitea: giteaApi({ baseUrl: baseUrl.gitea, token }),
    bitbucketserver: bitbucketServerApi({ baseUrl: baseUrl.bitbucketserver, token }),
  };
}

describe.each(providers)('the fake %s', (provider) => {
  it('gives the paths a pull request changes, as the test set them', async () => {
    server = await startProviderServer();
    server.changedFiles.set(`${provider}/acme/rocket#4`, ['a/OWNERS', 'docs/read me.md']);
    expect(await clients()[provider].changedFiles('acme', 'rocket', 4)).toEqual([
      'a/OWNERS',
      'docs/read me.md',
    ]);
    expect(await clients()[provider].changedFiles('acme', 'rocket', 5)).toEqual([]);
  });

  it('says every user may push and is a member, and who the token is', async () => {
    server = await startProviderServer();
    const api = clients()[provider];
    expect(await api.isCollaborator('acme', 'rocket', 'Mona')).toBe(true);
    expect(await api.isOrgMember('acme', 'Mona')).toBe(true);
    expect(await api.whoAmI()).toBe(botLogin);
    expect(server.reads.length).toBeGreaterThan(0);
    expect(server.reads.filter((r) => r.status >= 300)).toEqual([]);
    expect(server.writes).toEqual([]);
  });

  it('says only the admins the test named administer a repository', async () => {
    server = await startProviderServer();
    server.admins.add('Octo-Admin');
    const api = clients()[provider];
    expect(await api.isAdmin('acme', 'rocket', 'octo-admin')).toBe(true);
    expect(await api.isAdmin('acme', 'rocket', 'Mona')).toBe(false);
    expect(await api.isCollaborator('acme', 'rocket', 'octo-admin')).toBe(true);
    expect(server.reads.filter((r) => r.status >= 300)).toEqual([]);
  });

  it('answers a pull request nobody set as the default one, and one set as it was set', async () => {
    server = await startProviderServer();
    const api = clients()[provider];
    expect(await api.pullRequest('acme', 'rocket', 1)).toEqual({
      number: 1,
      author: defaultPullRequest.author,
      state: 'open',
      draft: false,
      labels: [],
      baseRef: defaultPullRequest.baseRef,
      baseSha: defaultPullRequest.baseSha,
      headRef: defaultPullRequest.headRef,
      headSha: defaultPullRequest.headSha,
    });
    const labels = provider === 'bitbucketserver' ? [] : ['bug'];
    server.pullRequests.set(`${provider}/acme/rocket#2`, {
      author: 'mona',
      state: 'merged',
      draft: true,
      labels: ['bug'],
      baseRef: 'release',
      baseSha: 'a'.repeat(40),
      headRef: 'fix',
      headSha: 'b'.repeat(40),
    });
    expect(await api.pullRequest('acme', 'rocket', 2)).toEqual({
      number: 2,
      author: 'mona',
      state: 'merged',
      draft: true,
      labels,
      baseRef: 'release',
      baseSha: 'a'.repeat(40),
      headRef: 'fix',
      headSha: 'b'.repeat(40),
    });
    expect([...server.pullRequests.keys()]).toEqual([
      `${provider}/acme/rocket#1`,
      `${provider}/acme/rocket#2`,
    ]);
  });
});

describe.each(providers)('the fake %s', (provider) => {
  const sha = 'a'.repeat(40);

  it('serves the files a test put in a repository, at their commit only, whatever their path', async () => {
    server = await startProviderServer();
    const repo = provider === 'gitlab' ? 'gitlab/acme/sub/rocket' : `${provider}/acme/rocket`;
    const owner = provider === 'gitlab' ? 'acme/sub' : 'acme';
    server.setFile(repo, sha, 'OWNERS', 'approvers:\n  - mona\n');
    server.setFile(repo, sha, 'docs/a b/#1?/ünï.md', 'ünï ✓\n');
    const api = clients()[provider];
    expect(await api.fileContent(owner, 'rocket', 'OWNERS', sha)).toBe('approvers:\n  - mona\n');
    expect(await api.fileContent(owner, 'rocket', 'docs/a b/#1?/ünï.md', sha)).toBe('ünï ✓\n');
    expect(await api.fileContent(owner, 'rocket', 'OWNERS', 'b'.repeat(40))).toBeUndefined();
    expect(await api.fileContent(owner, 'rocket', 'docs/OWNERS', sha)).toBeUndefined();
    // A directory is no file.
    expect(await api.fileContent(owner, 'rocket', 'docs', sha)).toBeUndefined();
    expect(server.reads.map((r) => r.status)).toEqual([
      200,
      200,
      404,
      404,
      provider === 'github' ? 200 : 404,
    ]);
  });

  it('refuses a file larger than the clients read', async () => {
    server = await startProviderServer();
    server.setFile(`${provider}/acme/rocket`, sha, 'OWNERS', 'x'.repeat(256 * 1024 + 1));
    await expect(clients()[provider].fileContent('acme', 'rocket', 'OWNERS', sha)).rejects.toThrow(
      /larger than 256 KiB/,
    );
  });
});

/** The reviews each fake gives back from the same four, as each provider keeps them. */
const reviewsRead = {
  github: [
    { author: 'mona', state: 'changes_requested', body: 'Please add a test' },
    { author: 'hubot', state: 'commented', body: 'Why not reuse it?' },
    { author: 'mona', state: 'approved', body: 'LGTM' },
    { author: 'octo', state: 'dismissed', body: '' },
  ],
  // Approvals only.
  gitlab: [{ author: 'mona', state: 'approved', body: '' }],
  // Each author once, with the verdict of their latest review that has one; no bodies.
  bitbucketserver: [{ author: 'mona', state: 'approved', body: '' }],
};

describe.each(providers)('the fake %s', (provider) => {
  it("gives a pull request's reviews in the provider's shape", async () => {
    server = await startProviderServer();
    const pull = `${provider}/acme/rocket#5`;
    server.addReview(pull, { author: 'mona', state: 'changes_requested', body: 'Please add a test' });
    server.addReview(pull, { author: 'hubot', state: 'commented', body: 'Why not reuse it?' });
    server.addReview(pull, { author: 'mona', state: 'approved', body: 'LGTM' });
    server.addReview(pull, { author: 'octo', state: 'dismissed', body: '' });
    const api = clients()[provider];
    expect(await api.reviews('acme', 'rocket', 5)).toEqual(
      reviewsRead[provider === 'gitea' ? 'github' : provider],
    );
    expect(await api.reviews('acme', 'rocket', 6)).toEqual([]);
  });
});

/** The calls of the test below, as each provider's API reference has them. */
const labelWrites = {
  // By name, created when added; 404 to a DELETE of one the issue lacks.
  github: [
    ...Array(3).fill('POST /repos/acme/rocket/issues/3/labels 200'),
    'DELETE /repos/acme/rocket/issues/3/labels/needs-ok-to-test 200',
    'DELETE /repos/acme/rocket/issues/3/labels/needs-ok-to-test 404',
    'DELETE /repos/acme/rocket/issues/3/labels/never-added 404',
  ],
  gitlab: Array(6).fill('PUT /projects/acme%2Frocket/merge_requests/3 200'),
  // By id: the client creates the repository's label first; a name it cannot find is not removed.
  gitea: [
    'POST /repos/acme/rocket/labels 201',
    'POST /repos/acme/rocket/issues/3/labels 200',
    'POST /repos/acme/rocket/labels 201',
    'POST /repos/acme/rocket/issues/3/labels 200',
    'POST /repos/acme/rocket/issues/3/labels 200',
    'DELETE /repos/acme/rocket/issues/3/labels/1000 204',
    'DELETE /repos/acme/rocket/issues/3/labels/1000 204',
  ],
};

describe.each(['github', 'gitlab', 'gitea'] as const)('the fake %s', (provider) => {
  it("adds and removes a pull request's labels, kept on it", async () => {
    server = await startProviderServer();
    const api = clients()[provider];
    expect(api.hasLabels).toBe(true);
    await api.addLabel('acme', 'rocket', 3, 'needs-ok-to-test');
    await api.addLabel('acme', 'rocket', 3, 'ok-to-test');
    await api.addLabel('acme', 'rocket', 3, 'ok-to-test');
    await api.removeLabel('acme', 'rocket', 3, 'needs-ok-to-test');
    // Removing a label the pull request lacks is no error.
    await api.removeLabel('acme', 'rocket', 3, 'needs-ok-to-test');
    await api.removeLabel('acme', 'rocket', 3, 'never-added');
    expect(server.pullRequests.get(`${provider}/acme/rocket#3`)?.labels).toEqual(['ok-to-test']);
    expect((await clients()[provider].pullRequest('acme', 'rocket', 3)).labels).toEqual(['ok-to-test']);
    expect(server.writes.map((w) => `${w.method} ${w.path} ${w.status}`)).toEqual(labelWrites[provider]);
  });

  it('lists the labels a repository has, through the real client', async () => {
    server = await startProviderServer();
    server.createLabel(`${provider}/acme/rocket`, 'kind/bug');
    server.createLabel(`${provider}/acme/rocket`, 'area/ui');
    expect(await clients()[provider].repoLabels('acme', 'rocket')).toEqual(['kind/bug', 'area/ui']);
    expect(await clients()[provider].repoLabels('acme', 'other')).toEqual([]);
  });
});

describe.each(['github', 'gitlab'] as const)('the fake %s', (provider) => {
  it("keeps a pull request's assignees and reviewers, and knows no stranger", async () => {
    server = await startProviderServer();
    server.strangers.add('ghost');
    const api = clients()[provider];
    expect(await api.assign('acme', 'rocket', 3, ['mona', 'ghost'], 'assignees')).toEqual(['ghost']);
    expect(await api.assign('acme', 'rocket', 3, ['hubot'], 'assignees')).toEqual([]);
    expect(await api.assign('acme', 'rocket', 3, ['octo'], 'reviewers')).toEqual([]);
    await api.unassign('acme', 'rocket', 3, ['mona'], 'assignees');
    expect(server.people(`${provider}/acme/rocket#3`)).toEqual({ assignees: ['hubot'], reviewers: ['octo'] });
    // GitHub refuses a review request naming the author or a stranger, and asks nobody.
    expect(await api.assign('acme', 'rocket', 3, ['ghost', 'ada'], 'reviewers')).toEqual(
      provider === 'github' ? ['ghost', 'ada'] : ['ghost'],
    );
  });
});

describe('the fake Bitbucket Server', () => {
  it("gives a repository's clone link on the server, and has no labels", async () => {
    server = await startProviderServer();
    const api = clients().bitbucketserver;
    expect(await api.cloneUrl?.('PRJ', 'my-repo')).toBe(
      `${server.baseUrl.bitbucketserver}/scm/prj/my-repo.git`,
    );
    expect(api.hasLabels).toBe(false);
  });
});

describe('the fake GitLab', () => {
  it('keeps each username to one id, and knows no member by an id it never gave', async () => {
    server = await startProviderServer();
    const api = clients().gitlab;
    expect(await api.isCollaborator('group/sub', 'rocket', 'Mona')).toBe(true);
    const ids = () => server.reads.filter((r) => r.path.startsWith('/users?')).map((r) => r.path);
    expect(ids()).toEqual(['/users?username=Mona']);
    const unknown = await fetch(`${server.baseUrl.gitlab}/projects/1/members/all/999999`);
    expect(unknown.status).toBe(404);
  });
});

describe('the fake GitHub', () => {
  it('still answers writes as before: a status, a comment, and 404 to what it does not know', async () => {
    server = await startProviderServer();
    const api = clients().github;
    await api.createStatus('acme', 'rocket', 'c'.repeat(40), {
      context: 'unit',
      state: 'pending',
      description: 'Pipeline pending',
    });
    await api.createComment('acme', 'rocket', 4, 'hello');
    expect(server.statuses).toEqual([
      {
        provider: 'github',
        repo: 'acme/rocket',
        sha: 'c'.repeat(40),
        context: 'unit',
        state: 'pending',
        description: 'Pipeline pending',
        url: undefined,
      },
    ]);
    expect(server.comments.get('github/acme/rocket#4')?.map((c) => c.body)).toEqual(['hello']);
    const unknown = await fetch(`${server.baseUrl.github}/repos/acme/rocket/deployments`, { method: 'POST' });
    expect(unknown.status).toBe(404);
    expect(server.writes.map((w) => `${w.method} ${w.path} ${w.status}`)).toEqual([
      `POST /repos/acme/rocket/statuses/${'c'.repeat(40)} 201`,
      'POST /repos/acme/rocket/issues/4/comments 201',
      'POST /repos/acme/rocket/deployments 404',
    ]);
  });
});

describe.each(['github', 'gitea'] as const)('the fake %s', (provider) => {
  it("answers issues from the pull requests' store, teams' members as the test added them, and milestones", async () => {
    server = await startProviderServer();
    const api = clients()[provider];
    server.pullRequests.set(`${provider}/acme/rocket#3`, {
      ...defaultPullRequest,
      state: 'closed',
      labels: ['bug'],
    });
    expect(await api.issue?.('acme', 'rocket', 3)).toEqual({ number: 3, state: 'closed', labels: ['bug'] });

    server.teamMembers.set(`${provider}/7`, ['Mona']);
    server.teamMembers.set('github/acme/releasers', ['hubot']);
    expect(await api.isTeamMember?.('acme', { id: 7, slug: '' }, 'mona')).toBe(true);
    expect(await api.isTeamMember?.('acme', { id: 7, slug: '' }, 'hubot')).toBe(false);
    expect(await api.isTeamMember?.('acme', { id: 8, slug: 'releasers' }, 'hubot')).toBe(
      provider === 'github',
    );

    const v1 = server.createMilestone(`${provider}/acme/rocket`, 'v1');
    const v2 = server.createMilestone(`${provider}/acme/rocket`, 'v2');
    expect(await api.milestones?.('acme', 'rocket')).toEqual([
      { id: v1, title: 'v1' },
      { id: v2, title: 'v2' },
    ]);
    await api.setMilestone?.('acme', 'rocket', 3, v2);
    expect(server.milestones.get(`${provider}/acme/rocket#3`)).toBe(v2);
    await api.setMilestone?.('acme', 'rocket', 3, null);
    expect(server.milestones.has(`${provider}/acme/rocket#3`)).toBe(false);
    await expect(api.setMilestone?.('acme', 'rocket', 3, 999)).rejects.toThrow(/422/);
  });
});
