import { parseConfig, repoConfig } from '@lighthouse-ts/config';
import { githubApi, gitlabApi, type WebhookEvent } from '@lighthouse-ts/scm';
import { startProviderServer } from '@lighthouse-ts/scm/testing';
import { describe, expect, it } from 'vitest';
import { commentEvent, repo } from '../../test/support.ts';
import { performActions } from '../actions.ts';
import { reply } from '../chatops/commands.ts';
import { decideAll } from '../chatops/index.ts';
import type { DispatchLogger, ProviderAction } from '../contract.ts';
import { type FactsData, inMemoryFacts } from '../trigger/in-memory-facts.ts';
import { factsFromProvider } from '../trigger/provider-facts.ts';

// Lighthouse's milestone and milestonestatus (research: pkg/plugins/milestone*), as tables: a comment, plugins.yaml's
// repo_milestone, the team's members and the repository's milestones, and exactly what comes of it.

const teams = [
  'repo_milestone:',
  '  "":',
  '    maintainers_id: 12',
  '    maintainers_team: release-team',
  '    maintainers_friendly_name: release managers',
  '',
].join('\n');
const byIdOnly = 'repo_milestone:\n  org/repo:\n    maintainers_id: 12\n';

const config = (repoMilestone: string, plugin = 'milestone') =>
  parseConfig(
    { configPath: 'config.yaml', pluginsPath: 'plugins.yaml' },
    { config: '{}\n', plugins: `plugins:\n  org/repo: [${plugin}]\n${repoMilestone}` },
  );

const data: FactsData = {
  teams: { 'org/release-team': ['Maintainer'], '12': ['by-id'] },
  milestones: {
    'org/repo': [
      { id: 2, title: 'v1.1' },
      { id: 1, title: 'v1.0' },
    ],
  },
};

const by = (
  login: string,
  body: string,
  type: 'issue_comment' | 'pull_request_comment' = 'issue_comment',
) => ({
  ...commentEvent(body, { author: { id: '9', login } }),
  type,
});
const set = (id: number, title: string): ProviderAction => ({
  type: 'set-milestone',
  pullNumber: 7,
  milestone: { id, title },
});
const cleared: ProviderAction = { type: 'set-milestone', pullNumber: 7, milestone: null };
const answer = (event: ReturnType<typeof by>, message: string): ProviderAction => ({
  type: 'comment',
  pullNumber: 7,
  body: reply(event.author.login, message, event),
});

describe('milestone', () => {
  const unknown = by('maintainer', '/milestone v2');
  const outsider = by('stranger', '/milestone v1.1');
  const onGitlab = {
    ...by('maintainer', '/lh-milestone v1.1', 'pull_request_comment'),
    provider: 'gitlab' as const,
  };
  const onGiteaBySlug = { ...by('maintainer', '/milestone v1.1'), provider: 'gitea' as const };
  it.each<[string, WebhookEvent, string, ProviderAction[], string[]]>([
    [
      'a member sets one by its title',
      by('maintainer', '/milestone v1.1'),
      teams,
      [set(2, 'v1.1')],
      ['isTeamMember org/release-team maintainer', 'milestones org/repo'],
    ],
    [
      'on a pull request, with the lh- prefix',
      by('maintainer', '/lh-milestone v1.0', 'pull_request_comment'),
      teams,
      [set(1, 'v1.0')],
      ['isTeamMember org/release-team maintainer', 'milestones org/repo'],
    ],
    [
      'the first /milestone counts',
      by('maintainer', '/milestone v1.0\n/milestone v1.1'),
      teams,
      [set(1, 'v1.0')],
      ['isTeamMember org/release-team maintainer', 'milestones org/repo'],
    ],
    [
      'clear',
      by('maintainer', '/milestone clear'),
      teams,
      [cleared],
      ['isTeamMember org/release-team maintainer'],
    ],
    [
      'a team named by id only',
      by('by-id', '/milestone clear'),
      byIdOnly,
      [cleared],
      ['isTeamMember 12 by-id'],
    ],
    [
      'an unknown title: the titles there are',
      unknown,
      teams,
      [
        answer(
          unknown,
          '`v2` is not a milestone of this repository. Its milestones: `v1.0`, `v1.1`.\n\n`/milestone clear` takes the milestone off.',
        ),
      ],
      ['isTeamMember org/release-team maintainer', 'milestones org/repo'],
    ],
    [
      'someone outside the team: who may',
      outsider,
      teams,
      [
        answer(
          outsider,
          'only members of the team org/release-team may set the milestone. If you should be one, ask release managers to add you.',
        ),
      ],
      ['isTeamMember org/release-team stranger'],
    ],
    [
      'on Gitea, a team named by its slug only: Gitea finds teams by id',
      onGiteaBySlug,
      'repo_milestone:\n  org/repo: {maintainers_team: release-team}\n',
      [
        answer(
          onGiteaBySlug,
          "nobody may set the milestone in org/repo: Gitea finds a team by its id, and plugins.yaml's `repo_milestone` gives only its name.",
        ),
      ],
      [],
    ],
    [
      'no team configured for the repository',
      by('maintainer', '/milestone v1.1'),
      'repo_milestone:\n  org/other: {maintainers_team: release-team}\n',
      [
        answer(
          by('maintainer', '/milestone v1.1'),
          "nobody may set the milestone in org/repo: plugins.yaml's `repo_milestone` names no team for it.",
        ),
      ],
      [],
    ],
    ['no title', by('maintainer', '/milestone'), teams, [], []],
    ['mentioned, not commanded', by('maintainer', 'use /milestone v1.1'), teams, [], []],
    [
      'a review',
      { ...by('maintainer', '/milestone v1.1', 'pull_request_comment'), type: 'review', state: 'commented' },
      teams,
      [],
      [],
    ],
  ])('%s', async (_case, event, repoMilestone, expected, asked) => {
    const facts = inMemoryFacts(data);
    const decision = await decideAll(event, {
      repo: repoConfig(config(repoMilestone), repo.owner, repo.name),
      facts,
    });
    expect(decision.failed).toEqual([]);
    expect(decision.actions).toEqual(expected);
    expect(facts.asked).toEqual(asked);
  });

  it('says so where the provider has no milestones', async () => {
    const facts = { ...inMemoryFacts(data), isTeamMember: undefined, milestones: undefined };
    const decision = await decideAll(onGitlab, {
      repo: repoConfig(config(teams), repo.owner, repo.name),
      facts,
    });
    expect(decision.actions).toEqual([answer(onGitlab, 'Lighthouse cannot set milestones on gitlab.')]);
  });

  it('sets and clears a milestone on GitHub for a member of the team, found by its slug', async () => {
    const server = await startProviderServer();
    try {
      server.teamMembers.set('github/org/release-team', ['maintainer']);
      server.createMilestone('github/org/repo', 'v1.0');
      const v11 = server.createMilestone('github/org/repo', 'v1.1');
      const api = githubApi({ baseUrl: server.baseUrl.github, token: 't' });
      const log: DispatchLogger = { debug: () => {}, info: () => {}, warn: () => {}, error: () => {} };
      const run = async (body: string) => {
        const decision = await decideAll(by('maintainer', body), {
          repo: repoConfig(config(teams), repo.owner, repo.name),
          facts: factsFromProvider(api),
        });
        expect(await performActions(decision.actions, api, repo, log)).toEqual([]);
      };
      await run('/milestone v1.1');
      expect(server.milestones.get('github/org/repo#7')).toBe(v11);
      await run('/milestone clear');
      expect(server.milestones.has('github/org/repo#7')).toBe(false);
      expect(
        server.writes.map((write) => `${write.method} ${write.path} ${JSON.stringify(write.body)}`),
      ).toEqual([
        `PATCH /repos/org/repo/issues/7 {"milestone":${v11}}`,
        'PATCH /repos/org/repo/issues/7 {"milestone":null}',
      ]);
    } finally {
      await server.close();
    }
  });

  it('refuses to set one through a client without milestones, naming why', async () => {
    const server = await startProviderServer();
    try {
      const api = gitlabApi({ baseUrl: server.baseUrl.gitlab, token: 't' });
      const log: DispatchLogger = { debug: () => {}, info: () => {}, warn: () => {}, error: () => {} };
      const failed = await performActions([cleared], api, repo, log);
      expect(failed).toEqual([
        { action: cleared, error: new Error('this provider has no milestones to set') },
      ]);
      expect(server.writes).toEqual([]);
    } finally {
      await server.close();
    }
  });
});

describe('milestonestatus', () => {
  const outsider = by('stranger', '/status in-review');
  const unknown = by('maintainer', '/status done');
  const label = (name: string): ProviderAction => ({ type: 'add-label', pullNumber: 7, label: name });
  it.each<[string, WebhookEvent, ProviderAction[]]>([
    [
      'approved-for-milestone',
      by('maintainer', '/status approved-for-milestone'),
      [label('status/approved-for-milestone')],
    ],
    [
      'in-progress, on a pull request',
      by('maintainer', '/status in-progress', 'pull_request_comment'),
      [label('status/in-progress')],
    ],
    ['in-review, with the lh- prefix', by('maintainer', '/lh-status in-review'), [label('status/in-review')]],
    [
      'the first /status counts',
      by('maintainer', '/status in-review\n/status in-progress'),
      [label('status/in-review')],
    ],
    [
      'someone outside the team: who may',
      outsider,
      [
        answer(
          outsider,
          'only members of the team org/release-team may add status labels. If you should be one, ask release managers to add you.',
        ),
      ],
    ],
    [
      'a status there is not: those there are',
      unknown,
      [answer(unknown, '`/status` takes one of `approved-for-milestone`, `in-progress`, `in-review`.')],
    ],
    ...['__proto__', 'toString', 'constructor'].map(
      (name): [string, ReturnType<typeof by>, ProviderAction[]] => {
        const inherited = by('maintainer', `/status ${name}`);
        const known = '`/status` takes one of `approved-for-milestone`, `in-progress`, `in-review`.';
        return [`a name every object has (${name}) is no status`, inherited, [answer(inherited, known)]];
      },
    ),
    ['no status', by('maintainer', '/status'), []],
  ])('%s', async (_case, event, expected) => {
    const decision = await decideAll(event, {
      repo: repoConfig(config(teams, 'milestonestatus'), repo.owner, repo.name),
      facts: inMemoryFacts(data),
    });
    expect(decision.failed).toEqual([]);
    expect(decision.actions).toEqual(expected);
  });

  it("says so where the provider cannot tell a team's members", async () => {
    const event = {
      ...by('maintainer', '/lh-status in-review', 'pull_request_comment'),
      provider: 'gitlab' as const,
    };
    const decision = await decideAll(event, {
      repo: repoConfig(config(teams, 'milestonestatus'), repo.owner, repo.name),
      facts: { ...inMemoryFacts(data), isTeamMember: undefined },
    });
    expect(decision.actions).toEqual([
      answer(event, 'Lighthouse cannot tell the members of a team on gitlab.'),
    ]);
  });
});
