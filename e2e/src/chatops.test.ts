// ChatOps through the running lighthouse: go-scm's real comment payloads (their bodies set to commands),
// signed and delivered, and the fake providers' record of every write, exactly. Remote mode with a runner
// that is never called: these comments start no job.
import { readFileSync } from 'node:fs';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Provider } from '@lighthouse-ts/scm';
import { defaultPullRequest, type ProviderServer, startProviderServer } from '@lighthouse-ts/scm/testing';
import { killApps, type ServingApp, startServingApp } from '@lighthouse-ts/testenv/app-process';
import { rawRequest } from '@lighthouse-ts/testenv/http';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { delivery } from '../../packages/scm/test/payloads.ts';

const lighthouseMain = join(import.meta.dirname, '../../apps/lighthouse/src/main.ts');
const secret = 'chatops-secret';

interface Case {
  provider: Extract<Provider, 'github' | 'gitlab'>;
  event: string;
  repo: string;
  /** The path of the pull request's labels or merge request in the provider's API, as the client writes it. */
  labelsPath: string;
  commentsPath: string;
  /** The writes assigning the pull request, and asking for a review: GitLab reads the list, then sets it. */
  assignWrites: string[];
  ccWrites: string[];
  /** Where our comment with this id is edited, and how the label `approved` comes off. */
  editPath(id: number): string;
  unlabelApproved: string;
  /** The payload with this comment by this login. */
  comment(body: string, login: string, id: number): Buffer;
}

const fixture = (provider: string, file: string) =>
  JSON.parse(
    readFileSync(join(inject('fixturesDir'), 'go-scm', provider, 'testdata', 'webhooks', file), 'utf8'),
  );

const cases: Case[] = [
  {
    provider: 'github',
    event: 'issue_comment',
    repo: 'Codertocat/Hello-World',
    labelsPath: '/repos/Codertocat/Hello-World/issues/1/labels',
    commentsPath: '/repos/Codertocat/Hello-World/issues/1/comments',
    assignWrites: ['POST /repos/Codertocat/Hello-World/issues/1/assignees'],
    ccWrites: ['POST /repos/Codertocat/Hello-World/pulls/1/requested_reviewers'],
    editPath: (id) => `PATCH /repos/Codertocat/Hello-World/issues/comments/${id}`,
    unlabelApproved: 'DELETE /repos/Codertocat/Hello-World/issues/1/labels/approved',
    comment(body, login, id) {
      const payload = fixture('github', 'issue_comment.json');
      // The same comment on a pull request: GitHub marks the issue so.
      payload.issue.pull_request = { url: 'https://api.github.com/repos/Codertocat/Hello-World/pulls/1' };
      payload.comment = { ...payload.comment, body, id, user: { ...payload.comment.user, login } };
      return Buffer.from(JSON.stringify(payload));
    },
  },
  {
    provider: 'gitlab',
    event: 'Note Hook',
    repo: 'gitlab-org/hello-world',
    labelsPath: '/projects/gitlab-org%2Fhello-world/merge_requests/1',
    commentsPath: '/projects/gitlab-org%2Fhello-world/merge_requests/1/notes',
    assignWrites: ['PUT /projects/gitlab-org%2Fhello-world/merge_requests/1'],
    ccWrites: ['PUT /projects/gitlab-org%2Fhello-world/merge_requests/1'],
    editPath: (id) => `PUT /projects/gitlab-org%2Fhello-world/merge_requests/1/notes/${id}`,
    unlabelApproved: 'PUT /projects/gitlab-org%2Fhello-world/merge_requests/1',
    comment(body, login, id) {
      const payload = fixture('gitlab', 'pull_request_comment_create.json');
      payload.object_attributes = { ...payload.object_attributes, note: body, id };
      payload.user = { ...payload.user, username: login };
      return Buffer.from(JSON.stringify(payload));
    },
  },
];

describe.each(cases)('ChatOps on $provider, through the running app', (c) => {
  let providers: ProviderServer;
  let lighthouse: ServingApp;
  const prefix = c.provider === 'github' ? '/github' : '/gitlab/api/v4';

  beforeAll(async () => {
    providers = await startProviderServer();
    providers.createLabel(`${c.provider}/${c.repo}`, 'kind/bug');
    providers.strangers.add('ghost');
    // A two-level OWNERS tree at the pull request's base: the root's approver owns all, a/'s only a/.
    const repo = `${c.provider}/${c.repo}`;
    providers.setFile(repo, defaultPullRequest.baseSha, 'OWNERS', 'approvers: [root-approver]\n');
    providers.setFile(repo, defaultPullRequest.baseSha, 'a/OWNERS', 'approvers: [maintainer]\n');
    providers.changedFiles.set(`${repo}#1`, ['a/widget.go', 'README.md']);
    const dir = await mkdtemp(join(tmpdir(), 'chatops-'));
    const file = async (name: string, text: string) => {
      await writeFile(join(dir, name), text);
      return join(dir, name);
    };
    const upper = c.provider.toUpperCase();
    lighthouse = await startServingApp(
      lighthouseMain,
      ['serve', '--host=127.0.0.1', '--port=0', '--metapipeline=remote', '--runner-url=http://127.0.0.1:9'],
      {
        LIGHTHOUSE_WEBHOOK_SECRET_FILE: await file('hmac', secret),
        LIGHTHOUSE_CONFIG_FILE: await file('config.yaml', '{}\n'),
        LIGHTHOUSE_PLUGINS_FILE: await file(
          'plugins.yaml',
          `plugins:\n  ${c.repo}: [trigger, hold, lgtm, label, assign, approve]\napprove:\n- repos: [${c.repo}]\n  require_self_approval: true\n`,
        ),
        LIGHTHOUSE_RUNNER_TOKEN_FILE: await file('runner-token', 'unused\n'),
        [`LIGHTHOUSE_${upper}_TOKEN_FILE`]: await file('token', 'a-token\n'),
        [`LIGHTHOUSE_${upper}_API_URL`]: providers.baseUrl[c.provider],
      },
    );
  });
  afterAll(async () => {
    await lighthouse?.stop();
    await killApps();
    await providers?.close();
  });

  // Far from the ids the fake gives its own comments.
  let nextId = 900_000;
  /** Comments as someone wrote them: the provider holds the comment, then delivers its webhook. */
  async function say(body: string, login: string): Promise<string[]> {
    const before = providers.writes.length;
    const id = nextId++;
    const key = `${c.provider}/${c.repo}#1`;
    providers.comments.set(key, [
      ...(providers.comments.get(key) ?? []),
      { id, author: login, body, version: 0 },
    ]);
    const answer = await rawRequest(
      `${lighthouse.url}/hook`,
      delivery({
        provider: c.provider,
        event: c.event,
        body: c.comment(body, login, id),
        deliveryId: `c-${id}`,
        secret,
      }),
    );
    expect(answer.status, answer.text).toBe(200);
    return providers.writes.slice(before).map((write) => `${write.method} ${write.path.replace(prefix, '')}`);
  }
  const labelWrite = c.provider === 'github' ? `POST ${c.labelsPath}` : `PUT ${c.labelsPath}`;
  const labels = () => providers.pullRequests.get(`${c.provider}/${c.repo}#1`)?.labels ?? [];

  it('/hold, /kind bug and /lgtm from a collaborator: exactly their label writes', async () => {
    expect(await say('/hold', 'maintainer')).toEqual([labelWrite]);
    expect(await say('/kind bug', 'maintainer')).toEqual([labelWrite]);
    // Whoever gives LGTM is assigned, as Lighthouse does.
    expect(await say('/lh-lgtm', 'maintainer')).toEqual([...c.assignWrites, labelWrite]);
    expect(labels()).toEqual(['do-not-merge/hold', 'kind/bug', 'lgtm']);
    expect(providers.people(`${c.provider}/${c.repo}#1`).assignees).toEqual(['maintainer']);
  });

  it("the pull request's author cannot /lgtm it: one comment, no label", async () => {
    const writes = await say('/lgtm cancel', 'maintainer');
    // Assigned again: GitHub is asked (it changes nothing); GitLab reads the list and leaves it.
    expect(writes).toEqual(
      c.provider === 'github' ? [...c.assignWrites, `DELETE ${c.labelsPath}/lgtm`] : [labelWrite],
    );
    expect(await say('/lgtm', 'pr-author')).toEqual([`POST ${c.commentsPath}`]);
    expect(labels()).not.toContain('lgtm');
  });

  it('a label the repository lacks is answered, not added; words that are not commands write nothing', async () => {
    expect(await say('/kind feature', 'maintainer')).toEqual([`POST ${c.commentsPath}`]);
    expect(await say('looks good, but please /hold off', 'maintainer')).toEqual([]);
  });

  it('/assign and /cc: exactly their assignee and review writes; a login the provider refuses is answered', async () => {
    const people = () => providers.people(`${c.provider}/${c.repo}#1`);
    expect(await say('/assign @hubot', 'pr-author')).toEqual(c.assignWrites);
    // The maintainer is assigned already (by /lgtm): GitLab is not asked again.
    expect(await say('/lh-assign', 'maintainer')).toEqual(c.provider === 'github' ? c.assignWrites : []);
    expect(await say('/cc reviewer', 'pr-author')).toEqual(c.ccWrites);
    expect(people()).toEqual({ assignees: ['maintainer', 'hubot'], reviewers: ['reviewer'] });
    // GitHub is asked and leaves the stranger out; GitLab knows no such user, so nothing is set.
    const asked = c.provider === 'github' ? c.assignWrites : [];
    expect(await say('/assign ghost', 'maintainer')).toEqual([...asked, `POST ${c.commentsPath}`]);
    expect(people().assignees).toEqual(['maintainer', 'hubot']);
  });

  it('/approve with a two-level OWNERS tree: the notification, then the label once every file is approved', async () => {
    // GitLab answers /approve itself (a quick action): there people write /lh-approve.
    const approve = c.provider === 'gitlab' ? '/lh-approve' : '/approve';
    const notification = () =>
      providers.comments
        .get(`${c.provider}/${c.repo}#1`)
        ?.find((comment) => comment.body.startsWith('[APPROVALNOTIFIER]'));
    // a/'s approver approves a/widget.go; README.md is the root's, still to approve.
    expect(await say(approve, 'maintainer')).toEqual([`POST ${c.commentsPath}`]);
    const id = notification()?.id as number;
    expect(notification()?.body).toContain('This PR is **NOT APPROVED**');
    expect(notification()?.body).toContain('please assign **root-approver**');
    // Someone no OWNERS names: the notification would say the same, so nothing is written.
    expect(await say(approve, 'passer-by')).toEqual([]);
    expect(await say('/lh-approve', 'root-approver')).toEqual([labelWrite, c.editPath(id)]);
    expect(notification()?.body).toContain('This PR is **APPROVED**');
    expect(labels()).toContain('approved');
    expect(await say(`${approve} cancel`, 'root-approver')).toEqual([c.unlabelApproved, c.editPath(id)]);
    expect(labels()).not.toContain('approved');
    const notifications = () =>
      providers.comments
        .get(`${c.provider}/${c.repo}#1`)
        ?.filter((comment) => comment.body.startsWith('[APPROVALNOTIFIER]'));
    expect(notifications()).toHaveLength(1);
    // The same command again: the state is as it was, so nothing is written.
    expect(await say(`${approve} cancel`, 'root-approver')).toEqual([]);
    expect(notifications()).toHaveLength(1);
  });
});
