import { ConfigError, parseConfig, repoConfig } from '@lighthouse-ts/config';
import { githubApi, type PullRequestEvent } from '@lighthouse-ts/scm';
import { botLogin, defaultPullRequest, startProviderServer } from '@lighthouse-ts/scm/testing';
import { describe, expect, it } from 'vitest';
import { commentEvent, openPullRequest, pullRequestEvent, repo } from '../../test/support.ts';
import { performActions } from '../actions.ts';
import { decideAll } from '../chatops/index.ts';
import type { DispatchLogger, ProviderAction } from '../contract.ts';
import { type FactsData, inMemoryFacts } from '../trigger/in-memory-facts.ts';
import { factsFromProvider } from '../trigger/provider-facts.ts';

// Lighthouse's welcome (research: pkg/plugins/welcome), as a table: a pull request event, the pull requests
// the repository has, and exactly the comment that comes of it.

const config = (welcome = '') =>
  parseConfig(
    { configPath: 'config.yaml', pluginsPath: 'plugins.yaml' },
    { config: '{}\n', plugins: `plugins:\n  org/repo: [welcome]\n${welcome}` },
  );

const opened = (login: string | undefined, overrides: Partial<PullRequestEvent> = {}) =>
  pullRequestEvent({ author: login === undefined ? { id: '5' } : { id: '5', login }, ...overrides });

/** The pull requests of org/repo, each `number author`; #7 is the one the events are about. */
const pulls = (...each: string[]): FactsData => ({
  pullRequests: Object.fromEntries(
    each.map((pull) => {
      const [number, author] = pull.split(' ');
      return [`org/repo#${number}`, openPullRequest({ author })];
    }),
  ),
});

const welcomed = (body: string): ProviderAction[] => [
  { type: 'comment', pullNumber: 7, body, unlessAlreadyPosted: true },
];

describe('welcome', () => {
  it.each<[string, PullRequestEvent, FactsData, string, ProviderAction[], string[]]>([
    [
      'a first pull request, with the default message',
      opened('newbie'),
      pulls('7 newbie', '3 regular'),
      '',
      welcomed('Welcome @newbie! It looks like this is your first PR to org/repo 🎉'),
      ['botLogin', 'hasOtherPullRequests org/repo#7 newbie'],
    ],
    [
      "a first pull request, with the org's message, spaces inside its braces",
      opened('newbie'),
      pulls('7 newbie'),
      'welcome:\n- repos: [org]\n  message_template: "Hi {{ .AuthorName }}, thanks for {{.Org}}/{{ .Repo }}!\\n\\n/cc @{{.AuthorLogin}}"\n',
      welcomed('Hi newbie, thanks for org/repo!\n\n/cc @newbie'),
      ['botLogin', 'hasOtherPullRequests org/repo#7 newbie'],
    ],
    [
      'an author with another pull request, closed or not, whatever the case of the login',
      opened('newbie'),
      pulls('7 newbie', '2 Newbie'),
      '',
      [],
      ['botLogin', 'hasOtherPullRequests org/repo#7 newbie'],
    ],
    [
      'GitLab naming the author by id only: the provider says who it is',
      opened(undefined, { provider: 'gitlab' }),
      pulls('7 newbie'),
      '',
      welcomed('Welcome @newbie! It looks like this is your first PR to org/repo 🎉'),
      ['pullRequest org/repo#7', 'botLogin', 'hasOtherPullRequests org/repo#7 newbie'],
    ],
    [
      "Lighthouse's own pull request",
      opened('Lighthouse-Bot'),
      pulls('7 Lighthouse-Bot'),
      '',
      [],
      ['botLogin'],
    ],
    ['reopened', opened('newbie', { action: 'reopened' }), pulls('7 newbie'), '', [], []],
    ['pushed to', opened('newbie', { action: 'synchronize' }), pulls('7 newbie'), '', [], []],
    ['edited', opened('newbie', { action: 'edited' }), pulls('7 newbie'), '', [], []],
  ])('%s', async (_case, event, data, welcome, expected, asked) => {
    const facts = inMemoryFacts(data);
    const decision = await decideAll(event, {
      repo: repoConfig(config(welcome), repo.owner, repo.name),
      facts,
    });
    expect(decision.actions).toEqual(expected);
    expect(facts.asked).toEqual(asked);
  });

  it('says nothing to a comment', async () => {
    const facts = inMemoryFacts(pulls('7 newbie'));
    const decision = await decideAll(commentEvent('hello'), {
      repo: repoConfig(config(), repo.owner, repo.name),
      facts,
    });
    expect(decision.actions).toEqual([]);
  });

  it('refuses at load a template using what Lighthouse does not give it, naming the entry', () => {
    const refused = () =>
      config('welcome:\n- repos: [org/repo]\n  message_template: "Welcome {{.Author.Login}}!"\n');
    expect(refused).toThrow(ConfigError);
    expect(refused).toThrow(
      /welcome\[0\]\.message_template.*the welcome message for org\/repo uses \{\{\.Author\.Login\}\}/,
    );
  });

  it('posts once however often the event is delivered, asking GitHub its search, not every pull request', async () => {
    const server = await startProviderServer();
    try {
      server.pullRequests.set('github/org/repo#7', { ...defaultPullRequest, labels: [], author: 'newbie' });
      const api = githubApi({ baseUrl: server.baseUrl.github, token: 't' });
      const log: DispatchLogger = { debug: () => {}, info: () => {}, warn: () => {}, error: () => {} };
      for (let delivery = 0; delivery < 2; delivery++) {
        const decision = await decideAll(opened('newbie'), {
          repo: repoConfig(config(), repo.owner, repo.name),
          facts: factsFromProvider(api),
        });
        expect(await performActions(decision.actions, api, repo, log)).toEqual([]);
      }
      expect(server.comments.get('github/org/repo#7')).toEqual([
        expect.objectContaining({
          author: botLogin,
          body: 'Welcome @newbie! It looks like this is your first PR to org/repo 🎉',
        }),
      ]);
      expect(server.reads.map((read) => read.path).filter((path) => path.includes('/search/'))).toEqual([
        '/search/issues?q=repo%3Aorg%2Frepo+is%3Apr+author%3Anewbie&per_page=2',
        '/search/issues?q=repo%3Aorg%2Frepo+is%3Apr+author%3Anewbie&per_page=2',
      ]);
    } finally {
      await server.close();
    }
  });
});
