import { parseConfig, repoConfig } from '@lighthouse-ts/config';
import type { Review, WebhookEvent } from '@lighthouse-ts/scm';
import { describe, expect, it } from 'vitest';
import { baseSha, commentEvent, openPullRequest, pullRequestEvent, repo } from '../../test/support.ts';
import type { ProviderAction } from '../contract.ts';
import type { PullRequestComment } from '../trigger/facts.ts';
import { type FactsData, inMemoryFacts } from '../trigger/in-memory-facts.ts';
import { approvalMarker, approve } from './approve.ts';

// Lighthouse's approve (research: pkg/plugins/approve) over a two-level OWNERS tree read at the base:
// the root's approvers own everything below but b/, which says no_parent_owners and names an alias.

const tree = {
  OWNERS: 'approvers: [root-approver]\nreviewers: [root-reviewer]\n',
  OWNERS_ALIASES: 'aliases:\n  docs-team: [doc-writer]\n',
  'a/OWNERS': 'approvers: [a-approver, outsider]\n',
  'b/OWNERS': 'options:\n  no_parent_owners: true\napprovers: [docs-team]\n',
  'c/OWNERS': 'filters:\n  "\\\\.go$":\n    approvers: [gopher]\n',
};
const changed = ['a/x.go', 'b/readme.md', 'top.txt'];

function facts(
  comments: [string, string][] = [],
  {
    labels = [] as string[],
    reviews = [] as Review[],
    files = tree as Record<string, string>,
    touched = changed,
  } = {},
): FactsData {
  return {
    collaborators: { 'org/repo': ['root-approver', 'a-approver', 'doc-writer', 'gopher', 'author'] },
    pullRequests: { 'org/repo#7': openPullRequest({ author: 'author' }) },
    changedFiles: { 'org/repo#7': touched },
    labels: { 'org/repo#7': labels },
    comments: {
      'org/repo#7': comments.map(
        ([author, body], index): PullRequestComment => ({ id: String(index), author, body }),
      ),
    },
    reviews: { 'org/repo#7': reviews },
    files: { [`org/repo@${baseSha}`]: files },
  };
}

async function decide(event: WebhookEvent, data: FactsData, approveYaml = '', extra = '') {
  const config = parseConfig(
    { configPath: 'config.yaml', pluginsPath: 'plugins.yaml' },
    {
      config: '{}\n',
      plugins: `plugins:\n  org/repo: [approve]\napprove:\n- repos: [org/repo]\n  require_self_approval: true\n${approveYaml}${extra}`,
    },
  );
  const context = { repo: repoConfig(config, repo.owner, repo.name), facts: inMemoryFacts(data) };
  return approve(event, context);
}

const notificationOf = (actions: ProviderAction[]) => {
  const found = actions.find((action) => action.type === 'comment');
  if (found?.type !== 'comment') throw new Error('no notification');
  expect(found.replacing).toBe(approvalMarker);
  return found.body;
};
const labelling = (actions: ProviderAction[]) => actions.filter((action) => action.type !== 'comment');
const add = { type: 'add-label', pullNumber: 7, label: 'approved' };
const remove = { type: 'remove-label', pullNumber: 7, label: 'approved' };

describe('approve', () => {
  it('a new pull request: not approved, the needed OWNERS listed, the fewest approvers suggested', async () => {
    const actions = await decide(pullRequestEvent(), facts());
    expect(labelling(actions)).toEqual([]);
    expect(notificationOf(actions)).toBe(
      [
        '[APPROVALNOTIFIER] This PR is **NOT APPROVED**',
        '',
        'This pull-request has not been approved yet.',
        'To complete the pull request process, please assign **root-approver**, **doc-writer**.',
        'You can assign the PR to them by writing `/assign @root-approver @doc-writer` in a comment when ready.',
        '',
        '<details open>',
        '',
        'Needs approval from an approver in each of these files:',
        '',
        '- **`OWNERS`**',
        '- **`b/OWNERS`**',
        '',
        'Approvers can indicate their approval by writing `/approve` in a comment',
        'Approvers can cancel approval by writing `/approve cancel` in a comment',
        '</details>',
        '<!-- META={"approvers":["root-approver","doc-writer"]} -->',
      ].join('\n'),
    );
  });

  it('approvals from each needed OWNERS approve it; the alias counts; the label is added', async () => {
    // The delivered comment is counted though the listing does not have it yet.
    const event = commentEvent('/approve', { author: { id: '3', login: 'doc-writer' } });
    const partly = await decide(event, facts());
    expect(labelling(partly)).toEqual([]);
    const partlyText = notificationOf(partly);
    expect(partlyText).toContain('- **`OWNERS`**');
    expect(partlyText).toContain('- ~~`b/OWNERS`~~ [doc-writer]');
    expect(partlyText).toContain('please assign **root-approver**.');
    const approved = await decide(event, facts([['root-approver', 'looks right\n/approve']]));
    expect(notificationOf(approved)).toContain('This PR is **APPROVED**');
    expect(labelling(approved)).toEqual([add]);
    const both = facts([
      ['root-approver', '/approve'],
      ['doc-writer', '/lh-approve'],
    ]);
    expect(labelling(await decide(pullRequestEvent({ action: 'synchronize' }), both))).toEqual([add]);
  });

  it("a nearer OWNERS' approver approves only its files; a parent's, below it unless no_parent_owners", async () => {
    const text = notificationOf(
      await decide(
        pullRequestEvent(),
        facts([
          ['a-approver', '/approve'],
          ['root-approver', '/approve'],
        ]),
      ),
    );
    expect(text).toContain('- ~~`OWNERS`~~ [a-approver, root-approver]');
    expect(text).toContain('- **`b/OWNERS`**');
    // b/ has no_parent_owners: the root's approver alone does not approve it.
    expect(text).toContain('NOT APPROVED');
  });

  it.each<[string, [string, string][]]>([
    ['someone no OWNERS names', [['passer-by', '/approve']]],
    ['an approver who is not a collaborator', [['outsider', '/approve']]],
    [
      'a cancelled approval',
      [
        ['root-approver', '/approve'],
        ['root-approver', '/approve cancel'],
      ],
    ],
    ['/lgtm without lgtm_acts_as_approve', [['root-approver', '/lgtm']]],
    ["the author's own approval, required by require_self_approval", []],
  ])('does not count %s', async (_, comments) => {
    const data = facts(comments, { touched: ['a/x.go'] });
    data.pullRequests = { 'org/repo#7': openPullRequest({ author: 'a-approver' }) };
    const text = notificationOf(
      await decide(pullRequestEvent({ author: { id: '1', login: 'a-approver' } }), data),
    );
    expect(text).toContain('This pull-request has not been approved yet.');
  });

  it('counts /lgtm with lgtm_acts_as_approve, and the author without require_self_approval', async () => {
    const lgtm = await decide(
      pullRequestEvent(),
      facts([['root-approver', '/lgtm']], { touched: ['top.txt'] }),
      '  lgtm_acts_as_approve: true\n',
    );
    expect(notificationOf(lgtm)).toContain('*root-approver* (LGTM)');
    expect(labelling(lgtm)).toEqual([add]);
    const data = facts([], { touched: ['a/x.go'] });
    data.pullRequests = { 'org/repo#7': openPullRequest({ author: 'a-approver' }) };
    const config = 'plugins:\n  org/repo: [approve]\n';
    const self = await approve(pullRequestEvent(), {
      repo: repoConfig(
        parseConfig({ configPath: 'c', pluginsPath: 'p' }, { config: '{}\n', plugins: config }),
        'org',
        'repo',
      ),
      facts: inMemoryFacts(data),
    });
    expect(notificationOf(self)).toContain('*a-approver* (Author self-approved)');
    expect(labelling(self)).toEqual([add]);
  });

  it('counts reviews (unless ignore_review_state): an approving one approves, one asking for changes takes it back', async () => {
    const review = (state: Review['state']): Review => ({ author: 'root-approver', state, body: '' });
    const only = { touched: ['top.txt'] };
    expect(
      labelling(await decide(pullRequestEvent(), facts([], { ...only, reviews: [review('approved')] }))),
    ).toEqual([add]);
    const changes = facts([], { ...only, reviews: [review('approved'), review('changes_requested')] });
    expect(labelling(await decide(pullRequestEvent(), changes))).toEqual([]);
    const ignored = await decide(
      pullRequestEvent(),
      facts([], { ...only, reviews: [review('approved')] }),
      '  ignore_review_state: true\n',
    );
    expect(labelling(ignored)).toEqual([]);
  });

  it('takes the label off when an approval is cancelled', async () => {
    const data = facts(
      [
        ['root-approver', '/approve'],
        ['root-approver', '/approve cancel'],
      ],
      {
        labels: ['approved'],
        touched: ['top.txt'],
      },
    );
    expect(
      labelling(
        await decide(commentEvent('/approve cancel', { author: { id: '2', login: 'root-approver' } }), data),
      ),
    ).toEqual([remove]);
  });

  it("reads a filter's Go regexp on the path below its OWNERS; other files there are the root's", async () => {
    const go = await decide(pullRequestEvent(), facts([['gopher', '/approve']], { touched: ['c/main.go'] }));
    expect(notificationOf(go)).toContain('- ~~`c/OWNERS`~~ [gopher]');
    expect(labelling(go)).toEqual([add]);
    const notes = await decide(
      pullRequestEvent(),
      facts([['gopher', '/approve']], { touched: ['c/notes.md'] }),
    );
    expect(notificationOf(notes)).toContain('- **`OWNERS`**');
    expect(labelling(notes)).toEqual([]);
  });

  it('names an OWNERS file it could not read and judges nothing: no label on, none off', async () => {
    const files = { ...tree, 'a/OWNERS': 'approvers: [a\n' };
    const approvedAll = [
      ['root-approver', '/approve'],
      ['doc-writer', '/approve'],
    ] as [string, string][];
    const unlabelled = await decide(pullRequestEvent(), facts(approvedAll, { files }));
    expect(notificationOf(unlabelled)).toMatch(
      /These could not be read, so the pull request is not judged and the `approved` label is left as it is:\n\n- `a\/OWNERS`: .+/,
    );
    expect(notificationOf(unlabelled)).toContain('This PR is **NOT APPROVED**');
    expect(labelling(unlabelled)).toEqual([]);
    const labelled = await decide(pullRequestEvent(), facts([], { files, labels: ['approved'] }));
    expect(labelling(labelled)).toEqual([]);
    // The same approvals approve once the file reads.
    expect(labelling(await decide(pullRequestEvent(), facts(approvedAll)))).toEqual([add]);
  });

  it('reads comments and reviews in the order they were written: a later /approve cancel takes back a review', async () => {
    const at = (minute: number) => `2026-12-05T10:0${minute}:00Z`;
    const data = facts([], { touched: ['top.txt'] });
    data.comments = {
      'org/repo#7': [
        { id: '1', author: 'root-approver', body: '/approve no-issue cancel', at: at(3) },
        { id: '2', author: 'someone', body: 'thanks', at: at(1) },
      ],
    };
    data.reviews = { 'org/repo#7': [{ author: 'root-approver', state: 'approved', body: '', at: at(2) }] };
    expect(labelling(await decide(pullRequestEvent(), data))).toEqual([]);
    // GitLab's approvals have no time: they stand as they are now.
    data.reviews = { 'org/repo#7': [{ author: 'root-approver', state: 'approved', body: '' }] };
    expect(labelling(await decide(pullRequestEvent(), data))).toEqual([add]);
  });

  it('reads the comment being delivered, not listed yet and without a time, after every review', async () => {
    const data = facts([], { touched: ['top.txt'], labels: ['approved'] });
    data.comments = {
      'org/repo#7': [{ id: '9', author: 'someone', body: 'thanks', at: '2026-12-05T10:01:00Z' }],
    };
    data.reviews = {
      'org/repo#7': [{ author: 'root-approver', state: 'approved', body: '', at: '2026-12-05T10:02:00Z' }],
    };
    const cancel = commentEvent('/approve cancel', { author: { id: '2', login: 'root-approver' } });
    expect(labelling(await decide(cancel, data))).toEqual([remove]);
  });

  it("reads /lgtm cancel only with lgtm_acts_as_approve, logins in any case, and not the bot's reviews", async () => {
    const data = facts(
      [
        ['Root-Approver', '/approve'],
        ['root-approver', '/lgtm cancel'],
      ],
      { touched: ['top.txt'] },
    );
    data.files = { [`org/repo@${baseSha}`]: { OWNERS: 'approvers: [ROOT-approver, lighthouse-bot]\n' } };
    data.collaborators = { 'org/repo': ['root-approver', 'lighthouse-bot'] };
    expect(labelling(await decide(pullRequestEvent(), data))).toEqual([add]);
    expect(labelling(await decide(pullRequestEvent(), data, '  lgtm_acts_as_approve: true\n'))).toEqual([]);
    const bot = facts([], {
      touched: ['top.txt'],
      reviews: [{ author: 'lighthouse-bot', state: 'approved', body: '' }],
    });
    bot.files = data.files;
    bot.collaborators = data.collaborators;
    expect(labelling(await decide(pullRequestEvent(), bot))).toEqual([]);
  });

  it('with issue_required, needs an approver to say /approve no-issue (linked issues are not read)', async () => {
    const approved = facts([['root-approver', '/approve']], { touched: ['top.txt'] });
    const needing = await decide(pullRequestEvent(), approved, '  issue_required: true\n');
    expect(labelling(needing)).toEqual([]);
    expect(notificationOf(needing)).toContain("An approver's `/approve no-issue` is needed too");
    const notWaived = facts([['root-approver', '/approve without no-issue']], { touched: ['top.txt'] });
    expect(labelling(await decide(pullRequestEvent(), notWaived, '  issue_required: true\n'))).toEqual([]);
    const waived = facts([['root-approver', '/approve no-issue']], { touched: ['top.txt'] });
    expect(labelling(await decide(pullRequestEvent(), waived, '  issue_required: true\n'))).toEqual([add]);
  });

  it('reads no OWNERS for a change above the limit of directories, says so, and leaves the label be', async () => {
    // 500 directories and the root.
    const touched = Array.from({ length: 500 }, (_, i) => `dir${i}/file`);
    const data = facts([['root-approver', '/approve']], { touched, labels: ['approved'] });
    const actions = await decide(
      commentEvent('/approve', { author: { id: '3', login: 'root-approver' } }),
      data,
    );
    expect(labelling(actions)).toEqual([]);
    expect(notificationOf(actions)).toContain('The change touches 501 directories, more than the 500');
  });

  it.each<[string, WebhookEvent, FactsData]>([
    ['a comment without an approval command', commentEvent('please approve this'), facts()],
    ['/lgtm without lgtm_acts_as_approve', commentEvent('/lgtm'), facts()],
    ['a pull request labelled by the update bot', pullRequestEvent({ labels: ['updatebot'] }), facts()],
    [
      'a closed pull request',
      commentEvent('/approve'),
      { ...facts(), pullRequests: { 'org/repo#7': openPullRequest({ open: false }) } },
    ],
    ['a pull request edited', pullRequestEvent({ action: 'edited' }), facts()],
  ])('does nothing on %s', async (_, event, data) => {
    expect(await decide(event, data)).toEqual([]);
  });
});
