import { MetaPipelineRequest } from '@lighthouse-ts/metapipeline-client';
import { describe, expect, it } from 'vitest';
import {
  baseSha,
  decideFor,
  headSha,
  openPullRequest,
  presubmitsYaml,
  pullRequestEvent,
  skipped,
  started,
  triggersYaml,
} from '../../test/support.ts';
import type { FactsData } from './in-memory-facts.ts';

const config = presubmitsYaml(`  - name: unit
    always_run: true
    namespace: ci
    labels: { team: widgets }
  - name: docs
    run_if_changed: "^docs/"
  - name: e2e
  - name: release-only
    always_run: true
    branches: [release]
`);

const facts: FactsData = {
  members: { org: ['member'] },
  changedFiles: { 'org/repo#7': ['main.go'] },
};

const byMember = { author: { id: '1', login: 'member' } };
const byStranger = { author: { id: '9', login: 'stranger' } };

describe('a pull request opened', () => {
  it('by a trusted author runs the presubmits that should run, and reports the others skipped', async () => {
    const { decision } = await decideFor(pullRequestEvent(byMember), { config, facts });

    expect(started(decision)).toEqual(['unit']);
    expect(decision.skip).toEqual([
      { jobName: 'docs', context: 'docs', why: 'no changed file matches run_if_changed "^docs/"' },
      { jobName: 'e2e', context: 'e2e', why: 'it runs only when asked (/test e2e)' },
      {
        jobName: 'release-only',
        context: 'release-only',
        why: 'branch master does not match branches [release]',
      },
    ]);
    // Only jobs that would run automatically get a Skipped status; e2e was never asked for.
    expect(decision.actions).toEqual([
      { type: 'status', sha: headSha, context: 'docs', state: 'success', description: 'Skipped.' },
      { type: 'status', sha: headSha, context: 'release-only', state: 'success', description: 'Skipped.' },
    ]);
    expect(decision.cancel).toEqual([]);
    expect(decision.summary).toBe('PR #7 opened (member is a member of org): 1 of 4 presubmits run');
  });

  it('gives everything a MetaPipelineRequest needs', async () => {
    const { decision } = await decideFor(pullRequestEvent(byMember), { config, facts });
    const [job] = decision.start;
    if (!job) throw new Error('nothing started');

    expect(job.request).toEqual({
      kind: 'pullrequest',
      jobName: 'unit',
      context: 'unit',
      rerunCommand: '/test unit',
      pullRefs: {
        sourceUrl: 'https://github.com/org/repo.git',
        owner: 'org',
        repo: 'repo',
        repoLink: 'https://github.com/org/repo',
        baseBranch: 'master',
        baseSha,
        baseLink: `https://github.com/org/repo/commit/${baseSha}`,
        pulls: [
          {
            number: 7,
            sha: headSha,
            author: 'member',
            title: 'Fix the widget',
            link: 'https://github.com/org/repo/pull/7',
          },
        ],
      },
      labels: {
        team: 'widgets',
        'event-GUID': 'delivery-1',
        'lighthouse-ts.dev/provider': 'github',
        'lighthouse-ts.dev/report': 'status.comment.running',
      },
    });
    expect(job.namespace).toBe('ci');
    expect(job.why).toBe('always_run');
    expect(() =>
      MetaPipelineRequest.parse({ ...job.request, namespace: 'jx', idempotencyKey: 'delivery-1/unit' }),
    ).not.toThrow();
  });

  it('runs run_if_changed jobs whose files changed', async () => {
    const changed = { ...facts, changedFiles: { 'org/repo#7': ['docs/index.md'] } };
    const { decision } = await decideFor(pullRequestEvent(byMember), { config, facts: changed });
    expect(started(decision)).toEqual(['unit', 'docs']);
  });

  it('elides skipped statuses when elide_skipped_contexts is set', async () => {
    const { decision } = await decideFor(pullRequestEvent(byMember), {
      config,
      facts,
      plugins: triggersYaml({ elideSkippedContexts: true }),
    });
    expect(started(decision)).toEqual(['unit']);
    expect(decision.actions).toEqual([]);
  });

  it('does not report jobs with skip_report', async () => {
    const quiet = presubmitsYaml(
      '  - name: release-only\n    always_run: true\n    branches: [release]\n    skip_report: true\n',
    );
    const { decision } = await decideFor(pullRequestEvent(byMember), { config: quiet, facts });
    expect(skipped(decision)).toEqual(['release-only']);
    expect(decision.actions).toEqual([]);
  });

  it("labels each job with what the reporter writes for it: the job's skip_report, the repo's settings", async () => {
    const jobs = presubmitsYaml(
      '  - name: quiet\n    always_run: true\n    skip_report: true\n  - name: loud\n    always_run: true\n',
    );
    const plugins = triggersYaml({ skipReportComment: true, showReportCompletionDuration: true });
    const { decision } = await decideFor(pullRequestEvent(byMember), { config: jobs, facts, plugins });
    const report = Object.fromEntries(
      decision.start.map((job) => [job.request.jobName, job.request.labels?.['lighthouse-ts.dev/report']]),
    );
    expect(report).toEqual({ quiet: 'running.duration', loud: 'status.running.duration' });
  });

  it('does not report a skipped context that a started job reports', async () => {
    const sharded = presubmitsYaml(`  - name: unit-master
    context: unit
    always_run: true
    branches: [master]
  - name: unit-release
    context: unit
    always_run: true
    branches: [release]
`);
    const { decision } = await decideFor(pullRequestEvent(byMember), { config: sharded, facts });
    expect(started(decision)).toEqual(['unit-master']);
    expect(decision.skip[0]?.why).toBe(
      'branch master does not match branches [release]; its context is reported by unit-master',
    );
    expect(decision.actions).toEqual([]);
  });

  it('by an untrusted author starts nothing, labels needs-ok-to-test and welcomes them', async () => {
    const { decision } = await decideFor(pullRequestEvent(byStranger), { config, facts });

    expect(decision.start).toEqual([]);
    expect(skipped(decision)).toEqual(['unit', 'docs', 'e2e', 'release-only']);
    expect(decision.skip[0]?.why).toBe(
      'stranger is not a collaborator of org/repo, nor a member of org; a trusted person must comment /ok-to-test',
    );
    expect(decision.actions).toEqual([
      { type: 'add-label', pullNumber: 7, label: 'needs-ok-to-test' },
      {
        type: 'comment',
        pullNumber: 7,
        body: expect.stringContaining("Hi @stranger. Thanks for your PR.\n\nI'm waiting for a [org]"),
        unlessAlreadyPosted: true,
      },
    ]);
  });

  it('by an untrusted author with ignore_ok_to_test: a welcome without the label', async () => {
    const { decision } = await decideFor(pullRequestEvent(byStranger), {
      config,
      facts,
      plugins: triggersYaml({ ignoreOkToTest: true }),
    });
    expect(decision.actions).toEqual([
      {
        type: 'comment',
        pullNumber: 7,
        body: expect.stringContaining(
          'PRs from untrusted users cannot be marked as trusted with `/ok-to-test`',
        ),
        unlessAlreadyPosted: true,
      },
    ]);
  });

  it('trusts a GitHub author_association of MEMBER without asking', async () => {
    const { decision, asked } = await decideFor(
      pullRequestEvent({ ...byStranger, authorAssociation: 'MEMBER' }),
      { config, facts },
    );
    expect(started(decision)).toEqual(['unit']);
    expect(asked).toEqual(['changedFiles org/repo#7']);
  });

  it('with only_org_members: a collaborator is not trusted', async () => {
    const collaborators = { ...facts, collaborators: { 'org/repo': ['stranger'] } };
    const trusting = await decideFor(pullRequestEvent(byStranger), { config, facts: collaborators });
    expect(started(trusting.decision)).toEqual(['unit']);
    const strict = await decideFor(pullRequestEvent(byStranger), {
      config,
      facts: collaborators,
      plugins: triggersYaml({ onlyOrgMembers: true }),
    });
    expect(strict.decision.start).toEqual([]);
  });

  it('by a member of trusted_org runs', async () => {
    const { decision } = await decideFor(pullRequestEvent({ author: { id: '3', login: 'friend' } }), {
      config,
      facts: { ...facts, members: { friends: ['friend'] } },
      plugins: triggersYaml({ trustedOrg: 'friends' }),
    });
    expect(started(decision)).toEqual(['unit']);
  });

  it('by the bot runs', async () => {
    const { decision } = await decideFor(pullRequestEvent({ author: { id: '4', login: 'lh-bot' } }), {
      config,
      facts,
      botName: 'lh-bot',
    });
    expect(started(decision)).toEqual(['unit']);
  });

  it('by a trusted app runs', async () => {
    const { decision } = await decideFor(pullRequestEvent({ author: { id: '5', login: 'renovate[bot]' } }), {
      config,
      facts,
      plugins: triggersYaml({ trustedApps: ['renovate'] }),
    });
    expect(started(decision)).toEqual(['unit']);
  });

  it('asks the provider for what a GitLab payload lacks: the author and the base SHA', async () => {
    const gitlab = pullRequestEvent({
      provider: 'gitlab',
      author: { id: '51764' },
      base: { ref: 'master' },
    });
    const { decision, asked } = await decideFor(gitlab, {
      config,
      facts: { ...facts, pullRequests: { 'org/repo#7': openPullRequest({ author: 'member' }) } },
    });
    expect(started(decision)).toEqual(['unit']);
    expect(decision.start[0]?.request.pullRefs.baseSha).toBe(baseSha);
    expect(decision.start[0]?.request.pullRefs.pulls?.[0]?.author).toBe('member');
    // Asked once, though needed twice.
    expect(asked.filter((question) => question.startsWith('pullRequest'))).toEqual([
      'pullRequest org/repo#7',
    ]);
  });

  it('asks for the clone URL when the payload has none', async () => {
    const { decision } = await decideFor(
      pullRequestEvent({ ...byMember, repo: { owner: 'org', name: 'repo' } }),
      { config, facts: { ...facts, cloneUrls: { 'org/repo': 'https://git.example.com/scm/org/repo.git' } } },
    );
    expect(decision.start[0]?.request.pullRefs.sourceUrl).toBe('https://git.example.com/scm/org/repo.git');
  });
});

describe('a pull request updated', () => {
  it('synchronize by a trusted author runs again and supersedes the runs on the old head', async () => {
    const { decision } = await decideFor(pullRequestEvent({ ...byMember, action: 'synchronize' }), {
      config,
      facts,
    });
    expect(started(decision)).toEqual(['unit']);
    expect(decision.cancel).toEqual([{ pullNumber: 7, jobNames: ['unit'], headSha }]);
  });

  it('synchronize by an untrusted author starts and cancels nothing, and posts nothing', async () => {
    const { decision } = await decideFor(pullRequestEvent({ ...byStranger, action: 'synchronize' }), {
      config,
      facts,
    });
    expect(decision).toMatchObject({ start: [], cancel: [], actions: [] });
    expect(decision.skip[0]?.why).toBe(
      'stranger is not a collaborator of org/repo, nor a member of org, and the PR is not labelled ok-to-test',
    );
  });

  it('synchronize of an untrusted PR labelled ok-to-test runs, and drops needs-ok-to-test', async () => {
    const { decision } = await decideFor(
      pullRequestEvent({ ...byStranger, action: 'synchronize', labels: ['ok-to-test', 'needs-ok-to-test'] }),
      { config, facts },
    );
    expect(started(decision)).toEqual(['unit']);
    expect(decision.actions[0]).toEqual({ type: 'remove-label', pullNumber: 7, label: 'needs-ok-to-test' });
  });

  it('reopened runs without superseding anything', async () => {
    const { decision } = await decideFor(pullRequestEvent({ ...byMember, action: 'reopened' }), {
      config,
      facts,
    });
    expect(started(decision)).toEqual(['unit']);
    expect(decision.cancel).toEqual([]);
  });

  it('edited starts nothing: the event does not say whether the base changed', async () => {
    const { decision, asked } = await decideFor(pullRequestEvent({ ...byMember, action: 'edited' }), {
      config,
      facts,
    });
    expect(decision.start).toEqual([]);
    expect(decision.summary).toBe(
      'PR #7 edited: an edit re-tests only when the base branch changed, which this event does not say',
    );
    expect(asked).toEqual([]);
  });

  it('closed from GitLab, which names no author, asks the provider nothing', async () => {
    const { decision, asked } = await decideFor(
      pullRequestEvent({ provider: 'gitlab', action: 'closed', author: { id: '51764' } }),
      { config, facts },
    );
    expect(decision.start).toEqual([]);
    expect(asked).toEqual([]);
  });

  it('closed starts nothing', async () => {
    const { decision } = await decideFor(pullRequestEvent({ ...byMember, action: 'closed' }), {
      config,
      facts,
    });
    expect(decision.start).toEqual([]);
  });
});

describe('draft pull requests', () => {
  const draft = { ...byMember, draft: true };

  it('run as any other without skip_draft_pr', async () => {
    const { decision } = await decideFor(pullRequestEvent(draft), { config, facts });
    expect(started(decision)).toEqual(['unit']);
  });

  it('with skip_draft_pr start nothing, label needs-ok-to-test and explain once', async () => {
    const { decision } = await decideFor(pullRequestEvent(draft), {
      config,
      facts,
      plugins: triggersYaml({ skipDraftPr: true }),
    });
    expect(decision.start).toEqual([]);
    expect(decision.skip[0]?.why).toBe(
      'the PR is a draft and skip_draft_pr is set, and the PR is not labelled ok-to-test',
    );
    expect(decision.actions).toEqual([
      { type: 'add-label', pullNumber: 7, label: 'needs-ok-to-test' },
      {
        type: 'comment',
        pullNumber: 7,
        body: expect.stringContaining(
          'This is a draft PR with the scheduler `trigger.SkipDraftPR` parameter enabled',
        ),
        unlessAlreadyPosted: true,
      },
    ]);
  });

  it('with skip_draft_pr run when labelled ok-to-test', async () => {
    const { decision } = await decideFor(pullRequestEvent({ ...draft, labels: ['ok-to-test'] }), {
      config,
      facts,
      plugins: triggersYaml({ skipDraftPr: true }),
    });
    expect(started(decision)).toEqual(['unit']);
  });

  it('ready_for_review with skip_draft_pr runs', async () => {
    const { decision } = await decideFor(pullRequestEvent({ ...byMember, action: 'ready_for_review' }), {
      config,
      facts,
      plugins: triggersYaml({ skipDraftPr: true }),
    });
    expect(started(decision)).toEqual(['unit']);
  });

  it('ready_for_review with skip_draft_pr does not run again what ok-to-test already ran', async () => {
    const { decision } = await decideFor(
      pullRequestEvent({ ...byMember, action: 'ready_for_review', labels: ['ok-to-test'] }),
      { config, facts, plugins: triggersYaml({ skipDraftPr: true }) },
    );
    expect(decision.start).toEqual([]);
  });

  it('ready_for_review without skip_draft_pr starts nothing: the draft already ran', async () => {
    const { decision } = await decideFor(pullRequestEvent({ ...byMember, action: 'ready_for_review' }), {
      config,
      facts,
    });
    expect(decision.start).toEqual([]);
  });
});

describe('labels', () => {
  it('lgtm on an untrusted PR builds it once', async () => {
    const { decision } = await decideFor(
      pullRequestEvent({ ...byStranger, action: 'labeled', label: 'lgtm' }),
      {
        config,
        facts,
      },
    );
    expect(started(decision)).toEqual(['unit']);
    expect(decision.actions.filter((action) => action.type !== 'status')).toEqual([]);
  });

  it('lgtm on a trusted PR starts nothing: its jobs already ran', async () => {
    const { decision } = await decideFor(
      pullRequestEvent({ ...byMember, action: 'labeled', label: 'lgtm' }),
      {
        config,
        facts,
      },
    );
    expect(decision.start).toEqual([]);
  });

  it.each(['ok-to-test', 'bug'])('%s starts nothing', async (label) => {
    const { decision } = await decideFor(pullRequestEvent({ ...byStranger, action: 'labeled', label }), {
      config,
      facts,
    });
    expect(decision.start).toEqual([]);
  });
});

describe('repositories the trigger does not serve', () => {
  it('no presubmits: nothing, not even a welcome', async () => {
    const { decision } = await decideFor(pullRequestEvent(byStranger), { config: '{}', facts });
    expect(decision).toEqual({
      summary: 'PR #7 opened: no presubmits for org/repo',
      start: [],
      skip: [],
      cancel: [],
      actions: [],
    });
  });

  it('the trigger plugin not enabled: nothing', async () => {
    const { decision } = await decideFor(pullRequestEvent(byMember), {
      config,
      facts,
      plugins: 'plugins:\n  org: [lgtm]\n',
    });
    expect(decision.start).toEqual([]);
    expect(decision.summary).toBe('the trigger plugin is not enabled for org/repo');
    expect(skipped(decision)).toEqual(['unit', 'docs', 'e2e', 'release-only']);
  });
});
