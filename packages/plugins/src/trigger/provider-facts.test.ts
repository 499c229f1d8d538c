import { parseConfig, repoConfig } from '@lighthouse-ts/config';
import type { ProviderReads, ProviderWrites, PullRequest } from '@lighthouse-ts/scm';
import { expect, it } from 'vitest';
import { commentEvent, headSha, presubmitsYaml, triggersYaml } from '../../test/support.ts';
import { decide } from './decide.ts';
import { factsFromProvider } from './provider-facts.ts';

const pr: PullRequest = {
  number: 7,
  author: 'author',
  state: 'open',
  draft: false,
  labels: ['needs-ok-to-test'],
  baseRef: 'master',
  baseSha: 'ba5e000000000000000000000000000000000001',
  headRef: 'fix',
  headSha,
};

/** A provider client answering from plain data, recording what it was asked. */
function provider(): ProviderReads & Pick<ProviderWrites, 'comments' | 'whoAmI'> & { asked: string[] } {
  const asked: string[] = [];
  return {
    asked,
    async isCollaborator(owner, repo, user) {
      asked.push(`isCollaborator ${owner}/${repo} ${user}`);
      return false;
    },
    async isAdmin(owner, repo, user) {
      asked.push(`isAdmin ${owner}/${repo} ${user}`);
      return user === 'admin';
    },
    async isOrgMember(org, user) {
      asked.push(`isOrgMember ${org} ${user}`);
      return user === 'member';
    },
    async pullRequest(owner, repo, number) {
      asked.push(`pullRequest ${owner}/${repo}#${number}`);
      return pr;
    },
    async changedFiles(owner, repo, number) {
      asked.push(`changedFiles ${owner}/${repo}#${number}`);
      return ['main.go'];
    },
    async commitStatuses(owner, repo, sha) {
      asked.push(`commitStatuses ${owner}/${repo}@${sha}`);
      return [{ context: 'unit', state: 'failure' }];
    },
    async repoLabels(owner, repo) {
      asked.push(`repoLabels ${owner}/${repo}`);
      return [];
    },
    async comments(owner, repo, number) {
      asked.push(`comments ${owner}/${repo}#${number}`);
      return [{ id: 1, author: 'member', body: '/retest' }];
    },
    async reviews(owner, repo, number) {
      asked.push(`reviews ${owner}/${repo}#${number}`);
      return [];
    },
    async hasOtherPullRequests(owner, repo, author, number) {
      asked.push(`hasOtherPullRequests ${owner}/${repo}#${number} ${author}`);
      return author === 'member';
    },
    async fileContent(owner, repo, path, ref) {
      asked.push(`fileContent ${owner}/${repo}@${ref} ${path}`);
      return undefined;
    },
    async whoAmI() {
      asked.push('whoAmI');
      return 'lighthouse-bot';
    },
  };
}

it('a /retest decided with the provider client behind the facts', async () => {
  const api = provider();
  const config = parseConfig(
    { configPath: 'config.yaml', pluginsPath: 'plugins.yaml' },
    {
      config: presubmitsYaml('  - name: unit\n    run_if_changed: "\\\\.go$"\n  - name: lint\n'),
      plugins: triggersYaml(),
    },
  );
  const decision = await decide(commentEvent('/retest', { author: { id: '1', login: 'member' } }), {
    repo: repoConfig(config, 'org', 'repo'),
    facts: factsFromProvider(api),
  });

  expect(decision.start.map((job) => job.request.jobName)).toEqual(['unit']);
  expect(decision.start[0]?.request.pullRefs).toMatchObject({
    baseBranch: 'master',
    baseSha: pr.baseSha,
    pulls: [{ number: 7, sha: headSha, author: 'author' }],
  });
  expect(decision.actions).toEqual([]);
  expect(api.asked).toEqual([
    'pullRequest org/repo#7',
    'isCollaborator org/repo member',
    'isOrgMember org member',
    // The labels come with the pull request; the real client's cache answers this one.
    'pullRequest org/repo#7',
    `commitStatuses org/repo@${headSha}`,
    'changedFiles org/repo#7',
  ]);
});

it("the ChatOps plugins' facts ask the client: comments (ids as text), reviews, files at a commit, its login, admins", async () => {
  const api = provider();
  const facts = factsFromProvider(api);
  const repo = { owner: 'org', name: 'repo' };
  expect(await facts.comments({ repo, number: 7 })).toEqual([{ id: '1', author: 'member', body: '/retest' }]);
  expect(await facts.reviews({ repo, number: 7 })).toEqual([]);
  expect(await facts.fileAt(repo, pr.baseSha, 'a/OWNERS')).toBeUndefined();
  expect(await facts.botLogin()).toBe('lighthouse-bot');
  expect(await facts.isAdmin('org', 'repo', 'admin')).toBe(true);
  expect(api.asked).toEqual([
    'comments org/repo#7',
    'reviews org/repo#7',
    `fileContent org/repo@${pr.baseSha} a/OWNERS`,
    'whoAmI',
    'isAdmin org/repo admin',
  ]);
});

it('asks the client whether an author has opened other pull requests, besides the one in question', async () => {
  const api = provider();
  const facts = factsFromProvider(api);
  const pull = { repo: { owner: 'org', name: 'repo' }, number: 7 };
  expect(await facts.hasOtherPullRequests(pull, 'member')).toBe(true);
  expect(await facts.hasOtherPullRequests(pull, 'newcomer')).toBe(false);
  expect(api.asked).toEqual([
    'hasOtherPullRequests org/repo#7 member',
    'hasOtherPullRequests org/repo#7 newcomer',
  ]);
});
