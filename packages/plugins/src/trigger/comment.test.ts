import { describe, expect, it } from 'vitest';
import {
  commentEvent,
  decideFor,
  headSha,
  openPullRequest,
  presubmitsYaml,
  triggersYaml,
} from '../../test/support.ts';
import type { PullRequestFacts } from './facts.ts';
import type { FactsData } from './in-memory-facts.ts';

// The world of Lighthouse's own generic-comment tests: one trusted member, a PR whose head changed the
// file CHANGED, and statuses pull-job pending, pull-jib failed, pull-jub succeeded.
const lighthouseDefaultJobs = presubmitsYaml(`  - name: job
    always_run: true
    context: pull-job
    trigger: "(?m)^/test (?:.*? )?job(?: .*?)?$"
    rerun_command: /test job
    branches: [master]
  - name: jib
    context: pull-jib
    trigger: "(?m)^/test (?:.*? )?jib(?: .*?)?$"
    rerun_command: /test jib
`);

const conditional = (name: string, runIfChanged: string, extra = '') =>
  presubmitsYaml(`  - name: ${name}
    run_if_changed: ${runIfChanged}
    context: pull-${name}
    trigger: "(?m)^/test (?:.*? )?${name}(?: .*?)?$"
    rerun_command: /test ${name}
${extra}`);

interface Case {
  name: string;
  author: string;
  prAuthor?: string;
  body: string;
  open?: boolean;
  branch?: string;
  labels?: string[];
  config?: string;
  ignoreOkToTest?: boolean;
  elideSkippedContexts?: boolean;
  /** The contexts started. */
  starts?: string[];
  reports?: boolean;
  added?: string[];
  removed?: string[];
}

// Lighthouse's TestHandleGenericComment cases (pkg/plugins/trigger/generic-comment_test.go), same names.
const lighthouseCases: Case[] = [
  { name: 'Closed PR.', author: 'trusted-member', body: '/ok-to-test', open: false },
  { name: 'Comment by a bot.', author: 'k8s-bot', body: '/ok-to-test' },
  {
    name: 'Irrelevant comment leads to no action.',
    author: 'trusted-member',
    body: 'Nice weather outside, right?',
  },
  { name: "Non-trusted member's ok to test.", author: 'untrusted-member', body: '/ok-to-test' },
  {
    name: 'accept /test from non-trusted member if PR author is trusted',
    author: 'untrusted-member',
    prAuthor: 'trusted-member',
    body: '/test all',
    starts: ['pull-job'],
  },
  {
    name: 'accept /test with prefix from non-trusted member if PR author is trusted',
    author: 'untrusted-member',
    prAuthor: 'trusted-member',
    body: '/lh-test all',
    starts: ['pull-job'],
  },
  {
    name: 'reject /test from non-trusted member when PR author is untrusted',
    author: 'untrusted-member',
    prAuthor: 'untrusted-member',
    body: '/test all',
  },
  {
    name: 'reject /test with prefix from non-trusted member when PR author is untrusted',
    author: 'untrusted-member',
    prAuthor: 'untrusted-member',
    body: '/lh-test all',
  },
  {
    name: 'Non-trusted member after "/ok-to-test".',
    author: 'untrusted-member',
    body: '/test all',
    labels: ['ok-to-test'],
    starts: ['pull-job'],
  },
  {
    name: `Non-trusted member after "/ok-to-test", needs-ok-to-test label wasn't deleted.`,
    author: 'untrusted-member',
    body: '/test all',
    labels: ['needs-ok-to-test', 'ok-to-test'],
    starts: ['pull-job'],
    removed: ['needs-ok-to-test'],
  },
  {
    name: "Trusted member's ok to test, IgnoreOkToTest",
    author: 'trusted-member',
    body: '/ok-to-test',
    ignoreOkToTest: true,
  },
  {
    name: "Trusted member's ok to test",
    author: 'trusted-member',
    body: 'looks great, thanks!\n/ok-to-test',
    starts: ['pull-job'],
    added: ['ok-to-test'],
  },
  {
    name: "Trusted member's ok to test with prefix",
    author: 'trusted-member',
    body: 'looks great, thanks!\n/lh-ok-to-test',
    starts: ['pull-job'],
    added: ['ok-to-test'],
  },
  {
    name: "Trusted member's ok to test, trailing space.",
    author: 'trusted-member',
    body: 'looks great, thanks!\n/ok-to-test \r',
    starts: ['pull-job'],
    added: ['ok-to-test'],
  },
  { name: "Trusted member's not ok to test.", author: 'trusted-member', body: 'not /ok-to-test' },
  { name: "Trusted member's test this.", author: 'trusted-member', body: '/test all', starts: ['pull-job'] },
  { name: 'Wrong branch.', author: 'trusted-member', body: '/test all', branch: 'other', reports: true },
  {
    name: 'Wrong branch. Skipped statuses elided.',
    author: 'trusted-member',
    body: '/test all',
    branch: 'other',
    elideSkippedContexts: true,
  },
  {
    name: 'needs-ok-to-test label is removed when no presubmit runs by default',
    author: 'trusted-member',
    body: '/ok-to-test',
    config: presubmitsYaml(`  - name: job
    context: pull-job
    trigger: "(?m)^/test (?:.*? )?job(?: .*?)?$"
    rerun_command: /test job
  - name: jib
    context: pull-jib
    trigger: "(?m)^/test (?:.*? )?jib(?: .*?)?$"
    rerun_command: /test jib
`),
    labels: ['needs-ok-to-test'],
    added: ['ok-to-test'],
    removed: ['needs-ok-to-test'],
  },
  {
    name: 'Wrong branch w/ SkipReport',
    author: 'trusted-member',
    body: '/test all',
    branch: 'other',
    config: presubmitsYaml(`  - name: job
    always_run: true
    skip_report: true
    context: pull-job
    trigger: "(?m)^/test (?:.*? )?job(?: .*?)?$"
    rerun_command: /test job
    branches: [master]
`),
  },
  {
    name: "Retest of run_if_changed job that hasn't run. Changes require job",
    author: 'trusted-member',
    body: '/retest',
    config: conditional('jab', 'CHANGED', '    skip_report: true\n'),
    starts: ['pull-jab'],
  },
  {
    name: 'Retest of run_if_changed job that failed. Changes require job',
    author: 'trusted-member',
    body: '/retest',
    config: conditional('jib', 'CHANGED'),
    starts: ['pull-jib'],
  },
  {
    name: 'Retest of run_if_changed job that failed with prefix. Changes require job',
    author: 'trusted-member',
    body: '/lh-retest',
    config: conditional('jib', 'CHANGED'),
    starts: ['pull-jib'],
  },
  {
    name: '/test of run_if_changed job that has passed',
    author: 'trusted-member',
    body: '/test jub',
    config: conditional('jub', 'CHANGED'),
    starts: ['pull-jub'],
  },
  {
    name: 'Retest of run_if_changed job that failed. Changes do not require the job',
    author: 'trusted-member',
    body: '/retest',
    config: conditional('jib', 'CHANGED2'),
    reports: true,
  },
  {
    name: 'Retest of run_if_changed job that failed. Changes do not require the job. Skipped statuses elided.',
    author: 'trusted-member',
    body: '/retest',
    config: conditional('jib', 'CHANGED2'),
    elideSkippedContexts: true,
  },
  {
    name: 'Run if changed job triggered by /ok-to-test',
    author: 'trusted-member',
    body: '/ok-to-test',
    config: conditional('jab', 'CHANGED'),
    labels: ['needs-ok-to-test'],
    starts: ['pull-jab'],
    added: ['ok-to-test'],
    removed: ['needs-ok-to-test'],
  },
  {
    name: '/test of branch-sharded job',
    author: 'trusted-member',
    body: '/test jab',
    config: presubmitsYaml(`  - name: master-jab
    branches: [master]
    context: pull-jab
    trigger: "(?m)^/test (?:.*? )?jab(?: .*?)?$"
    rerun_command: /test jab
  - name: release-jab
    branches: [release]
    context: pull-jab
    trigger: "(?m)^/test (?:.*? )?jab(?: .*?)?$"
    rerun_command: /test jab
`),
    starts: ['pull-jab'],
  },
  {
    name: 'branch-sharded job. no shard matches base branch',
    author: 'trusted-member',
    branch: 'branch',
    body: '/test jab',
    config: presubmitsYaml(`  - name: master-jab
    branches: [master]
    context: pull-jab
    trigger: "(?m)^/test (?:.*? )?jab(?: .*?)?$"
    rerun_command: /test jab
  - name: release-jab
    branches: [release]
    context: pull-jab
    trigger: "(?m)^/test (?:.*? )?jab(?: .*?)?$"
    rerun_command: /test jab
`),
    reports: true,
  },
  {
    name: "/retest of RunIfChanged job that doesn't need to run and hasn't run",
    author: 'trusted-member',
    body: '/retest',
    config: conditional('jeb', 'CHANGED2'),
    reports: true,
  },
  {
    name: "/retest of RunIfChanged job that doesn't need to run and hasn't run. Skipped statuses elided.",
    author: 'trusted-member',
    body: '/retest',
    config: conditional('jeb', 'CHANGED2'),
    elideSkippedContexts: true,
  },
  {
    name: "explicit /test for RunIfChanged job that doesn't need to run",
    author: 'trusted-member',
    body: '/test jeb',
    config: conditional('jeb', 'CHANGED2'),
    starts: ['pull-jeb'],
  },
  {
    name: '/test all of run_if_changed job that has passed and needs to run',
    author: 'trusted-member',
    body: '/test all',
    config: conditional('jub', 'CHANGED'),
    starts: ['pull-jub'],
  },
  {
    name: "/test all of run_if_changed job that has passed and doesn't need to run",
    author: 'trusted-member',
    body: '/test all',
    config: conditional('jub', 'CHANGED2'),
    reports: true,
  },
  {
    name: "/test all of run_if_changed job that has passed and doesn't need to run. Skipped statuses elided.",
    author: 'trusted-member',
    body: '/test all',
    config: conditional('jub', 'CHANGED2'),
    elideSkippedContexts: true,
  },
  {
    name: 'accept /test all from trusted user',
    author: 'trusted-member',
    prAuthor: 'trusted-member',
    body: '/test all',
    starts: ['pull-job'],
  },
  {
    name: 'Non-trusted member after "/lgtm" and "/approve"',
    author: 'untrusted-member',
    prAuthor: 'untrusted-member',
    body: '/retest',
    labels: ['lgtm', 'approved'],
  },
];

function lighthouseWorld(testCase: Case): FactsData {
  const pr: PullRequestFacts = openPullRequest({
    open: testCase.open ?? true,
    author: testCase.prAuthor ?? '',
    base: { ref: testCase.branch ?? 'master', sha: 'ba5e000000000000000000000000000000000001' },
  });
  return {
    members: { org: ['trusted-member'] },
    pullRequests: { 'org/repo#7': pr },
    labels: { 'org/repo#7': testCase.labels ?? [] },
    changedFiles: { 'org/repo#7': ['CHANGED'] },
    statuses: {
      [`org/repo@${headSha}`]: [
        { context: 'pull-job', state: 'pending' },
        { context: 'pull-jib', state: 'failure' },
        { context: 'pull-jub', state: 'success' },
      ],
    },
  };
}

describe("Lighthouse's generic comment cases", () => {
  it.each(lighthouseCases)('$name', async (testCase) => {
    const { decision } = await decideFor(
      commentEvent(testCase.body, { author: { id: '1', login: testCase.author } }),
      {
        config: testCase.config ?? lighthouseDefaultJobs,
        plugins: triggersYaml({
          ignoreOkToTest: testCase.ignoreOkToTest ?? false,
          elideSkippedContexts: testCase.elideSkippedContexts ?? false,
        }),
        facts: lighthouseWorld(testCase),
        botName: 'k8s-ci-robot',
      },
    );

    expect([...new Set(decision.start.map((job) => job.request.context))]).toEqual(testCase.starts ?? []);
    const statuses = decision.actions.filter((action) => action.type === 'status');
    expect(statuses.length > 0).toBe(testCase.reports ?? false);
    const labels = (type: string) =>
      decision.actions.flatMap((action) => (action.type === type && 'label' in action ? [action.label] : []));
    expect(labels('add-label')).toEqual(testCase.added ?? []);
    expect(labels('remove-label')).toEqual(testCase.removed ?? []);
  });
});

const jobs = presubmitsYaml(`  - name: unit
    always_run: true
  - name: lint
    always_run: true
  - name: e2e
  - name: docs
    run_if_changed: "^docs/"
`);

const world = (overrides: Partial<FactsData> = {}): FactsData => ({
  members: { org: ['member'] },
  pullRequests: { 'org/repo#7': openPullRequest() },
  changedFiles: { 'org/repo#7': ['main.go'] },
  ...overrides,
});

const byMember = { author: { id: '1', login: 'member' } };

async function startedBy(body: string, facts: FactsData = world(), plugins?: string) {
  const { decision } = await decideFor(commentEvent(body, byMember), { config: jobs, facts, plugins });
  return decision.start.map((job) => job.request.jobName);
}

describe('comment commands', () => {
  it.each([
    ['/test e2e', ['e2e']],
    ['/lh-test e2e', ['e2e']],
    ['/test docs', ['docs']],
    ['/test all', ['unit', 'lint']],
    ['/lh-test all', ['unit', 'lint']],
    ['/test unit', ['unit']],
    ['/test e2e\n/test docs', ['e2e', 'docs']],
    ['/ok-to-test', ['unit', 'lint']],
    ['/lh-ok-to-test', ['unit', 'lint']],
    ['/test nothing-by-that-name', []],
    ['/test', []],
    ['please /test e2e', []],
    ['/teste2e', []],
    ['/test e2e and more words', []],
  ])('%j starts %j', async (body, expected) => {
    expect(await startedBy(body)).toEqual(expected);
  });

  it('a command is honoured case-insensitively at the gate, but the job trigger decides', async () => {
    expect(await startedBy('/TEST e2e')).toEqual([]);
    expect(await startedBy('/TEST all\n/test e2e')).toEqual(['e2e']);
  });

  it('/retest reruns failed contexts and automatic jobs that have not reported', async () => {
    const statuses = {
      [`org/repo@${headSha}`]: [
        { context: 'unit', state: 'failure' as const },
        { context: 'lint', state: 'success' as const },
        { context: 'e2e', state: 'error' as const },
      ],
    };
    // unit failed; lint passed; e2e errored (only asked for by name, but it failed); docs never reported
    // but its changes do not need it.
    expect(await startedBy('/retest', world({ statuses }))).toEqual(['unit', 'e2e']);
    expect(await startedBy('/lh-retest', world({ statuses }))).toEqual(['unit', 'e2e']);
  });

  it('/retest runs an automatic job whose context is missing', async () => {
    const statuses = { [`org/repo@${headSha}`]: [{ context: 'unit', state: 'success' as const }] };
    expect(await startedBy('/retest', world({ statuses }))).toEqual(['lint']);
  });

  it('/retest with everything green starts nothing', async () => {
    const statuses = {
      [`org/repo@${headSha}`]: [
        { context: 'unit', state: 'success' as const },
        { context: 'lint', state: 'pending' as const },
      ],
    };
    expect(await startedBy('/retest', world({ statuses }))).toEqual([]);
  });

  it('/retest checks the statuses of the head commit, and /test does not', async () => {
    const { asked } = await decideFor(commentEvent('/retest', byMember), { config: jobs, facts: world() });
    expect(asked).toContain(`combinedStatus org/repo@${headSha}`);
    const explicit = await decideFor(commentEvent('/test e2e', byMember), { config: jobs, facts: world() });
    expect(explicit.asked.some((question) => question.startsWith('combinedStatus'))).toBe(false);
  });

  it('/ok-to-test is ignored with ignore_ok_to_test', async () => {
    expect(await startedBy('/ok-to-test', world(), triggersYaml({ ignoreOkToTest: true }))).toEqual([]);
  });

  it('starts a presubmit against the PR head and base as the provider reports them', async () => {
    const { decision } = await decideFor(commentEvent('/test e2e', byMember), {
      config: jobs,
      facts: world(),
    });
    expect(decision.start[0]?.request.pullRefs).toMatchObject({
      baseBranch: 'master',
      baseSha: 'ba5e000000000000000000000000000000000001',
      pulls: [{ number: 7, sha: headSha, author: 'author', title: 'Fix the widget' }],
    });
    expect(decision.start[0]?.why).toBe('the comment asks for it');
    expect(decision.cancel).toEqual([]);
  });

  it('says why the jobs it does not start do not run', async () => {
    const { decision } = await decideFor(commentEvent('/test e2e', byMember), {
      config: jobs,
      facts: world(),
    });
    expect(decision.skip).toEqual([
      { jobName: 'unit', context: 'unit', why: 'the comment does not ask for it' },
      { jobName: 'lint', context: 'lint', why: 'the comment does not ask for it' },
      { jobName: 'docs', context: 'docs', why: 'the comment does not ask for it' },
    ]);
  });

  it('answers an untrusted commenter on an untrusted PR, quoting them', async () => {
    const { decision } = await decideFor(
      commentEvent('/test all', { author: { id: '9', login: 'stranger' } }),
      {
        config: jobs,
        facts: world({ pullRequests: { 'org/repo#7': openPullRequest({ author: 'other-stranger' }) } }),
      },
    );
    expect(decision.start).toEqual([]);
    expect(decision.actions).toEqual([
      {
        type: 'comment',
        pullNumber: 7,
        body: expect.stringMatching(
          /^@stranger: Cannot trigger testing until a trusted user reviews the PR and leaves an `\/ok-to-test` message\.\n\n<details>\n\nIn response to \[this\]\(https:\/\/github\.com\/org\/repo\/pull\/7#issuecomment-1\):\n\n>\/test all\n/,
        ),
        unlessAlreadyPosted: true,
      },
    ]);
  });

  it('trusts a commenter by author_association without asking', async () => {
    const { decision, asked } = await decideFor(
      commentEvent('/test e2e', { author: { id: '9', login: 'someone' }, authorAssociation: 'COLLABORATOR' }),
      { config: jobs, facts: world() },
    );
    expect(decision.start.map((job) => job.request.jobName)).toEqual(['e2e']);
    expect(asked).toEqual(['pullRequest org/repo#7', 'prLabels org/repo#7']);
  });

  it('on a draft PR with skip_draft_pr, an untrusted commenter cannot trigger for a trusted author', async () => {
    const { decision } = await decideFor(
      commentEvent('/test e2e', { author: { id: '9', login: 'stranger' } }),
      {
        config: jobs,
        facts: world({ pullRequests: { 'org/repo#7': openPullRequest({ author: 'member', draft: true }) } }),
        plugins: triggersYaml({ skipDraftPr: true }),
      },
    );
    expect(decision.start).toEqual([]);
  });

  it('a custom trigger command works like /test (LH_CUSTOM_TRIGGER_COMMAND)', async () => {
    const config = presubmitsYaml(
      '  - name: build\n    trigger: "(?m)^/build( |$)"\n    rerun_command: /build now\n',
    );
    const event = commentEvent('/build now', byMember);
    const without = await decideFor(event, { config, facts: world() });
    expect(without.decision.start).toEqual([]);
    const { decision } = await decideFor(event, { config, facts: world(), customTriggerCommand: 'build' });
    expect(decision.start.map((job) => job.request.jobName)).toEqual(['build']);
  });
});

describe('comments that start nothing', () => {
  it('a comment on an issue', async () => {
    const event = { ...commentEvent('/test all', byMember), type: 'issue_comment' as const };
    const { decision, asked } = await decideFor(event, { config: jobs, facts: world() });
    expect(decision.start).toEqual([]);
    expect(asked).toEqual([]);
  });

  it('a review, even with a command in it', async () => {
    const event = {
      ...commentEvent('/test all', byMember),
      type: 'review' as const,
      state: 'approved' as const,
    };
    const { decision } = await decideFor(event, { config: jobs, facts: world() });
    expect(decision.start).toEqual([]);
    expect(decision.summary).toBe('a review starts nothing: the trigger answers created comments only');
  });

  it('a comment without a command asks the provider nothing', async () => {
    const { decision, asked } = await decideFor(commentEvent('LGTM, thanks', byMember), {
      config: jobs,
      facts: world(),
    });
    expect(decision.summary).toBe('comment on PR #7: it holds no /test, /retest or /ok-to-test command');
    expect(asked).toEqual([]);
  });

  it('a comment on a closed PR', async () => {
    const { decision } = await decideFor(commentEvent('/test all', byMember), {
      config: jobs,
      facts: world({ pullRequests: { 'org/repo#7': openPullRequest({ open: false }) } }),
    });
    expect(decision.start).toEqual([]);
    expect(decision.summary).toBe('comment on PR #7: the PR is not open');
  });
});
