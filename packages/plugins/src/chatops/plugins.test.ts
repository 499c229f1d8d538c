import { parseConfig, repoConfig } from '@lighthouse-ts/config';
import { githubApi, ProviderError, ProviderUnavailableError, type WebhookEvent } from '@lighthouse-ts/scm';
import { startProviderServer } from '@lighthouse-ts/scm/testing';
import { describe, expect, it } from 'vitest';
import { commentEvent, headSha, openPullRequest, pullRequestEvent, repo } from '../../test/support.ts';
import { performActions } from '../actions.ts';
import type { DispatchLogger, ProviderAction } from '../contract.ts';
import type { TriggerFacts } from '../trigger/facts.ts';
import { type FactsData, inMemoryFacts } from '../trigger/in-memory-facts.ts';
import { commandsIn, reply } from './commands.ts';
import { decideAll } from './index.ts';

// Lighthouse's behaviour for each plugin (research: pkg/plugins/<name>), as tables: an event, what the
// provider says, and exactly the labels and comments that come of it.

const facts: FactsData = {
  collaborators: { 'org/repo': ['maintainer'] },
  pullRequests: { 'org/repo#7': openPullRequest({ author: 'author' }) },
  labels: { 'org/repo#7': [] },
};

async function actionsOf(
  event: WebhookEvent,
  { plugins = ['hold', 'wip', 'lgtm', 'lifecycle'], data = facts, lgtm = '' } = {},
): Promise<ProviderAction[]> {
  const config = parseConfig(
    { configPath: 'config.yaml', pluginsPath: 'plugins.yaml' },
    { config: '{}\n', plugins: `plugins:\n  org/repo: [${plugins.join(', ')}]\n${lgtm}` },
  );
  const decision = await decideAll(event, {
    repo: repoConfig(config, repo.owner, repo.name),
    facts: inMemoryFacts(data),
  });
  return decision.actions;
}

const add = (label: string): ProviderAction => ({ type: 'add-label', pullNumber: 7, label });
const remove = (label: string): ProviderAction => ({ type: 'remove-label', pullNumber: 7, label });
const by = (login: string, body: string) => commentEvent(body, { author: { id: '9', login } });
const labelled = (...labels: string[]): FactsData => ({ ...facts, labels: { 'org/repo#7': labels } });

describe('commands', () => {
  it.each([
    ['/hold', [{ name: 'hold', arg: '' }]],
    ['/HOLD cancel  ', [{ name: 'hold', arg: 'cancel' }]],
    ['/lh-hold', [{ name: 'hold', arg: '' }]],
    [
      'please\n/lgtm\r\n/kind bug\nthanks',
      [
        { name: 'lgtm', arg: '' },
        { name: 'kind', arg: 'bug' },
      ],
    ],
    ['not /hold at the start of a line', []],
    ['/hold!', []],
  ])('%j', (body, expected) => {
    expect(commandsIn(body)).toEqual(expected);
  });

  it('reads a 1 MB hostile comment in linear time (no catastrophic backtracking)', () => {
    const hostile = `/${'a-'.repeat(250_000)}!\n${' \t'.repeat(250_000)}`;
    expect(commandsIn(hostile)).toEqual([]);
  });

  it('replies as Lighthouse does: the commenter named, the comment quoted', () => {
    expect(
      reply('alice', 'you cannot LGTM your own PR.', { body: '/lgtm\nship it', link: 'https://x/1' }),
    ).toBe(
      '@alice: you cannot LGTM your own PR.\n\n<details>\n\nIn response to [this](https://x/1):\n\n>/lgtm\n>ship it\n</details>',
    );
  });
});

describe('hold', () => {
  it.each<[string, string, ProviderAction[]]>([
    ['anyone holds', '/hold', [add('do-not-merge/hold')]],
    ['anyone cancels', '/hold cancel', [remove('do-not-merge/hold')]],
    ['with the lh- prefix', '/lh-hold', [add('do-not-merge/hold')]],
    ['an argument it does not know', '/hold on', []],
    ['mentioned, not commanded', 'we should /hold this', []],
  ])('%s', async (_, body, expected) => {
    expect(await actionsOf(by('stranger', body), { plugins: ['hold'] })).toEqual(expected);
  });

  it('does nothing when not enabled for the repository', async () => {
    expect(await actionsOf(by('stranger', '/hold'), { plugins: ['lgtm'] })).toEqual([]);
  });
});

describe('wip', () => {
  it.each<[string, Partial<Parameters<typeof pullRequestEvent>[0]>, ProviderAction[]]>([
    ['a draft gets the label', { draft: true }, [add('do-not-merge/work-in-progress')]],
    ['a WIP title gets the label', { title: 'WIP: widget' }, [add('do-not-merge/work-in-progress')]],
    ['[WIP] too', { title: '[WIP] widget', action: 'edited' }, [add('do-not-merge/work-in-progress')]],
    ['a title that only contains wip does not', { title: 'wipe the cache' }, []],
    [
      'ready for review loses it',
      { action: 'ready_for_review', labels: ['do-not-merge/work-in-progress'] },
      [remove('do-not-merge/work-in-progress')],
    ],
    ['a draft that has it is left alone', { draft: true, labels: ['do-not-merge/work-in-progress'] }, []],
  ])('%s', async (_, overrides, expected) => {
    expect(await actionsOf(pullRequestEvent(overrides), { plugins: ['wip'] })).toEqual(expected);
  });
});

describe('lgtm', () => {
  const assigned = (login: string): ProviderAction => ({
    type: 'assign',
    pullNumber: 7,
    logins: [login],
    as: 'assignees',
  });
  const removedNote = 'New changes are detected. LGTM label has been removed.';
  const pruneRemovedNote: ProviderAction = { type: 'delete-comment', pullNumber: 7, marker: removedNote };
  /** The note a push to `sha` taking LGTM off leaves, once. */
  const removedOn = (sha: string): ProviderAction => ({
    type: 'comment',
    pullNumber: 7,
    body: `${removedNote}\n\n<!-- ${sha} -->`,
    unlessAlreadyPosted: true,
  });
  const added = [assigned('maintainer'), add('lgtm'), pruneRemovedNote];

  it.each<[string, WebhookEvent, FactsData, ProviderAction[]]>([
    ['a collaborator adds it, and is assigned', by('maintainer', '/lgtm'), facts, added],
    ['no-issue is read as /lgtm', by('maintainer', '/lgtm no-issue'), facts, added],
    [
      'a collaborator cancels it',
      by('maintainer', '/lgtm cancel'),
      labelled('lgtm'),
      [assigned('maintainer'), remove('lgtm')],
    ],
    ['adding it twice only assigns', by('maintainer', '/lgtm'), labelled('lgtm'), [assigned('maintainer')]],
    ['the author may cancel it', by('author', '/lgtm cancel'), labelled('lgtm'), [remove('lgtm')]],
    [
      'a closed pull request is left alone',
      by('maintainer', '/lgtm'),
      { ...facts, pullRequests: { 'org/repo#7': openPullRequest({ open: false }) } },
      [],
    ],
  ])('%s', async (_, event, data, expected) => {
    expect(await actionsOf(event, { plugins: ['lgtm'], data })).toEqual(expected);
  });

  it.each([
    ['the author cannot LGTM their own PR', 'author', 'you cannot LGTM your own PR.'],
    [
      'someone not a collaborator cannot change it',
      'stranger',
      'changing LGTM is restricted to collaborators',
    ],
  ])('%s: answered with a comment, no label', async (_, login, message) => {
    const event = by(login, '/lgtm');
    expect(await actionsOf(event, { plugins: ['lgtm'] })).toEqual([
      { type: 'comment', pullNumber: 7, body: reply(login, message, event) },
    ]);
  });

  it('new commits take it off, saying so', async () => {
    const pushed = pullRequestEvent({ action: 'synchronize', labels: ['lgtm'] });
    expect(await actionsOf(pushed, { plugins: ['lgtm'] })).toEqual([remove('lgtm'), removedOn(headSha)]);
    expect(await actionsOf(pullRequestEvent({ action: 'synchronize' }), { plugins: ['lgtm'] })).toEqual([]);
  });

  describe('store_tree_hash', () => {
    const settings = 'lgtm:\n- repos: [org/repo]\n  store_tree_hash: true\n';
    const tree = 'b'.repeat(40);
    const newHead = 'c'.repeat(40);
    const note = (hash: string) => `LGTM label has been added.  <details>Git tree hash: ${hash}</details>`;
    const noted = (author: string, hash: string, data: FactsData = facts): FactsData => ({
      ...data,
      labels: { 'org/repo#7': ['lgtm'] },
      comments: { 'org/repo#7': [{ id: '1', author, body: note(hash) }] },
    });
    const pushed = pullRequestEvent({
      action: 'synchronize',
      labels: ['lgtm'],
      head: { ref: 'fix', sha: newHead },
    });
    const takenOff = [remove('lgtm'), removedOn(newHead)];
    const settingsOf = (plugins: string) =>
      repoConfig(
        parseConfig(
          { configPath: 'config.yaml', pluginsPath: 'plugins.yaml' },
          { config: '{}\n', plugins: `plugins:\n  org/repo: [lgtm]\n${plugins}` },
        ),
        repo.owner,
        repo.name,
      );

    it("notes the head's tree when LGTM is added, and deletes the note when it is cancelled", async () => {
      const data = { ...facts, trees: { [`org/repo@${headSha}`]: tree } };
      expect(await actionsOf(by('maintainer', '/lgtm'), { plugins: ['lgtm'], lgtm: settings, data })).toEqual(
        [
          assigned('maintainer'),
          add('lgtm'),
          { type: 'comment', pullNumber: 7, body: note(tree), replacing: 'LGTM label has been added.' },
          pruneRemovedNote,
        ],
      );
      const cancelled = { ...data, labels: { 'org/repo#7': ['lgtm'] } };
      const cancel = by('maintainer', '/lgtm cancel');
      expect(await actionsOf(cancel, { plugins: ['lgtm'], lgtm: settings, data: cancelled })).toEqual([
        assigned('maintainer'),
        remove('lgtm'),
        { type: 'delete-comment', pullNumber: 7, marker: 'LGTM label has been added.' },
      ]);
    });

    it('a push that keeps the noted tree keeps LGTM; one that changes it takes it off', async () => {
      const same = { ...noted('lighthouse-bot', tree), trees: { [`org/repo@${newHead}`]: tree } };
      expect(await actionsOf(pushed, { plugins: ['lgtm'], lgtm: settings, data: same })).toEqual([]);
      const other = { ...same, trees: { [`org/repo@${newHead}`]: 'd'.repeat(40) } };
      expect(await actionsOf(pushed, { plugins: ['lgtm'], lgtm: settings, data: other })).toEqual(takenOff);
      // Without the setting the note is not read.
      expect(await actionsOf(pushed, { plugins: ['lgtm'], data: same })).toEqual(takenOff);
    });

    it("only Lighthouse's own note counts", async () => {
      const forged = { ...noted('maintainer', tree), trees: { [`org/repo@${newHead}`]: tree } };
      expect(await actionsOf(pushed, { plugins: ['lgtm'], lgtm: settings, data: forged })).toEqual(takenOff);
    });

    it("uses the commit's SHA where the provider does not tell a commit's tree", async () => {
      const { treeOf: _, ...withoutTrees } = inMemoryFacts(noted('lighthouse-bot', newHead));
      const decided = async (event: WebhookEvent) =>
        (await decideAll(event, { repo: settingsOf(settings), facts: withoutTrees })).actions;
      expect(await decided(pushed)).toEqual([]);
      const other = 'e'.repeat(40);
      expect(await decided({ ...pushed, head: { ref: 'fix', sha: other } })).toEqual([
        remove('lgtm'),
        removedOn(other),
      ]);
    });

    it('a lookup the provider refuses takes LGTM off on a push, and notes the commit when it is added', async () => {
      const refused = async () => {
        throw new ProviderError('Resource not accessible by integration', 403);
      };
      const sticky = `${settings}  trusted_team_for_sticky_lgtm: Core Team\n`;
      const data: FactsData = {
        ...noted('lighthouse-bot', tree),
        teamsByName: { 'org/Core Team': { id: 3, slug: 'core-team' } },
        teams: { 'org/core-team': ['author'] },
        trees: { [`org/repo@${newHead}`]: tree },
      };
      const decided = async (event: WebhookEvent, facts: TriggerFacts) =>
        (await decideAll(event, { repo: settingsOf(sticky), facts })).actions;
      const healthy = inMemoryFacts(data);
      // The author is in the team, and the tree is the noted one: either alone keeps LGTM.
      expect(await decided(pushed, healthy)).toEqual([]);
      expect(await decided(pushed, { ...healthy, teamNamed: refused, treeOf: refused })).toEqual(takenOff);
      expect(await decided(pushed, { ...healthy, teamNamed: refused, comments: refused })).toEqual(takenOff);
      // An outage is no answer: the plugin fails, for the delivery to be tried again.
      const outage = new ProviderUnavailableError('GitHub answered 502');
      const down = async () => {
        throw outage;
      };
      const decision = await decideAll(pushed, {
        repo: settingsOf(sticky),
        facts: { ...healthy, teamNamed: down },
      });
      expect(decision.actions).toEqual([]);
      expect(decision.failed).toEqual([{ plugin: 'lgtm', error: outage }]);
      const added = await decided(by('maintainer', '/lgtm'), {
        ...inMemoryFacts({ ...facts, trees: { [`org/repo@${headSha}`]: tree } }),
        treeOf: refused,
      });
      expect(added).toContainEqual({
        type: 'comment',
        pullNumber: 7,
        body: note(headSha),
        replacing: 'LGTM label has been added.',
      });
    });

    it('says so once per push, however often it is delivered, and again on the next push', async () => {
      const server = await startProviderServer();
      try {
        const api = githubApi({ baseUrl: server.baseUrl.github, token: 't' });
        const next = 'f'.repeat(40);
        const data = {
          ...noted('lighthouse-bot', tree),
          trees: { [`org/repo@${newHead}`]: 'd'.repeat(40), [`org/repo@${next}`]: 'd'.repeat(40) },
        };
        const quiet: DispatchLogger = { debug() {}, info() {}, warn() {}, error() {} };
        const deliver = async (event: WebhookEvent) => {
          const actions = await actionsOf(event, { plugins: ['lgtm'], lgtm: settings, data });
          expect(await performActions(actions, api, repo, quiet)).toEqual([]);
        };
        await deliver(pushed);
        await deliver(pushed);
        // LGTM came back some other way (by hand, say), and the next push takes it off again.
        await deliver({ ...pushed, head: { ref: 'fix', sha: next } });
        const bodies = server.comments.get('github/org/repo#7')?.map((comment) => comment.body);
        expect(bodies).toEqual([
          `${removedNote}\n\n<!-- ${newHead} -->`,
          `${removedNote}\n\n<!-- ${next} -->`,
        ]);
      } finally {
        await server.close();
      }
    });
  });

  it('a member of trusted_team_for_sticky_lgtm keeps LGTM on a push, and gets no tree note', async () => {
    const settings =
      'lgtm:\n- repos: [org/repo]\n  store_tree_hash: true\n  trusted_team_for_sticky_lgtm: Core Team\n';
    const data: FactsData = {
      ...facts,
      labels: { 'org/repo#7': ['lgtm'] },
      teamsByName: { 'org/Core Team': { id: 3, slug: 'core-team' } },
      teams: { 'org/core-team': ['author'] },
      trees: { [`org/repo@${headSha}`]: 'b'.repeat(40) },
      comments: { 'org/repo#7': [] },
    };
    const pushed = pullRequestEvent({ action: 'synchronize', labels: ['lgtm'] });
    expect(await actionsOf(pushed, { plugins: ['lgtm'], lgtm: settings, data })).toEqual([]);
    const added = await actionsOf(by('maintainer', '/lgtm'), {
      plugins: ['lgtm'],
      lgtm: settings,
      data: { ...data, labels: { 'org/repo#7': [] } },
    });
    expect(added).toEqual([assigned('maintainer'), add('lgtm')]);
    const outsider = { ...data, teams: { 'org/core-team': ['someone-else'] } };
    expect(await actionsOf(pushed, { plugins: ['lgtm'], lgtm: settings, data: outsider })).toEqual([
      remove('lgtm'),
      removedOn(headSha),
    ]);
  });

  it('a review acts as /lgtm only with review_acts_as_lgtm', async () => {
    const review = (state: 'approved' | 'changes_requested', body = '') => ({
      ...by('maintainer', body),
      type: 'review' as const,
      state,
    });
    const settings = 'lgtm:\n- repos: [org/repo]\n  review_acts_as_lgtm: true\n';
    expect(await actionsOf(review('approved'), { plugins: ['lgtm'] })).toEqual([]);
    expect(await actionsOf(review('approved'), { plugins: ['lgtm'], lgtm: settings })).toEqual(added);
    expect(
      await actionsOf(review('changes_requested'), {
        plugins: ['lgtm'],
        lgtm: settings,
        data: labelled('lgtm'),
      }),
    ).toEqual([assigned('maintainer'), remove('lgtm')]);
    // A command in the review's body wins over its state.
    expect(
      await actionsOf(review('approved', '/lgtm cancel'), {
        plugins: ['lgtm'],
        lgtm: settings,
        data: labelled('lgtm'),
      }),
    ).toEqual([assigned('maintainer'), remove('lgtm')]);
  });
});

describe('lifecycle', () => {
  it.each<[string, string, string[], ProviderAction[]]>([
    ['sets a state', '/lifecycle frozen', [], [add('lifecycle/frozen')]],
    [
      'one state at a time',
      '/lifecycle rotten',
      ['lifecycle/stale', 'lifecycle/active'],
      [remove('lifecycle/active'), remove('lifecycle/stale'), add('lifecycle/rotten')],
    ],
    ['removes one', '/remove-lifecycle stale', ['lifecycle/stale'], [remove('lifecycle/stale')]],
    ['removing one it lacks writes nothing', '/remove-lifecycle stale', [], []],
    ['active cannot be set by command', '/lifecycle active', [], []],
  ])('%s', async (_, body, labels, expected) => {
    expect(
      await actionsOf(by('stranger', body), { plugins: ['lifecycle'], data: labelled(...labels) }),
    ).toEqual(expected);
  });
});

describe('stage', () => {
  it.each<[string, string, string[], ProviderAction[]]>([
    ['sets a stage', '/stage alpha', [], [add('stage/alpha')]],
    ['one stage at a time', '/lh-stage stable', ['stage/beta'], [remove('stage/beta'), add('stage/stable')]],
    ['removes one', '/remove-stage beta', ['stage/beta'], [remove('stage/beta')]],
    ['a stage there is not', '/stage gamma', [], []],
  ])('%s', async (_, body, labels, expected) => {
    expect(await actionsOf(by('stranger', body), { plugins: ['stage'], data: labelled(...labels) })).toEqual(
      expected,
    );
  });

  it("reads an issue's labels as an issue's", async () => {
    const onIssue = { ...by('stranger', '/stage beta'), type: 'issue_comment' as const };
    const data: FactsData = { issues: { 'org/repo#7': { open: true, labels: ['stage/alpha'] } } };
    expect(await actionsOf(onIssue, { plugins: ['stage'], data })).toEqual([
      remove('stage/alpha'),
      add('stage/beta'),
    ]);
  });
});

describe('shrug', () => {
  const shrugged = '¯\\_(ツ)_/¯';
  it('/shrug adds the label; /unshrug takes it off, shrugging back', async () => {
    expect(await actionsOf(by('stranger', '/shrug'), { plugins: ['shrug'] })).toEqual([add(shrugged)]);
    expect(
      await actionsOf(by('stranger', '/shrug'), { plugins: ['shrug'], data: labelled(shrugged) }),
    ).toEqual([]);
    const unshrug = by('stranger', '/lh-unshrug');
    expect(await actionsOf(unshrug, { plugins: ['shrug'], data: labelled(shrugged) })).toEqual([
      { type: 'comment', pullNumber: 7, body: reply('stranger', '¯\\\\\\_(ツ)\\_/¯', unshrug) },
      remove(shrugged),
    ]);
    expect(await actionsOf(by('stranger', '/unshrug'), { plugins: ['shrug'] })).toEqual([]);
  });

  it('/shrug wins over /unshrug in one comment', async () => {
    const both = by('stranger', '/unshrug\n/shrug');
    expect(await actionsOf(both, { plugins: ['shrug'] })).toEqual([add(shrugged)]);
    expect(await actionsOf(both, { plugins: ['shrug'], data: labelled(shrugged) })).toEqual([]);
  });

  it("shrugs on an issue, reading the issue's labels", async () => {
    const onIssue = { ...by('stranger', '/unshrug'), type: 'issue_comment' as const };
    const data: FactsData = { issues: { 'org/repo#7': { open: true, labels: [shrugged] } } };
    expect(await actionsOf(onIssue, { plugins: ['shrug'], data })).toEqual([
      { type: 'comment', pullNumber: 7, body: reply('stranger', '¯\\\\\\_(ツ)\\_/¯', onIssue) },
      remove(shrugged),
    ]);
  });
});

describe('label', () => {
  const repoHas: FactsData = {
    ...facts,
    labels: { 'org/repo#7': ['kind/cleanup'] },
    repoLabels: {
      'org/repo': ['kind/bug', 'kind/cleanup', 'area/ui', 'priority/important-soon', 'good first issue'],
    },
  };
  const settings = 'label:\n  additional_labels: [good first issue]\n';
  it.each<[string, string, ProviderAction[]]>([
    ['/kind bug adds kind/bug', '/kind bug', [add('kind/bug')]],
    [
      'several at once, lower-cased',
      '/area UI\n/priority important-soon',
      [add('area/ui'), add('priority/important-soon')],
    ],
    ['a label it has already: nothing', '/kind cleanup', []],
    ['/remove-kind removes', '/remove-kind cleanup', [remove('kind/cleanup')]],
    ['/label takes an additional label', '/label good first issue', [add('good first issue')]],
    ['an argument is required', '/kind', []],
  ])('%s', async (_, body, expected) => {
    expect(
      await actionsOf(by('stranger', body), { plugins: ['label'], data: repoHas, lgtm: settings }),
    ).toEqual(expected);
  });

  it.each([
    [
      'a label the repository lacks',
      '/kind feature',
      "The label(s) `kind/feature` cannot be applied, because the repository doesn't have them.",
    ],
    [
      'a /label not listed',
      '/label ship-it',
      "The label(s) `ship-it` cannot be applied: /label takes only those plugins.yaml's label.additional_labels lists.",
    ],
    ['removing one it lacks', '/remove-area ui', 'Those labels are not set on the issue: `area/ui`'],
  ])('%s is answered, nothing labelled', async (_, body, message) => {
    const event = by('stranger', body);
    expect(await actionsOf(event, { plugins: ['label'], data: repoHas, lgtm: settings })).toEqual([
      { type: 'comment', pullNumber: 7, body: reply('stranger', message, event) },
    ]);
  });
});

describe('assign', () => {
  const people =
    (type: 'assign' | 'unassign', as: 'assignees' | 'reviewers', ...logins: string[]) =>
    (event: WebhookEvent & { type: 'pull_request_comment' }): ProviderAction => ({
      type,
      pullNumber: 7,
      logins,
      as,
      ...(type === 'assign'
        ? { askedBy: { login: event.author.login, body: event.body, link: event.link } }
        : {}),
    });
  it.each<[string, string, ((event: WebhookEvent & { type: 'pull_request_comment' }) => ProviderAction)[]]>([
    ['/assign with no login assigns the commenter', '/assign', [people('assign', 'assignees', 'stranger')]],
    [
      '`@` and quotes are optional',
      '/assign @Mona "hubot"',
      [people('assign', 'assignees', 'mona', 'hubot')],
    ],
    ['/lh-assign is /assign', '/lh-assign ada', [people('assign', 'assignees', 'ada')]],
    ['/unassign', '/unassign @mona', [people('unassign', 'assignees', 'mona')]],
    ['/cc asks for a review', '/cc @hubot', [people('assign', 'reviewers', 'hubot')]],
    ['/uncc with no login takes back the commenter', '/uncc', [people('unassign', 'reviewers', 'stranger')]],
    [
      'the last command naming someone wins',
      '/assign mona ada\n/unassign MONA\n/cc ada',
      [
        people('assign', 'assignees', 'ada'),
        people('unassign', 'assignees', 'mona'),
        people('assign', 'reviewers', 'ada'),
      ],
    ],
    ['arguments that are not logins make no command', '/assign mona, please', []],
    [
      'ten logins at most',
      `/assign ${Array.from({ length: 12 }, (_, i) => `u${i}`).join(' ')}`,
      [people('assign', 'assignees', ...Array.from({ length: 10 }, (_, i) => `u${i}`))],
    ],
    ['not at the start of a line: no command', 'could you /assign me', []],
  ])('%s', async (_, body, expected) => {
    const event = by('stranger', body);
    expect(await actionsOf(event, { plugins: ['assign'] })).toEqual(expected.map((action) => action(event)));
  });

  it('does nothing on a pull request event or a comment on an issue', async () => {
    expect(await actionsOf(pullRequestEvent(), { plugins: ['assign'] })).toEqual([]);
    expect(
      await actionsOf({ ...by('stranger', '/assign'), type: 'issue_comment' }, { plugins: ['assign'] }),
    ).toEqual([]);
  });
});

describe('a comment on an issue', () => {
  it('is answered on GitHub, whose issues and pull requests share numbers, and not on GitLab, where they do not', async () => {
    const onIssue = { ...by('stranger', '/hold'), type: 'issue_comment' } as const;
    expect(await actionsOf(onIssue, { plugins: ['hold'] })).toEqual([add('do-not-merge/hold')]);
    expect(await actionsOf({ ...onIssue, provider: 'gitlab' }, { plugins: ['hold'] })).toEqual([]);
  });
});

describe('skip', () => {
  const jobs =
    'presubmits:\n  org/repo:\n' +
    '  - name: unit\n' +
    '  - name: lint\n    optional: true\n' +
    '  - name: docs\n    skip_report: true\n' +
    '  - name: e2e\n    optional: true\n    trigger: "(?m)^/(skip|test e2e)"\n    rerun_command: /test e2e\n' +
    '  - name: release\n    optional: true\n    branches: [release]\n';
  const statuses = (...failing: string[]): FactsData => ({
    ...facts,
    statuses: {
      [`org/repo@${openPullRequest().head.sha}`]: ['unit', 'lint', 'docs', 'e2e', 'release'].map(
        (context) => ({
          context,
          state: failing.includes(context) ? 'failure' : 'success',
        }),
      ),
    },
  });
  const skipDecision = async (body: string, data: FactsData) => {
    const config = parseConfig(
      { configPath: 'config.yaml', pluginsPath: 'plugins.yaml' },
      { config: jobs, plugins: 'plugins:\n  org/repo: [skip]\n' },
    );
    return (
      await decideAll(by('stranger', body), {
        repo: repoConfig(config, 'org', 'repo'),
        facts: inMemoryFacts(data),
      })
    ).actions;
  };
  const skipped = (context: string): ProviderAction => ({
    type: 'status',
    sha: openPullRequest().head.sha,
    context,
    state: 'success',
    description: 'Skipped',
  });

  it.each<[string, string, FactsData, ProviderAction[]]>([
    [
      "marks optional and skip_report jobs' failures skipped, never a required one",
      '/skip',
      statuses('unit', 'lint', 'docs'),
      [skipped('lint'), skipped('docs')],
    ],
    ['/lh-skip too', '/lh-skip', statuses('lint'), [skipped('lint')]],
    ['nothing when all is green', '/skip', statuses(), []],
    ['not a job this comment triggers', '/skip', statuses('e2e'), []],
    ['not a failed job this comment retests', '/skip\n/retest', statuses('unit', 'lint', 'docs'), []],
    ['not a job for another branch', '/skip', statuses('release'), []],
    ['/skip with words after it is no command', '/skip lint', statuses('lint'), []],
  ])('%s', async (_, body, data, expected) => {
    expect(await skipDecision(body, data)).toEqual(expected);
  });
});

describe('size', () => {
  const sized = async (lines: number | undefined, labels: string[] = [], sizes = '') => {
    const pull = openPullRequest(lines === undefined ? {} : { changedLines: lines });
    const data: FactsData = { ...facts, pullRequests: { 'org/repo#7': pull } };
    const config = parseConfig(
      { configPath: 'config.yaml', pluginsPath: 'plugins.yaml' },
      { config: '{}\n', plugins: `plugins:\n  org/repo: [size]\n${sizes}` },
    );
    const event = pullRequestEvent({ action: 'synchronize', labels });
    return (await decideAll(event, { repo: repoConfig(config, 'org', 'repo'), facts: inMemoryFacts(data) }))
      .actions;
  };
  it.each<[number, string]>([
    [0, 'size/XS'],
    [9, 'size/XS'],
    [10, 'size/S'],
    [30, 'size/M'],
    [99, 'size/M'],
    [100, 'size/L'],
    [500, 'size/XL'],
    [1000, 'size/XXL'],
    [250_000, 'size/XXL'],
  ])('%i lines changed: %s', async (lines, expected) => {
    expect(await sized(lines)).toEqual([add(expected)]);
  });

  it('keeps exactly one size label, by plugins.yaml thresholds; nothing where lines are not counted', async () => {
    expect(await sized(40, ['size/XS', 'lgtm', 'size/M'])).toEqual([remove('size/XS')]);
    expect(await sized(40, [], 'size:\n  s: 5\n  m: 20\n  l: 40\n  xl: 80\n  xxl: 160\n')).toEqual([
      add('size/L'),
    ]);
    expect(await sized(undefined, ['size/XS'])).toEqual([]);
  });
});

describe('decideAll', () => {
  it('runs the enabled plugins in plugins.yaml order, and names the enabled ones not built yet', async () => {
    const config = parseConfig(
      { configPath: 'config.yaml', pluginsPath: 'plugins.yaml' },
      { config: '{}\n', plugins: 'plugins:\n  org/repo: [lifecycle, hold, blockade, sigmention]\n' },
    );
    const decision = await decideAll(by('maintainer', '/hold\n/lifecycle stale'), {
      repo: repoConfig(config, 'org', 'repo'),
      facts: inMemoryFacts(facts),
    });
    expect(decision.actions).toEqual([add('lifecycle/stale'), add('do-not-merge/hold')]);
    expect(decision.notBuilt).toEqual(['blockade', 'sigmention']);
  });

  it("names a plugin that fails and keeps the others' decisions", async () => {
    const config = parseConfig(
      { configPath: 'config.yaml', pluginsPath: 'plugins.yaml' },
      { config: '{}\n', plugins: 'plugins:\n  org/repo: [approve, hold]\n' },
    );
    // No fact about the pull request: approve cannot decide.
    const decision = await decideAll(by('maintainer', '/approve\n/hold'), {
      repo: repoConfig(config, 'org', 'repo'),
      facts: inMemoryFacts({}),
    });
    expect(decision.actions).toEqual([add('do-not-merge/hold')]);
    expect(decision.failed).toEqual([
      { plugin: 'approve', error: expect.objectContaining({ name: 'MissingFactError' }) },
    ]);
  });
});
