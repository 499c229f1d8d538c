import type { TriggerSettings } from '@lighthouse-ts/config';

// Lighthouse's texts (pkg/plugins/trigger, pkg/plugins/respond.go), so users see what they are used to.
const aboutThisBot =
  'Instructions for interacting with me using PR comments are available [here](https://git.k8s.io/community/contributors/guide/pull-requests.md).  If you have questions or suggestions related to my behavior, please file an issue against the [jenkins-x/lighthouse](https://github.com/jenkins-x/lighthouse/issues/new?title=Command%20issue:) repository.';

export const okToTestLabel = 'ok-to-test';
export const needsOkToTestLabel = 'needs-ok-to-test';
export const lgtmLabel = 'lgtm';

/** Go's url.QueryEscape: spaces become `+`. */
const queryEscape = (text: string) => encodeURIComponent(text).replace(/%20/g, '+');

export function welcomeMessage(trigger: TriggerSettings, org: string, repo: string, author: string): string {
  const commandsLink = `https://jenkins-x.io/v3/develop/reference/chatops/?repo=${queryEscape(`${org}/${repo}`)}`;
  if (trigger.ignoreOkToTest) {
    return `Hi @${author}. Thanks for your PR.

PRs from untrusted users cannot be marked as trusted with \`/ok-to-test\` in this repo meaning untrusted PR authors can never trigger tests themselves. Collaborators can still trigger tests on the PR using \`/test all\`.

I understand the commands that are listed [here](${commandsLink}).

<details>

${aboutThisBot}
</details>
`;
  }
  const more =
    trigger.trustedOrg !== '' && trigger.trustedOrg !== org
      ? `or [${trigger.trustedOrg}](https://github.com/orgs/${trigger.trustedOrg}/people) `
      : '';
  const joinOrgUrl = trigger.joinOrgUrl || `https://github.com/orgs/${org}/people`;
  return `Hi @${author}. Thanks for your PR.

I'm waiting for a [${org}](https://github.com/orgs/${org}/people) ${more}member to verify that this patch is reasonable to test. If it is, they should reply with \`/ok-to-test\` on its own line. Until that is done, I will not automatically test new commits in this PR, but the usual testing commands by org members will still work. Regular contributors should [join the org](${joinOrgUrl}) to skip this step.

Once the patch is verified, the new status will be reflected by the \`${okToTestLabel}\` label.

I understand the commands that are listed [here](${commandsLink}).

<details>

${aboutThisBot}
</details>
`;
}

export function draftMessage(trigger: TriggerSettings): string {
  const advice = trigger.ignoreOkToTest
    ? 'Draft PRs cannot trigger pipelines with `/ok-to-test` in this repository. Collaborators can still trigger pipelines on the Draft PR using `/test all`.'
    : 'To trigger pipelines on this draft PR, please mark it as ready for review by removing the draft status if you are trusted. Collaborators can also trigger tests on draft PRs using `/ok-to-test`.';
  return `This is a draft PR with the scheduler \`trigger.SkipDraftPR\` parameter enabled on this repository.
${advice}
<details>

${aboutThisBot}
</details>
`;
}

export const cannotTriggerReply =
  'Cannot trigger testing until a trusted user reviews the PR and leaves an `/ok-to-test` message.';

/** Lighthouse's `FormatResponseRaw`: quote the comment, then reply to its author. */
export function replyTo(comment: { body: string; link?: string; author: string }, reply: string): string {
  const quoted = comment.body
    .split('\n')
    .map((line) => `>${line}`)
    .join('\n');
  const reason = `In response to [this](${comment.link ?? ''}):\n\n${quoted}\n`;
  return `@${comment.author}: ${reply}\n\n<details>\n\n${reason}\n\n${aboutThisBot}\n</details>`;
}
