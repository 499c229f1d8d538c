import type { TriggerContext } from './context.ts';
import { okToTestLabel } from './messages.ts';
import { trustedUser } from './trusted-user.ts';

export interface PullRequestTrust {
  /** Whether its jobs may run. */
  toTrigger: boolean;
  hasOkToTest: boolean;
  why: string;
}

/**
 * Lighthouse's `TrustedOrDraftPullRequest`: a trusted author's PR (unless it is a draft and skip_draft_pr is
 * set), or any PR a trusted person marked `ok-to-test`.
 */
export async function trustedOrDraftPullRequest(
  context: TriggerContext,
  pull: { author: string; authorAssociation?: string; draft: boolean; labels: readonly string[] },
): Promise<PullRequestTrust> {
  const { repo, facts, botName } = context;
  const author = await trustedUser(facts, repo.trigger, botName, {
    user: pull.author,
    org: repo.owner,
    repo: repo.name,
    association: pull.authorAssociation,
  });
  const hasOkToTest = pull.labels.includes(okToTestLabel);
  if (author.trusted && (!repo.trigger.skipDraftPr || !pull.draft)) {
    return { toTrigger: true, hasOkToTest, why: author.why };
  }
  if (hasOkToTest) return { toTrigger: true, hasOkToTest, why: `the PR is labelled ${okToTestLabel}` };
  const draft = author.trusted ? 'the PR is a draft and skip_draft_pr is set' : author.why;
  return { toTrigger: false, hasOkToTest, why: `${draft}, and the PR is not labelled ${okToTestLabel}` };
}
