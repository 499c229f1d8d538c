import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, inject, it } from 'vitest';
import type { Provider } from '../events.ts';
import { receiveWebhook, signedWebhookHeaders, type WebhookOutcome } from './index.ts';

const secret = 'go-playground-secret';
const deliveryId = '0b8e4c52-55f6-4a4b-9d8e-3f1a2c7d9e60';

function receive(provider: Provider, event: string, file: string): WebhookOutcome {
  const body = readFileSync(join(inject('fixturesDir'), 'go-playground-webhooks', 'testdata', file));
  const headers = signedWebhookHeaders({ provider, event, deliveryId, body, secret });
  return receiveWebhook({ headers, body, secrets: [secret] });
}

const baxter = {
  owner: 'baxterthehacker',
  name: 'public-repo',
  cloneUrl: 'https://github.com/baxterthehacker/public-repo.git',
  link: 'https://github.com/baxterthehacker/public-repo',
};
const gitlabTest = {
  owner: 'gitlab-org',
  name: 'gitlab-test',
  cloneUrl: 'http://example.com/gitlab-org/gitlab-test.git',
  link: 'http://example.com/gitlab-org/gitlab-test',
};
const giteaExample = {
  owner: 'example',
  name: 'example',
  cloneUrl: 'http://localhost:3000/example/example.git',
  link: 'http://localhost:3000/example/example',
};
const bitbucketWebhookTest = {
  owner: '~gopher',
  name: 'webhook-test',
  cloneUrl: 'https://server.bitbucket.local/scm/~gopher/webhook-test.git',
  link: 'https://server.bitbucket.local/users/gopher/repos/webhook-test/browse',
};
const gopher = { login: 'gopher', id: '3231' };
const bitbucketPullRequest = {
  type: 'pull_request',
  provider: 'bitbucketserver',
  deliveryId,
  repo: bitbucketWebhookTest,
  number: 5,
  title: 'Update README',
  author: gopher,
  draft: false,
  base: { ref: 'master', sha: 'cde6c45a4210afe81638aa1f3aa960d633c66a90' },
  head: { ref: 'feature/wip', sha: '32a0b8a740c2963c6f56bd8baf3dc05683d299e0' },
  labels: [],
  link: 'https://server.bitbucket.local/users/gopher/repos/webhook-test/pull-requests/5',
};

it('a GitHub `/build` comment on a pull request is a pull request comment', () => {
  expect(receive('github', 'issue_comment', 'github/pull-request-issue-comment.json')).toEqual({
    kind: 'event',
    event: {
      type: 'pull_request_comment',
      provider: 'github',
      deliveryId,
      repo: {
        owner: 'chhsia0',
        name: 'knative-route-demo',
        cloneUrl: 'https://github.com/chhsia0/knative-route-demo.git',
        link: 'https://github.com/chhsia0/knative-route-demo',
      },
      number: 3,
      commentId: '546616131',
      body: '/build',
      author: { login: 'chhsia0', id: '4643017' },
      authorAssociation: 'OWNER',
      link: 'https://github.com/chhsia0/knative-route-demo/pull/3#issuecomment-546616131',
    },
  });
});

it('a GitHub comment on a plain issue is an issue comment', () => {
  expect(receive('github', 'issue_comment', 'github/issue-comment.json')).toEqual({
    kind: 'event',
    event: {
      type: 'issue_comment',
      provider: 'github',
      deliveryId,
      repo: baxter,
      number: 2,
      commentId: '99262140',
      body: "You are totally right! I'll get this fixed right away.",
      author: { login: 'baxterthehacker', id: '6752317' },
      link: 'https://github.com/baxterthehacker/public-repo/issues/2#issuecomment-99262140',
    },
  });
});

it('a GitHub review comment is a pull request comment', () => {
  expect(receive('github', 'pull_request_review_comment', 'github/pull-request-review-comment.json')).toEqual(
    {
      kind: 'event',
      event: {
        type: 'pull_request_comment',
        provider: 'github',
        deliveryId,
        repo: baxter,
        number: 1,
        commentId: '29724692',
        body: 'Maybe you should use more emojji on this line.',
        author: { login: 'baxterthehacker', id: '6752317' },
        link: 'https://github.com/baxterthehacker/public-repo/pull/1#discussion_r29724692',
      },
    },
  );
});

it('a GitHub review', () => {
  expect(receive('github', 'pull_request_review', 'github/pull-request-review.json')).toEqual({
    kind: 'event',
    event: {
      type: 'review',
      provider: 'github',
      deliveryId,
      repo: baxter,
      number: 8,
      commentId: 'review-2626884',
      state: 'approved',
      body: 'Looks great!',
      author: { login: 'baxterthehacker', id: '6752317' },
      link: 'https://github.com/baxterthehacker/public-repo/pull/8#pullrequestreview-2626884',
    },
  });
});

it('a GitHub pull request', () => {
  expect(receive('github', 'pull_request', 'github/pull-request.json')).toEqual({
    kind: 'event',
    event: {
      type: 'pull_request',
      provider: 'github',
      deliveryId,
      action: 'opened',
      repo: baxter,
      number: 1,
      title: 'Update the README with new information',
      author: { login: 'baxterthehacker', id: '6752317' },
      draft: false,
      base: { ref: 'master', sha: '9049f1265b7d61be4a8904a9a27120d2064dab3b' },
      head: { ref: 'changes', sha: '0d1a26e67d8f5eaf1f6ba5c57fc3c7d91ac0fd1c' },
      labels: [],
      merged: false,
      link: 'https://github.com/baxterthehacker/public-repo/pull/1',
    },
  });
});

it('a GitHub push lists the files its commits changed', () => {
  expect(receive('github', 'push', 'github/push.json')).toEqual({
    kind: 'event',
    event: {
      type: 'push',
      provider: 'github',
      deliveryId,
      repo: {
        owner: 'binkkatal',
        name: 'sample_app',
        cloneUrl: 'https://github.com/binkkatal/sample_app.git',
        link: 'https://github.com/binkkatal/sample_app',
      },
      ref: 'refs/heads/master',
      refType: 'branch',
      refName: 'master',
      before: '737d38c599c1b2991664dfc6155d6bf516fcce36',
      after: 'fd489864e7642b48eaad6e3f155c10e46810ec72',
      deleted: false,
      changedFiles: ['.razorops.yaml', 'app/controllers/application_controller.rb'],
      sender: { login: 'binkkatal', id: '13351472' },
    },
  });
});

it('a GitLab note on a merge request is a pull request comment', () => {
  expect(receive('gitlab', 'Note Hook', 'gitlab/comment-merge-request-event.json')).toEqual({
    kind: 'event',
    event: {
      type: 'pull_request_comment',
      provider: 'gitlab',
      deliveryId,
      repo: gitlabTest,
      number: 1,
      commentId: '1244',
      body: 'This MR needs work.',
      author: { login: 'root', id: '1' },
      link: 'http://example.com/gitlab-org/gitlab-test/merge_requests/1#note_1244',
    },
  });
});

it('a GitLab note on an issue is an issue comment', () => {
  expect(receive('gitlab', 'Note Hook', 'gitlab/comment-issue-event.json')).toEqual({
    kind: 'event',
    event: {
      type: 'issue_comment',
      provider: 'gitlab',
      deliveryId,
      repo: gitlabTest,
      number: 17,
      commentId: '1241',
      body: 'Hello world',
      author: { login: 'root', id: '1' },
      link: 'http://example.com/gitlab-org/gitlab-test/issues/17#note_1241',
    },
  });
});

it('a GitLab merge request opened by someone else names the author by id only', () => {
  expect(receive('gitlab', 'Merge Request Hook', 'gitlab/merge-request-event.json')).toEqual({
    kind: 'event',
    event: {
      type: 'pull_request',
      provider: 'gitlab',
      deliveryId,
      action: 'opened',
      repo: {
        owner: 'gitlabhq',
        name: 'gitlab-test',
        cloneUrl: 'http://example.com/gitlabhq/gitlab-test.git',
        link: 'http://example.com/gitlabhq/gitlab-test',
      },
      number: 1,
      title: 'MS-Viewport',
      author: { id: '51' },
      draft: false,
      base: { ref: 'master' },
      head: { ref: 'ms-viewport', sha: 'da1560886d4f094c3e6c9ef40349f7d38b5d27d7' },
      labels: ['API'],
      merged: false,
      link: 'http://example.com/diaspora/merge_requests/1',
    },
  });
});

it('a GitLab push whose commit list was cut short has no changed files', () => {
  // total_commits_count is 4 but only 2 commits are listed: the files cannot be known from the payload.
  expect(receive('gitlab', 'Push Hook', 'gitlab/push-event.json')).toEqual({
    kind: 'event',
    event: {
      type: 'push',
      provider: 'gitlab',
      deliveryId,
      repo: {
        owner: 'mike',
        name: 'diaspora',
        cloneUrl: 'http://example.com/mike/diaspora.git',
        link: 'http://example.com/mike/diaspora',
      },
      ref: 'refs/heads/master',
      refType: 'branch',
      refName: 'master',
      before: '95790bf891e76fee5e1747ab589903a6a1f80f22',
      after: 'da1560886d4f094c3e6c9ef40349f7d38b5d27d7',
      deleted: false,
      sender: { id: '4' },
    },
  });
});

it('a GitLab tag push', () => {
  expect(receive('gitlab', 'Tag Push Hook', 'gitlab/tag-event.json')).toEqual({
    kind: 'event',
    event: {
      type: 'push',
      provider: 'gitlab',
      deliveryId,
      repo: {
        owner: 'jsmith',
        name: 'example',
        cloneUrl: 'http://example.com/jsmith/example.git',
        link: 'http://example.com/jsmith/example',
      },
      ref: 'refs/tags/v1.0.0',
      refType: 'tag',
      refName: 'v1.0.0',
      before: '0000000000000000000000000000000000000000',
      after: '82b3d5ae55f7080f1e6022629cdb57bfae7cccc7',
      deleted: false,
      changedFiles: [],
      sender: { id: '1' },
    },
  });
});

it('a GitLab pipeline event is ignored', () => {
  expect(receive('gitlab', 'Pipeline Hook', 'gitlab/pipeline-event.json')).toEqual({
    kind: 'ignored',
    reason: 'gitlab Pipeline Hook',
  });
});

it('Gitea comments on pull requests and on issues', () => {
  const comment = {
    kind: 'event',
    event: { provider: 'gitea', deliveryId, repo: giteaExample, body: 'example' },
  };
  expect(receive('gitea', 'pull_request_comment', 'gitea/pull-request-comment-event.json')).toMatchObject({
    ...comment,
    event: {
      ...comment.event,
      type: 'pull_request_comment',
      number: 2,
      author: { login: 'example', id: '1' },
      link: 'http://localhost:3000/example/example/pulls/2#issuecomment-6',
    },
  });
  expect(receive('gitea', 'issue_comment', 'gitea/issue-comment-event.json')).toMatchObject({
    ...comment,
    event: {
      ...comment.event,
      type: 'issue_comment',
      number: 1,
      author: { login: 'example', id: '1' },
      link: 'http://localhost:3000/example/example/issues/1#issuecomment-2',
    },
  });
});

it('a Gitea pull request', () => {
  expect(receive('gitea', 'pull_request', 'gitea/pull-request-event.json')).toEqual({
    kind: 'event',
    event: {
      type: 'pull_request',
      provider: 'gitea',
      deliveryId,
      action: 'opened',
      repo: giteaExample,
      number: 2,
      title: 'update',
      author: { login: 'example2', id: '2' },
      draft: false,
      base: { ref: 'master', sha: '67b56589a45103f891bdee7c0546e5d40bc02001' },
      head: { ref: 'master', sha: '48e773f892a831faa47c0a160d1b7f0cd369ae2a' },
      labels: [],
      merged: false,
      link: 'http://localhost:3000/example/example/pulls/2',
    },
  });
});

it('a Gitea push creating a branch', () => {
  expect(receive('gitea', 'push', 'gitea/push-event.json')).toEqual({
    kind: 'event',
    event: {
      type: 'push',
      provider: 'gitea',
      deliveryId,
      repo: giteaExample,
      ref: 'refs/heads/master',
      refType: 'branch',
      refName: 'master',
      before: '0000000000000000000000000000000000000000',
      after: '67b56589a45103f891bdee7c0546e5d40bc02001',
      deleted: false,
      changedFiles: ['example'],
      sender: { login: 'example', id: '1' },
    },
  });
});

it('Bitbucket Server pull requests opened and merged', () => {
  expect(receive('bitbucketserver', 'pr:opened', 'bitbucket-server/pr-opened.json')).toEqual({
    kind: 'event',
    event: { ...bitbucketPullRequest, action: 'opened', merged: false },
  });
  expect(receive('bitbucketserver', 'pr:merged', 'bitbucket-server/pr-merged.json')).toEqual({
    kind: 'event',
    event: { ...bitbucketPullRequest, action: 'closed', merged: true },
  });
});

it('a Bitbucket Server comment on a pull request', () => {
  expect(receive('bitbucketserver', 'pr:comment:added', 'bitbucket-server/pr-comment-added.json')).toEqual({
    kind: 'event',
    event: {
      type: 'pull_request_comment',
      provider: 'bitbucketserver',
      deliveryId,
      repo: bitbucketWebhookTest,
      number: 2,
      commentId: '167',
      body: 'test',
      author: gopher,
    },
  });
});

it('a Bitbucket Server push deleting a branch', () => {
  expect(receive('bitbucketserver', 'repo:refs_changed', 'bitbucket-server/repo-refs-changed.json')).toEqual({
    kind: 'event',
    event: {
      type: 'push',
      provider: 'bitbucketserver',
      deliveryId,
      repo: bitbucketWebhookTest,
      ref: 'refs/heads/feature/wip',
      refType: 'branch',
      refName: 'feature/wip',
      before: '32a0b8a740c2963c6f56bd8baf3dc05683d299e0',
      after: '0000000000000000000000000000000000000000',
      deleted: true,
      sender: gopher,
    },
  });
});
