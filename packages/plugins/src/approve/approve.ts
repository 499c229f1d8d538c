import type { ApproveSettings } from '@lighthouse-ts/config';
import type { Provider, WebhookEvent } from '@lighthouse-ts/scm';
import type { ChatOpsPlugin } from '../chatops/plugins.ts';
import type { ProviderAction } from '../contract.ts';
import type { PullRequestComment } from '../trigger/facts.ts';
import {
  approversOf,
  leafApprovers,
  type OwnersTree,
  ownersGroups,
  ownersPath,
  readOwners,
} from './owners.ts';

export const approvedLabel = 'approved';
/** The first line of the notification, found again by it (Lighthouse's `[APPROVALNOTIFIER]`). */
export const approvalMarker = '[APPROVALNOTIFIER]';

// Lighthouse reads approvals with a looser pattern than its commands: anything may follow on the line.
const approvalLine = /^\/(?:lh-)?(lgtm|approve)(?:[ \t]+(no-issue|cancel))?(?:[ \t].*)?$/i;

type How = 'Approved' | 'LGTM' | 'Author self-approved';

/**
 * Lighthouse's approve: the `approved` label and one notification comment saying which OWNERS files still
 * need whose approval, computed again on `/approve`, `/approve cancel` (and `/lgtm` with
 * `lgtm_acts_as_approve`), a review, and a pull request opened, reopened or pushed to. Each changed file
 * needs an approval from an approver of its OWNERS (or one above it, up to `no_parent_owners`), read at the
 * pull request's base. Anyone's command counts only if they are an approver of some file, and (unless
 * `owners.skip_collaborators` lists the repository) a collaborator.
 */
export const approve: ChatOpsPlugin = async (event, context) => {
  const settings = context.repo.approve;
  if (!concerns(event, settings)) return [];
  const pr = { repo: event.repo, number: event.number };
  const pull = await context.facts.pullRequest(pr);
  if (!pull.open) return [];
  const labels = event.type === 'pull_request' ? event.labels : await context.facts.prLabels(pr);
  // Lighthouse leaves pull requests of its update bot alone (ignore_updatebot, on by default).
  if (labels.includes('updatebot')) return [];
  const [changed, bot, listed, reviews] = await Promise.all([
    context.facts.changedFiles(pr),
    context.facts.botLogin(),
    context.facts.comments(pr),
    settings.ignoreReviewState ? [] : context.facts.reviews(pr),
  ]);
  const tree = await readOwners(changed, (path) => context.facts.fileAt(event.repo, pull.base.sha, path));
  const comments = [...listed];
  // The comment being delivered may not be listed yet.
  if (event.type === 'pull_request_comment' && !comments.some((c) => c.id === event.commentId)) {
    comments.push({ id: event.commentId, author: event.author.login, body: event.body });
  }
  const people = comments.filter((c) => c.author.toLowerCase() !== bot.toLowerCase());
  const approvals = approvalsOf(people, reviews, pull.author, settings);
  const mayApprove = new Set(changed.flatMap((file) => [...approversOf(tree, file)]));
  for (const login of approvals.keys()) {
    const counts =
      mayApprove.has(login) &&
      (context.repo.ownersSkipCollaborators ||
        (await context.facts.isCollaborator(event.repo.owner, event.repo.name, login)));
    if (!counts) approvals.delete(login);
  }
  const state = approvalState(tree, changed, approvals, pull.author);
  const has = labels.includes(approvedLabel);
  const actions: ProviderAction[] = [];
  if (state.approved !== has) {
    actions.push({
      type: state.approved ? 'add-label' : 'remove-label',
      pullNumber: event.number,
      label: approvedLabel,
    });
  }
  actions.push({
    type: 'comment',
    pullNumber: event.number,
    body: notification(state, approvals, tree, event.provider),
    replacing: approvalMarker,
  });
  return actions;
};

/**
 * Whether the event may change the approval: an approval command (`/lgtm` only when it approves), a
 * review, or new code.
 */
function concerns(
  event: WebhookEvent,
  settings: ApproveSettings,
): event is WebhookEvent & { type: 'pull_request' | 'pull_request_comment' | 'review' } {
  if (event.type === 'pull_request') return ['opened', 'reopened', 'synchronize'].includes(event.action);
  if (event.type === 'review') return true;
  if (event.type !== 'pull_request_comment') return false;
  return event.body.split('\n').some((line) => {
    const command = approvalLine.exec(line.replace(/\r$/, '').trimEnd())?.[1]?.toLowerCase();
    return command === 'approve' || (command === 'lgtm' && settings.lgtmActsAsApprove);
  });
}

/** Who approved, oldest comment first, then each reviewer's last review; lower-cased logins. */
function approvalsOf(
  comments: readonly PullRequestComment[],
  reviews: readonly { author: string; state: string; body: string }[],
  author: string,
  settings: ApproveSettings,
): Map<string, How> {
  const approvals = new Map<string, How>();
  if (!settings.requireSelfApproval) approvals.set(author.toLowerCase(), 'Author self-approved');
  const readCommands = (login: string, body: string) => {
    for (const line of body.split('\n')) {
      const match = approvalLine.exec(line.replace(/\r$/, '').trimEnd());
      if (!match) continue;
      const command = (match[1] as string).toLowerCase();
      if ((match[2] ?? '').toLowerCase() === 'cancel') approvals.delete(login);
      else if (command === 'approve') approvals.set(login, 'Approved');
      else if (settings.lgtmActsAsApprove) approvals.set(login, 'LGTM');
    }
  };
  for (const comment of comments) readCommands(comment.author.toLowerCase(), comment.body);
  for (const review of reviews) {
    const login = review.author.toLowerCase();
    readCommands(login, review.body);
    if (review.state === 'approved') approvals.set(login, 'Approved');
    if (review.state === 'changes_requested') approvals.delete(login);
  }
  return approvals;
}

interface ApprovalState {
  approved: boolean;
  /** Each needed OWNERS file, by directory: whether it is approved, and by whom. */
  groups: { dir: string; approvedBy: string[] }[];
  /** Approvers to ask, who between them could approve what is left. */
  suggested: string[];
}

function approvalState(
  tree: OwnersTree,
  changed: readonly string[],
  approvals: ReadonlyMap<string, How>,
  author: string,
): ApprovalState {
  const approvers = new Map(changed.map((file) => [file, approversOf(tree, file)]));
  const approvedBy = (file: string) =>
    [...approvals.keys()].filter((login) => approvers.get(file)?.has(login));
  const groups = [...ownersGroups(tree, changed)].map(([dir, files]) => ({
    dir,
    approvedBy: files.every((file) => approvedBy(file).length > 0)
      ? [...new Set(files.flatMap(approvedBy))].sort()
      : [],
  }));
  // Greedy, as Lighthouse: whoever approves most of what is left, first (ties by name, for a stable text).
  let left = changed.filter((file) => approvedBy(file).length === 0);
  const candidates = [...new Set(left.flatMap((file) => leafApprovers(tree, file)))]
    .filter((login) => login !== author.toLowerCase())
    .sort();
  const suggested: string[] = [];
  while (left.length > 0) {
    const covers = (login: string) => left.filter((file) => approvers.get(file)?.has(login)).length;
    const best = candidates.reduce<string | undefined>(
      (top, login) => (covers(login) > (top === undefined ? 0 : covers(top)) ? login : top),
      undefined,
    );
    if (best === undefined) break;
    suggested.push(best);
    left = left.filter((file) => !approvers.get(file)?.has(best));
  }
  return { approved: groups.every((group) => group.approvedBy.length > 0), groups, suggested };
}

function notification(
  state: ApprovalState,
  approvals: ReadonlyMap<string, How>,
  tree: OwnersTree,
  provider: Provider,
): string {
  const lines = [`${approvalMarker} This PR is **${state.approved ? 'APPROVED' : 'NOT APPROVED'}**`, ''];
  const by = [...approvals].map(([login, how]) => `*${login}* (${how})`);
  lines.push(
    by.length > 0
      ? `This pull-request has been approved by: ${by.join(', ')}`
      : 'This pull-request has not been approved yet.',
  );
  if (!state.approved && state.suggested.length > 0) {
    // GitLab keeps /assign for itself; Bitbucket Server's logins may need quotes.
    const command = provider === 'gitlab' ? '/lh-assign' : '/assign';
    const login = (name: string) => (provider === 'bitbucketserver' ? `@"${name}"` : `@${name}`);
    lines.push(
      `To complete the pull request process, please assign ${state.suggested.map((name) => `**${name}**`).join(', ')}.`,
      `You can assign the PR to them by writing \`${command} ${state.suggested.map(login).join(' ')}\` in a comment when ready.`,
    );
  }
  lines.push(
    '',
    state.approved ? '<details>' : '<details open>',
    '',
    'Needs approval from an approver in each of these files:',
    '',
  );
  for (const group of state.groups) {
    const path = `\`${ownersPath(group.dir)}\``;
    lines.push(
      group.approvedBy.length > 0 ? `- ~~${path}~~ [${group.approvedBy.join(', ')}]` : `- **${path}**`,
    );
  }
  if (tree.unreadable.length > 0) {
    lines.push('', 'These could not be read, and were left out:', '');
    for (const { path, reason } of tree.unreadable) lines.push(`- \`${path}\`: ${reason.split('\n')[0]}`);
  }
  lines.push(
    '',
    'Approvers can indicate their approval by writing `/approve` in a comment',
    'Approvers can cancel approval by writing `/approve cancel` in a comment',
    '</details>',
    `<!-- META=${JSON.stringify({ approvers: state.suggested })} -->`,
  );
  return lines.join('\n');
}
