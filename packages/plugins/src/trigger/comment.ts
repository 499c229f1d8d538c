import type { CommitStatus, PullRequestCommentEvent } from '@lighthouse-ts/scm';
import type { Decision, ProviderAction } from '../contract.ts';
import { hasTriggerCommand, okToTestPattern, retestPattern, testAllPattern } from './commands.ts';
import type { TriggerContext } from './context.ts';
import { allSkipped, nothing } from './decision.ts';
import type { PullRequestKey } from './facts.ts';
import {
  aggregateFilter,
  commandFilter,
  type Filter,
  filterPresubmits,
  retestFilter,
  testAllFilter,
} from './filters.ts';
import { cannotTriggerReply, needsOkToTestLabel, okToTestLabel, replyTo } from './messages.ts';
import { sourceRepo } from './requests.ts';
import { runAndSkip } from './run-and-skip.ts';
import { trustedOrDraftPullRequest } from './trusted-pull-request.ts';
import { trustedUser } from './trusted-user.ts';

/** Lighthouse's `handleGenericComment` for `/test`, `/retest` and `/ok-to-test` (and their `/lh-` forms). */
export async function decideComment(
  event: PullRequestCommentEvent,
  context: TriggerContext,
): Promise<Decision> {
  const { repo, facts } = context;
  const skipAll = (why: string, actions: ProviderAction[] = []) =>
    nothing(`comment on PR #${event.number}: ${why}`, allSkipped(repo.presubmits, why), actions);
  if (!hasTriggerCommand(event.body, context.customTriggerCommand)) {
    return skipAll('it holds no /test, /retest or /ok-to-test command');
  }
  const key: PullRequestKey = { repo: { owner: repo.owner, name: repo.name }, number: event.number };
  const pr = await facts.pullRequest(key);
  if (!pr.open) return skipAll('the PR is not open');

  const commenter = await trustedUser(facts, repo.trigger, context.botName, {
    user: event.author.login,
    org: repo.owner,
    repo: repo.name,
    association: event.authorAssociation,
  });
  const labels = await facts.prLabels(key);
  let trusted = commenter.why;
  if (!commenter.trusted) {
    const trust = await trustedOrDraftPullRequest(context, { ...pr, labels });
    if (!trust.toTrigger) {
      const reply = replyTo({ ...event, author: event.author.login }, cannotTriggerReply);
      return skipAll(`${commenter.why}; ${trust.why}`, [
        { type: 'comment', pullNumber: event.number, body: reply, unlessAlreadyPosted: true },
      ]);
    }
    trusted = `${commenter.why}, but the PR is trusted: ${trust.why}`;
  }

  const actions: ProviderAction[] = [];
  const okToTest = !repo.trigger.ignoreOkToTest && okToTestPattern.test(event.body);
  if (okToTest && !labels.includes(okToTestLabel)) {
    actions.push({ type: 'add-label', pullNumber: event.number, label: okToTestLabel });
  }
  if ((okToTest || labels.includes(okToTestLabel)) && labels.includes(needsOkToTestLabel)) {
    actions.push({ type: 'remove-label', pullNumber: event.number, label: needsOkToTestLabel });
  }

  const asked = await askedByComment(event.body, okToTest, () => facts.combinedStatus(key.repo, pr.head.sha));
  const filtered = await filterPresubmits(asked, () => facts.changedFiles(key), pr.base.ref, repo.presubmits);
  const pull = async () => ({
    repo: await sourceRepo(event.repo, facts),
    number: event.number,
    head: { sha: pr.head.sha },
    base: pr.base,
    author: pr.author,
    title: pr.title,
    link: pr.link,
  });
  const decided = await runAndSkip(filtered, pull, pr.head.sha, { event, trigger: repo.trigger });
  return {
    summary: `comment on PR #${event.number} (${trusted}): ${decided.start.length} of ${repo.presubmits.length} presubmits run`,
    start: decided.start,
    skip: decided.skip,
    cancel: [],
    actions: [...actions, ...decided.actions],
  };
}

/**
 * The jobs a comment asks for, most specific first: a job it names is forced; `/retest` (the failed
 * contexts, read only then) and `/test all` or `/ok-to-test` only ask.
 */
export async function askedByComment(
  body: string,
  okToTest: boolean,
  statuses: () => Promise<readonly CommitStatus[]>,
): Promise<Filter> {
  const filters: Filter[] = [commandFilter(body)];
  if (retestPattern.test(body)) {
    const all = await statuses();
    const failed = all.filter((status) => status.state === 'failure' || status.state === 'error');
    filters.push(
      retestFilter(new Set(failed.map((status) => status.context)), new Set(all.map((s) => s.context))),
    );
  }
  if (okToTest || testAllPattern.test(body)) filters.push(testAllFilter);
  return aggregateFilter(filters);
}
