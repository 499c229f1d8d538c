import { parseConfig, repoConfig } from '@lighthouse-ts/config';
import type { CommitStatus, WebhookEvent } from '@lighthouse-ts/scm';
import { describe, expect, it } from 'vitest';
import { commentEvent, headSha, openPullRequest, repo } from '../../test/support.ts';
import { reply } from '../chatops/commands.ts';
import { decideAll } from '../chatops/index.ts';
import type { ProviderAction } from '../contract.ts';
import { type FactsData, inMemoryFacts } from '../trigger/in-memory-facts.ts';

// Lighthouse's override (research: pkg/plugins/override), several contexts to a line as Prow reads them:
// a comment, what the provider says, and exactly the statuses and comments that come of it.

const unitLog = 'https://dashboard.example/org/repo/PR-7/unit/3';
const statuses: CommitStatus[] = [
  { context: 'unit', state: 'failure', targetUrl: unitLog },
  { context: 'lint', state: 'pending' },
  { context: 'build / e2e', state: 'error' },
  { context: 'docs', state: 'success' },
];
const facts: FactsData = {
  admins: { 'org/repo': ['Admin'] },
  collaborators: { 'org/repo': ['admin', 'maintainer'] },
  pullRequests: { 'org/repo#7': openPullRequest() },
  statuses: { [`org/repo@${headSha}`]: statuses },
};

async function decide(event: WebhookEvent, data: FactsData = facts) {
  const config = parseConfig(
    { configPath: 'config.yaml', pluginsPath: 'plugins.yaml' },
    { config: '{}\n', plugins: 'plugins:\n  org/repo: [override]\n' },
  );
  const asked = inMemoryFacts(data);
  const decision = await decideAll(event, { repo: repoConfig(config, repo.owner, repo.name), facts: asked });
  expect(decision.failed).toEqual([]);
  return { actions: decision.actions, asked: asked.asked };
}

const by = (login: string, body: string) => commentEvent(body, { author: { id: '9', login } });
const overridden = (context: string): ProviderAction => ({
  type: 'status',
  sha: headSha,
  context,
  state: 'success',
  description: 'Overridden by admin',
  // The status keeps the link of the one it replaces.
  ...(context === 'unit' ? { targetUrl: unitLog } : {}),
});
const answer = (body: string, message: string, login = 'admin'): ProviderAction => ({
  type: 'comment',
  pullNumber: 7,
  body: reply(login, message, by(login, body)),
});
const done = (body: string, contexts: string) =>
  answer(body, `Overrode contexts on behalf of admin: ${contexts}`);
const expectedList =
  'Only the following contexts were expected:\n - `build / e2e`\n - `lint`\n - `unit`\n\n' +
  'A context with spaces in it goes in double quotes.';

describe('override', () => {
  it.each<[string, string, ProviderAction[]]>([
    [
      'an admin overrides a failed context',
      '/override unit',
      [overridden('unit'), done('/override unit', 'unit')],
    ],
    ['a pending one too', '/override lint', [overridden('lint'), done('/override lint', 'lint')]],
    ['with the lh- prefix', '/lh-override unit', [overridden('unit'), done('/lh-override unit', 'unit')]],
    [
      'several on one line, a quoted one with spaces',
      '/override unit "build / e2e"',
      [
        overridden('build / e2e'),
        overridden('unit'),
        done('/override unit "build / e2e"', 'build / e2e, unit'),
      ],
    ],
    [
      'one command a line, all of them counted',
      'flaky, see #12\n/override unit\n/OVERRIDE lint  ',
      [
        overridden('lint'),
        overridden('unit'),
        done('flaky, see #12\n/override unit\n/OVERRIDE lint  ', 'lint, unit'),
      ],
    ],
    [
      'a green context is not overridden, and the reply lists those that could be',
      '/override unit docs',
      [
        answer(
          '/override unit docs',
          '/override requires a failed status context to operate on.\nThe following unknown contexts were given:\n - `docs`\n\n' +
            expectedList,
        ),
      ],
    ],
    [
      'an unknown one, or one with spaces unquoted, likewise',
      '/override build / e2e',
      [
        answer(
          '/override build / e2e',
          '/override requires a failed status context to operate on.\nThe following unknown contexts were given:\n - `/`\n - `build`\n - `e2e`\n\n' +
            expectedList,
        ),
      ],
    ],
    ['no context is no command', '/override', []],
    ['mentioned, not commanded', 'we could /override unit', []],
    [
      'its own reply, which quotes the command, does nothing',
      reply('admin', 'Overrode contexts on behalf of admin: unit', by('admin', '/override unit')),
      [],
    ],
  ])('%s', async (_, body, expected) => {
    expect((await decide(by('admin', body))).actions).toEqual(expected);
  });

  it('refuses anyone but an admin, a collaborator too, and overrides nothing', async () => {
    const { actions, asked } = await decide(by('maintainer', '/override unit'));
    expect(actions).toEqual([
      answer(
        '/override unit',
        'maintainer unauthorized: /override is restricted to repo administrators',
        'maintainer',
      ),
    ]);
    expect(asked).not.toContain(`combinedStatus org/repo@${headSha}`);
  });

  it('does nothing on a closed pull request, asking no more than its state', async () => {
    const closed = { ...facts, pullRequests: { 'org/repo#7': openPullRequest({ open: false }) } };
    const { actions, asked } = await decide(by('admin', '/override unit'), closed);
    expect(actions).toEqual([]);
    expect(asked).toEqual(['pullRequest org/repo#7']);
  });

  it('reads no review body or issue comment, as Lighthouse reads only new pull request comments', async () => {
    const comment = by('admin', '/override unit');
    expect((await decide({ ...comment, type: 'review', state: 'commented' })).actions).toEqual([]);
    expect((await decide({ ...comment, type: 'issue_comment' })).actions).toEqual([]);
  });
});
