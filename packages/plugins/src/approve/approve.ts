import type { ApproveSettings } from '@lighthouse-ts/config';
import type { Provider, Review, WebhookEvent } from '@lighthouse-ts/scm';
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

// Lighthouse reads approvals with a looser pattern than its commands: anything may follow on the line. An
// argument that says `cancel` anywhere cancels (Lighthouse: only first), `no-issue` only first.
const approvalLine = /^\/(?:lh-)?(lgtm|approve)(?:[ \t]+(.*))?$/i;

type How = 'Approved' | 'LGTM' | 'Author self-approved';

interface Approval {
  how: How;
  /** `/approve no-issue`: approved without a linked issue (for `issue_required`). */
  noIssue: boolean;
}

/** Most directories whose OWNERS one decision reads: a change touching more is not judged. */
export const maxOwnersDirectories = 500;
/** Most approvers the notification suggests. */
const maxSuggested = 10;

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
  const tree = await readOwners(changed, maxOwnersDirectories, (path) =>
    context.facts.fileAt(event.repo, pull.base.sha, path),
  );
  const comments = [...listed];
  // The comment being delivered may not be listed yet.
  if (event.type === 'pull_request_comment' && !comments.some((c) => c.id === event.commentId)) {
    comments.push({ id: event.commentId, author: event.author.login, body: event.body });
  }
  const people = <T extends { author: string }>(said: readonly T[]) =>
    said.filter((c) => c.author.toLowerCase() !== bot.toLowerCase());
  const approvals = approvalsOf(people(comments), people(reviews), pull.author, settings);
  const mayApprove = new Set(changed.flatMap((file) => [...approversOf(tree, file)]));
  for (const login of approvals.keys()) {
    const counts =
      mayApprove.has(login) &&
      (context.repo.ownersSkipCollaborators ||
        (await context.facts.isCollaborator(event.repo.owner, event.repo.name, login)));
    if (!counts) approvals.delete(login);
  }
  const state = approvalState(tree, changed, approvals, pull.author, settings);
  const has = labels.includes(approvedLabel);
  const actions: ProviderAction[] = [];
  // A change too large to judge, or an OWNERS file that could not be read, leaves the label as people set it.
  if (judged(tree) && state.approved !== has) {
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
  return commandsIn(event.body, settings).length > 0;
}

/** The approval commands in a comment: `/lgtm` counts only with `lgtm_acts_as_approve`, as in Lighthouse. */
function commandsIn(body: string, settings: ApproveSettings): { lgtm: boolean; args: string }[] {
  return body.split('\n').flatMap((line) => {
    const match = approvalLine.exec(line.replace(/\r$/, '').trimEnd());
    if (!match) return [];
    const lgtm = (match[1] as string).toLowerCase() === 'lgtm';
    return lgtm && !settings.lgtmActsAsApprove ? [] : [{ lgtm, args: (match[2] ?? '').toLowerCase() }];
  });
}

/**
 * Who approved, lower-cased, reading comments and reviews in the order they were written. What has no time
 * comes after: reviews that stand as they are now (GitLab's approvals, Bitbucket Server's verdicts), then
 * comments (the one being delivered, not listed yet, is the newest of all).
 */
function approvalsOf(
  comments: readonly PullRequestComment[],
  reviews: readonly Review[],
  author: string,
  settings: ApproveSettings,
): Map<string, Approval> {
  const approvals = new Map<string, Approval>();
  if (!settings.requireSelfApproval) {
    approvals.set(author.toLowerCase(), { how: 'Author self-approved', noIssue: false });
  }
  const timed: { item: PullRequestComment | Review; at: number }[] = [];
  const untimedReviews: Review[] = [];
  const untimedComments: PullRequestComment[] = [];
  for (const item of [...comments, ...reviews]) {
    const at = Date.parse(item.at ?? '');
    if (!Number.isNaN(at)) timed.push({ item, at });
    else if ('state' in item) untimedReviews.push(item);
    else untimedComments.push(item);
  }
  const said = [
    ...timed.toSorted((a, b) => a.at - b.at).map(({ item }) => item),
    ...untimedReviews,
    ...untimedComments,
  ];
  for (const item of said) {
    const login = item.author.toLowerCase();
    for (const { lgtm, args } of commandsIn(item.body, settings)) {
      if (args.includes('cancel')) approvals.delete(login);
      else approvals.set(login, { how: lgtm ? 'LGTM' : 'Approved', noIssue: args.startsWith('no-issue') });
    }
    if (!('state' in item)) continue;
    if (item.state === 'approved') approvals.set(login, { how: 'Approved', noIssue: false });
    if (item.state === 'changes_requested') approvals.delete(login);
  }
  return approvals;
}

/** Whether every OWNERS file the change needs was read: a missing rule must not approve by omission. */
function judged(tree: OwnersTree): boolean {
  return tree.directories <= maxOwnersDirectories && tree.unreadable.length === 0;
}

interface ApprovalState {
  approved: boolean;
  /** Each needed OWNERS file, by directory: whether it is approved, and by whom. */
  groups: { dir: string; approvedBy: string[] }[];
  /** Approvers to ask, who between them could approve what is left. */
  suggested: string[];
  /** With `issue_required`, whether an approver said `/approve no-issue`. */
  issueWaived: boolean;
}

function approvalState(
  tree: OwnersTree,
  changed: readonly string[],
  approvals: ReadonlyMap<string, Approval>,
  author: string,
  settings: ApproveSettings,
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
  while (left.length > 0 && suggested.length < maxSuggested) {
    let best: string | undefined;
    let most = 0;
    for (const login of candidates) {
      const covers = left.filter((file) => approvers.get(file)?.has(login)).length;
      if (covers > most) [best, most] = [login, covers];
    }
    if (best === undefined) break;
    const chosen = best;
    suggested.push(chosen);
    left = left.filter((file) => !approvers.get(file)?.has(chosen));
  }
  // Linked issues are not read yet: with issue_required, an approver's `/approve no-issue` is needed.
  const issueWaived = !settings.issueRequired || [...approvals.values()].some((approval) => approval.noIssue);
  const filesApproved = judged(tree) && groups.every((g) => g.approvedBy.length > 0);
  return { approved: filesApproved && issueWaived, groups, suggested, issueWaived };
}

function notification(
  state: ApprovalState,
  approvals: ReadonlyMap<string, Approval>,
  tree: OwnersTree,
  provider: Provider,
): string {
  const lines = [`${approvalMarker} This PR is **${state.approved ? 'APPROVED' : 'NOT APPROVED'}**`, ''];
  const by = [...approvals].map(([login, { how }]) => `*${login}* (${how})`);
  lines.push(
    by.length > 0
      ? `This pull-request has been approved by: ${by.join(', ')}`
      : 'This pull-request has not been approved yet.',
  );
  // GitLab keeps /approve and /assign for itself.
  const approveCommand = provider === 'gitlab' ? '/lh-approve' : '/approve';
  if (tree.directories > maxOwnersDirectories) {
    lines.push(
      `The change touches ${tree.directories} directories, more than the ${maxOwnersDirectories} whose OWNERS files are read: who may approve it is not worked out, and the \`${approvedLabel}\` label is left as it is.`,
    );
  }
  if (!state.issueWaived) {
    lines.push(
      `An approver's \`${approveCommand} no-issue\` is needed too (issue_required: linked issues are not read yet).`,
    );
  }
  if (!state.approved && state.suggested.length > 0) {
    // Bitbucket Server's logins may need quotes.
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
    lines.push(
      '',
      `These could not be read, so the pull request is not judged and the \`${approvedLabel}\` label is left as it is:`,
      '',
    );
    for (const { path, reason } of tree.unreadable) lines.push(`- \`${path}\`: ${reason.split('\n')[0]}`);
  }
  lines.push(
    '',
    `Approvers can indicate their approval by writing \`${approveCommand}\` in a comment`,
    `Approvers can cancel approval by writing \`${approveCommand} cancel\` in a comment`,
    '</details>',
    `<!-- META=${JSON.stringify({ approvers: state.suggested })} -->`,
  );
  return lines.join('\n');
}
