import type { PullRequestEvent } from '@lighthouse-ts/scm';
import type { Decision, ProviderAction } from '../contract.ts';
import type { TriggerContext } from './context.ts';
import { allSkipped, nothing } from './decision.ts';
import type { PullRequestKey } from './facts.ts';
import { filterPresubmits, testAllFilter } from './filters.ts';
import { draftMessage, lgtmLabel, needsOkToTestLabel, welcomeMessage } from './messages.ts';
import { type PullToBuild, sourceRepo } from './requests.ts';
import { runAndSkip } from './run-and-skip.ts';
import { trustedOrDraftPullRequest } from './trusted-pull-request.ts';
import { trustedUser } from './trusted-user.ts';

/** Lighthouse's `handlePR`. */
export async function decidePullRequest(event: PullRequestEvent, context: TriggerContext): Promise<Decision> {
  const { repo, facts } = context;
  const pr = `PR #${event.number}`;
  if (repo.presubmits.length === 0)
    return nothing(`${pr} ${event.action}: no presubmits for ${fullName(context)}`);
  const skipAll = (why: string, actions: ProviderAction[] = []) =>
    nothing(`${pr} ${event.action}: ${why}`, allSkipped(repo.presubmits, why), actions);
  const key: PullRequestKey = { repo: { owner: repo.owner, name: repo.name }, number: event.number };
  // GitLab names the author only when the author is also the one acting; asked only when needed.
  const authorLogin = async () => event.author.login ?? (await facts.pullRequest(key)).author;

  switch (event.action) {
    case 'opened': {
      const author = await authorLogin();
      const trust = await trustedUser(facts, repo.trigger, context.botName, {
        user: author,
        org: repo.owner,
        repo: repo.name,
        association: event.authorAssociation,
      });
      if (!trust.trusted) {
        const actions: ProviderAction[] = [];
        if (!repo.trigger.ignoreOkToTest) {
          actions.push({ type: 'add-label', pullNumber: event.number, label: needsOkToTestLabel });
        }
        const welcome = welcomeMessage(repo.trigger, repo.owner, repo.name, author);
        // A redelivery of the same event must not welcome them twice.
        actions.push({ type: 'comment', pullNumber: event.number, body: welcome, unlessAlreadyPosted: true });
        return skipAll(`${trust.why}; a trusted person must comment /ok-to-test`, actions);
      }
      return buildAllIfTrustedOrDraft(event, author, context);
    }
    case 'edited':
      // Lighthouse re-tests an edit only when the base branch changed; the event model cannot tell.
      return skipAll('an edit re-tests only when the base branch changed, which this event does not say');
    case 'reopened':
    case 'synchronize':
      return buildAllIfTrustedOrDraft(event, await authorLogin(), context);
    case 'ready_for_review':
      if (repo.trigger.skipDraftPr) return buildAllIfTrustedOrDraft(event, await authorLogin(), context);
      return skipAll('its jobs ran while it was a draft (skip_draft_pr is off)');
    case 'labeled': {
      if (event.label !== lgtmLabel) {
        return skipAll(
          `label ${event.label ?? ''} starts nothing (only ${lgtmLabel} on an untrusted or draft PR)`,
        );
      }
      const author = await authorLogin();
      const trust = await trustedOrDraftPullRequest(context, {
        author,
        authorAssociation: event.authorAssociation,
        draft: event.draft,
        labels: event.labels,
      });
      if (trust.toTrigger) return skipAll(`${lgtmLabel} on a trusted PR: its jobs already ran`);
      return buildAll(event, author, context, [], `${lgtmLabel} on an untrusted or draft PR builds it once`);
    }
    case 'closed':
      return skipAll('a closed PR starts nothing');
  }
}

async function buildAllIfTrustedOrDraft(
  event: PullRequestEvent,
  author: string,
  context: TriggerContext,
): Promise<Decision> {
  const { repo } = context;
  const trust = await trustedOrDraftPullRequest(context, {
    author,
    authorAssociation: event.authorAssociation,
    draft: event.draft,
    labels: event.labels,
  });
  const actions: ProviderAction[] = [];
  const summary = (why: string) => `PR #${event.number} ${event.action}: ${why}`;
  if (trust.toTrigger) {
    if (event.labels.includes(needsOkToTestLabel)) {
      actions.push({ type: 'remove-label', pullNumber: event.number, label: needsOkToTestLabel });
    }
    // Marked ok-to-test while a draft, its jobs already ran then.
    if (event.action === 'ready_for_review' && repo.trigger.skipDraftPr && trust.hasOkToTest) {
      const why = 'its jobs already ran while it was a draft labelled ok-to-test';
      return nothing(summary(why), allSkipped(repo.presubmits, why), actions);
    }
    return buildAll(event, author, context, actions, trust.why);
  }
  if (repo.trigger.skipDraftPr && event.draft) {
    if (!repo.trigger.ignoreOkToTest) {
      actions.push({ type: 'add-label', pullNumber: event.number, label: needsOkToTestLabel });
    }
    actions.push({
      type: 'comment',
      pullNumber: event.number,
      body: draftMessage(repo.trigger),
      unlessAlreadyPosted: true,
    });
  }
  return nothing(summary(trust.why), allSkipped(repo.presubmits, trust.why), actions);
}

/** Lighthouse's `buildAll`: the presubmits that run without being asked, against the PR's changes. */
async function buildAll(
  event: PullRequestEvent,
  author: string,
  context: TriggerContext,
  actions: ProviderAction[],
  why: string,
): Promise<Decision> {
  const { repo, facts } = context;
  const key: PullRequestKey = { repo: { owner: repo.owner, name: repo.name }, number: event.number };
  const filtered = await filterPresubmits(
    testAllFilter,
    () => facts.changedFiles(key),
    event.base.ref,
    repo.presubmits,
  );
  const pull = async (): Promise<PullToBuild> => ({
    repo: await sourceRepo(event.repo, facts),
    number: event.number,
    head: { sha: event.head.sha },
    // GitLab does not send the base SHA.
    base: { ref: event.base.ref, sha: event.base.sha ?? (await facts.pullRequest(key)).base.sha },
    author,
    title: event.title,
    link: event.link,
  });
  const decided = await runAndSkip(filtered, pull, event.head.sha, { event, trigger: repo.trigger });
  const started = decided.start.map((job) => job.request.jobName);
  return {
    summary: `PR #${event.number} ${event.action} (${why}): ${started.length} of ${repo.presubmits.length} presubmits run`,
    start: decided.start,
    skip: decided.skip,
    // A new head supersedes the runs of the same jobs on older heads.
    cancel:
      event.action === 'synchronize' && started.length > 0
        ? [{ pullNumber: event.number, jobNames: started, headSha: event.head.sha }]
        : [],
    actions: [...actions, ...decided.actions],
  };
}

const fullName = (context: TriggerContext) => `${context.repo.owner}/${context.repo.name}`;
