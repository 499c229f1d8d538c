import { parseConfig, repoConfig } from '@lighthouse-ts/config';
import { giteaApi, githubApi, type IssueCommentEvent, type WebhookEvent } from '@lighthouse-ts/scm';
import { botLogin, defaultPullRequest, startProviderServer } from '@lighthouse-ts/scm/testing';
import { describe, expect, it } from 'vitest';
import { commentEvent, repo } from '../../test/support.ts';
import { performActions } from '../actions.ts';
import { decideAll } from '../chatops/index.ts';
import type { DispatchLogger, ProviderAction } from '../contract.ts';
import { type FactsData, inMemoryFacts } from '../trigger/in-memory-facts.ts';
import { factsFromProvider } from '../trigger/provider-facts.ts';
import { goodFirstIssueMarker, helpWantedMarker } from './help-wanted.ts';

// Lighthouse's help (research: pkg/plugins/help), as a table: a comment, the issue's state and labels, and
// exactly the labels and comments that come of it.

const config = parseConfig(
  { configPath: 'config.yaml', pluginsPath: 'plugins.yaml' },
  { config: '{}\n', plugins: 'plugins:\n  org/repo: [help]\n' },
);
const context = (data: FactsData) => ({
  repo: repoConfig(config, repo.owner, repo.name),
  facts: inMemoryFacts(data),
});

const onIssue = (body: string, overrides: Partial<IssueCommentEvent> = {}): IssueCommentEvent => ({
  ...commentEvent(body, { author: { id: '9', login: 'stranger' } }),
  type: 'issue_comment',
  link: 'https://github.com/org/repo/issues/7#issuecomment-1',
  ...overrides,
});
const issue = (...labels: string[]): FactsData => ({ issues: { 'org/repo#7': { open: true, labels } } });
const closed: FactsData = { issues: { 'org/repo#7': { open: false, labels: [] } } };

const add = (label: string): ProviderAction => ({ type: 'add-label', pullNumber: 7, label });
const removed = (label: string, marker: string): ProviderAction[] => [
  { type: 'remove-label', pullNumber: 7, label },
  { type: 'delete-comment', pullNumber: 7, marker },
];
const guidance = (marker: string): ProviderAction => ({
  type: 'comment',
  pullNumber: 7,
  body: expect.stringMatching(
    new RegExp(`^${marker.replace('.', '\\.')}\\n\\n.*\\]\\(https://git\\.k8s\\.io/`),
  ),
  replacing: marker,
});

describe('help', () => {
  it.each<[string, WebhookEvent, FactsData, ProviderAction[]]>([
    ['/help', onIssue('/help'), issue(), [guidance(helpWantedMarker), add('help wanted')]],
    [
      'with the lh- prefix',
      onIssue('/lh-help'),
      issue('bug'),
      [guidance(helpWantedMarker), add('help wanted')],
    ],
    ['/help on an issue that has the label, in any case', onIssue('/help'), issue('Help Wanted'), []],
    [
      '/good-first-issue adds help wanted too',
      onIssue('please\n/good-first-issue\nthanks'),
      issue(),
      [guidance(goodFirstIssueMarker), add('good first issue'), add('help wanted')],
    ],
    [
      '/good-first-issue on an issue that wants help',
      onIssue('/good-first-issue'),
      issue('help wanted'),
      [guidance(goodFirstIssueMarker), add('good first issue')],
    ],
    [
      '/remove-help takes both labels and their comments off',
      onIssue('/remove-help'),
      issue('help wanted', 'good first issue'),
      [...removed('help wanted', helpWantedMarker), ...removed('good first issue', goodFirstIssueMarker)],
    ],
    [
      '/remove-help on an issue that only wants help',
      onIssue('/remove-help'),
      issue('help wanted'),
      removed('help wanted', helpWantedMarker),
    ],
    [
      '/remove-good-first-issue keeps help wanted',
      onIssue('/remove-good-first-issue'),
      issue('help wanted', 'good first issue'),
      removed('good first issue', goodFirstIssueMarker),
    ],
    ['/remove-good-first-issue on an issue without it', onIssue('/remove-good-first-issue'), issue(), []],
    ['/remove-help on an issue without it', onIssue('/remove-help'), issue('good first issue'), []],
    [
      "one change a comment, the first that applies in Lighthouse's order",
      onIssue('/help\n/remove-help'),
      issue('help wanted'),
      removed('help wanted', helpWantedMarker),
    ],
    ['a closed issue', onIssue('/help'), closed, []],
    ['an argument', onIssue('/help me'), issue(), []],
    ['mentioned, not commanded', onIssue('type /help to ask'), issue(), []],
  ])('%s', async (_case, event, data, expected) => {
    const decision = await decideAll(event, context(data));
    expect(decision.failed).toEqual([]);
    expect(decision.actions).toEqual(expected);
  });

  it.each<[string, WebhookEvent]>([
    ['a pull request', commentEvent('/help')],
    ['a review', { ...commentEvent('/help'), type: 'review', state: 'commented' }],
    // GitLab numbers issues apart from merge requests: its issue comments reach no ChatOps plugin.
    ['a GitLab issue', onIssue('/help', { provider: 'gitlab' })],
  ])('does nothing on %s, asking nothing', async (_case, event) => {
    const { repo: repoSettings, facts } = context(issue());
    const decision = await decideAll(event, { repo: repoSettings, facts });
    expect(decision.actions).toEqual([]);
    expect(facts.asked).toEqual([]);
  });

  it('fails, naming why, where the issue cannot be read', async () => {
    const { repo: repoSettings, facts } = context(issue());
    const decision = await decideAll(onIssue('/help'), {
      repo: repoSettings,
      facts: { ...facts, issue: undefined },
    });
    expect(decision.failed).toEqual([
      { plugin: 'help', error: expect.objectContaining({ name: 'MissingFactError' }) },
    ]);
  });

  it.each([
    ['github', githubApi],
    ['gitea', giteaApi],
  ] as const)(
    'labels an issue on %s with one guidance comment, and takes both off again',
    async (provider, client) => {
      const server = await startProviderServer();
      try {
        const key = `${provider}/org/repo#7`;
        server.pullRequests.set(key, { ...defaultPullRequest, labels: [] });
        const api = client({ baseUrl: server.baseUrl[provider], token: 't' });
        const log: DispatchLogger = { debug: () => {}, info: () => {}, warn: () => {}, error: () => {} };
        const run = async (body: string) => {
          const decision = await decideAll(onIssue(body, { provider }), {
            repo: repoConfig(config, repo.owner, repo.name),
            facts: factsFromProvider(api),
          });
          expect(await performActions(decision.actions, api, repo, log)).toEqual([]);
        };

        await run('/good-first-issue');
        await run('/good-first-issue');
        expect(server.pullRequests.get(key)?.labels).toEqual(['good first issue', 'help wanted']);
        expect(server.comments.get(key)).toEqual([
          expect.objectContaining({
            author: botLogin,
            body: expect.stringMatching(/^This issue is a good first/),
          }),
        ]);

        await run('/remove-help');
        expect(server.pullRequests.get(key)?.labels).toEqual([]);
        expect(server.comments.get(key)).toEqual([]);
      } finally {
        await server.close();
      }
    },
  );
});
