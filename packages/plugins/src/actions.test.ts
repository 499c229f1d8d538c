// performActions through the real provider clients against the fake providers, which keep what is written.
import { bitbucketServerApi, giteaApi, githubApi, gitlabApi, type ProviderApi } from '@lighthouse-ts/scm';
import { botLogin, type ProviderServer, startProviderServer } from '@lighthouse-ts/scm/testing';
import { afterEach, describe, expect, it } from 'vitest';
import { performActions } from './actions.ts';
import { reply } from './chatops/commands.ts';
import type { DispatchLogger, ProviderAction } from './contract.ts';

let server: ProviderServer;
afterEach(() => server?.close());

const repo = { owner: 'acme', name: 'rocket' };
const lines: string[] = [];
const log: DispatchLogger = {
  debug: () => {},
  info: (fields: object | string, message?: string) => {
    lines.push(typeof fields === 'string' ? fields : `${message} ${JSON.stringify(fields)}`);
  },
  warn: () => {},
  error: () => {},
};
const askedBy = { login: 'mona', body: '/cc ghost octo', link: 'https://example.test/pull/3#c1' };
const reviewers = (logins: string[]): ProviderAction => ({
  type: 'assign',
  pullNumber: 3,
  logins,
  as: 'reviewers',
  askedBy,
});

// What each provider keeps, and whom it refuses: GitHub leaves a stranger out of assignees and refuses a
// review request whole; GitLab refuses only the stranger; Gitea assigns only those it lists as assignable
// and refuses a review request whole; Bitbucket Server has no assignees and asks reviewers one by one.
const expected = {
  github: { kept: { assignees: ['mona'], reviewers: [] }, refused: { reviewers: 'ghost, octo' } },
  gitlab: { kept: { assignees: ['mona'], reviewers: ['octo'] }, refused: { reviewers: 'ghost' } },
  gitea: { kept: { assignees: ['mona'], reviewers: [] }, refused: { reviewers: 'ghost, octo' } },
  bitbucketserver: {
    kept: { assignees: [], reviewers: ['octo'] },
    refused: { assignees: 'mona, ada', reviewers: 'ghost' },
  },
} as const;

describe.each([
  ['github', (baseUrl: string) => githubApi({ baseUrl, token: 't' })],
  ['gitlab', (baseUrl: string) => gitlabApi({ baseUrl, token: 't' })],
  ['gitea', (baseUrl: string) => giteaApi({ baseUrl, token: 't' })],
  ['bitbucketserver', (baseUrl: string) => bitbucketServerApi({ baseUrl, token: 't' })],
] as const)('performActions on %s', (provider, client) => {
  it('assigns and unassigns, and answers once, quoting the comment, for logins the provider refused', async () => {
    server = await startProviderServer();
    server.strangers.add('ghost');
    // Gitea's list of who may be assigned, asked before each assignment.
    const assignable = { status: 200, body: ['mona', 'ada', 'octo'].map((login) => ({ login })) };
    server.refuse(/^GET \/repos\/acme\/rocket\/assignees$/, [assignable, assignable]);
    const api: ProviderApi = client(server.baseUrl[provider]);
    const actions: ProviderAction[] = [
      { type: 'assign', pullNumber: 3, logins: ['mona', 'ada'], as: 'assignees', askedBy },
      { type: 'unassign', pullNumber: 3, logins: ['ada'], as: 'assignees' },
      reviewers(['ghost', 'octo']),
    ];
    expect(await performActions(actions, api, repo, log)).toEqual([]);
    // The same delivery again: the same writes, and no second answer.
    expect(await performActions(actions, api, repo, log)).toEqual([]);
    const { kept, refused } = expected[provider];
    expect(server.people(`${provider}/acme/rocket#3`)).toEqual(kept);
    const answers = [];
    if ('assignees' in refused) {
      // Bitbucket Server: nobody can be assigned, so the answer does not say who could be.
      const message = `pull requests here have no assignees, so I cannot assign the following users: ${refused.assignees}.\n\nAsk them for a review with \`/cc\` instead.`;
      answers.push(reply('mona', message, askedBy));
    }
    const message = `the provider didn't allow me to request a review from the following users: ${refused.reviewers}.\n\nOnly the organisation's members and the repository's collaborators can be asked for a review, and authors cannot review their own pull requests.`;
    answers.push(reply('mona', message, askedBy));
    expect(server.comments.get(`${provider}/acme/rocket#3`)?.map((c) => c.body)).toEqual(answers);
  });
});

describe('a comment replacing ours with its marker', () => {
  it('is posted once, edited in place when it changes, left alone when not, and extra copies deleted', async () => {
    server = await startProviderServer();
    const api = githubApi({ baseUrl: server.baseUrl.github, token: 't' });
    const note = (body: string): ProviderAction => ({
      type: 'comment',
      pullNumber: 3,
      body,
      replacing: '[NOTE]',
    });
    const key = 'github/acme/rocket#3';
    const bodies = () => server.comments.get(key)?.map((c) => c.body);
    await performActions([note('[NOTE] one')], api, repo, log);
    await performActions([note('[NOTE] two')], api, repo, log);
    await performActions([note('[NOTE] two')], api, repo, log);
    expect(bodies()).toEqual(['[NOTE] two']);
    expect(server.writes.map((w) => w.method)).toEqual(['POST', 'PATCH']);
    // Two deliveries at once each posted one, and someone quoted it: ours are kept to one, theirs left.
    server.comments.get(key)?.push({ id: 1, author: botLogin, body: '[note] two', version: 0 });
    server.comments.get(key)?.push({ id: 2, author: 'mona', body: '[NOTE] two', version: 0 });
    await performActions([note('[NOTE] three')], api, repo, log);
    expect(bodies()).toEqual(['[NOTE] three', '[NOTE] two']);
  });
});
