import type { Comment, ProviderWrites, Repo } from '@lighthouse-ts/scm';
import { reply } from './chatops/commands.ts';
import type { DispatchLogger, ProviderAction } from './contract.ts';

/** An action the provider did not take, and why. */
export interface FailedAction {
  action: ProviderAction;
  error: unknown;
}

/**
 * Writes a decision's provider actions to the repository's pull requests and commits, in order. Each is
 * safe to repeat, so a redelivered event does no harm: adding a label it has or removing one it lacks
 * changes nothing, a status is set to the same value, and a comment marked `unlessAlreadyPosted` is not
 * posted twice (by us: someone else posting the same text does not silence it); nor is the answer naming
 * the logins a provider would not assign; comments to delete are found by their marker each time, and a
 * milestone is set to the same value. Labels on a provider without them (Bitbucket Server) are logged and
 * left out, and so are its assignees, refused (the commenter is answered); a milestone where the
 * provider has none fails. One action failing does not stop the others: the failures are returned, for the
 * caller to log and count.
 */
export async function performActions(
  actions: readonly ProviderAction[],
  api: ProviderWrites,
  repo: Pick<Repo, 'owner' | 'name'>,
  log: DispatchLogger,
): Promise<FailedAction[]> {
  const failed: FailedAction[] = [];
  for (const action of actions) {
    try {
      if (await perform(action, api, repo)) log.info({ action: action.type }, 'provider action performed');
      else log.info({ action: action.type }, 'provider action not needed');
    } catch (error) {
      failed.push({ action, error });
    }
  }
  return failed;
}

/** Carries out one action: true when something was written. */
async function perform(
  action: ProviderAction,
  api: ProviderWrites,
  { owner, name }: Pick<Repo, 'owner' | 'name'>,
): Promise<boolean> {
  switch (action.type) {
    case 'comment':
      if (action.replacing !== undefined) {
        return replaceComment(api, { owner, name }, action.pullNumber, action.body, action.replacing);
      }
      return comment(api, { owner, name }, action.pullNumber, action.body, action.unlessAlreadyPosted);
    case 'delete-comment': {
      const ours = await commentsMarked(api, { owner, name }, action.pullNumber, action.marker);
      for (const copy of ours) await api.deleteComment(owner, name, action.pullNumber, copy.id);
      return ours.length > 0;
    }
    case 'add-label':
    case 'remove-label':
      // Bitbucket Server's pull requests have no labels.
      if (!api.hasLabels) return false;
      if (action.type === 'add-label') await api.addLabel(owner, name, action.pullNumber, action.label);
      else await api.removeLabel(owner, name, action.pullNumber, action.label);
      return true;
    case 'assign': {
      const refused = await api.assign(owner, name, action.pullNumber, action.logins, action.as);
      if (refused.length > 0 && action.askedBy) {
        const what = action.as === 'assignees' ? 'assign' : 'request a review from';
        const who = action.as === 'assignees' ? 'can be assigned' : 'can be asked for a review';
        const message =
          action.as === 'assignees' && !api.hasAssignees
            ? `pull requests here have no assignees, so I cannot assign the following users: ${refused.join(', ')}.\n\nAsk them for a review with \`/cc\` instead.`
            : `the provider didn't allow me to ${what} the following users: ${refused.join(', ')}.\n\nOnly the organisation's members and the repository's collaborators ${who}, and authors cannot review their own pull requests.`;
        await comment(
          api,
          { owner, name },
          action.pullNumber,
          reply(action.askedBy.login, message, action.askedBy),
          true,
        );
      }
      return true;
    }
    case 'unassign':
      await api.unassign(owner, name, action.pullNumber, action.logins, action.as);
      return true;
    case 'status':
      await api.createStatus(owner, name, action.sha, {
        context: action.context,
        state: action.state,
        description: action.description,
        ...(action.targetUrl === undefined ? {} : { targetUrl: action.targetUrl }),
      });
      return true;
    case 'set-milestone':
      // Only a provider with milestones is asked for them, so a plugin never decides this for another.
      if (!api.setMilestone) throw new Error('this provider has no milestones to set');
      await api.setMilestone(owner, name, action.pullNumber, action.milestone?.id ?? null);
      return true;
  }
}

/** Our comments on the pull request that start with the marker, oldest first. */
async function commentsMarked(
  api: ProviderWrites,
  { owner, name }: Pick<Repo, 'owner' | 'name'>,
  pullNumber: number,
  marker: string,
): Promise<Comment[]> {
  const me = (await api.whoAmI()).toLowerCase();
  return (await api.comments(owner, name, pullNumber)).filter(
    (c) => c.author.toLowerCase() === me && c.body.toLowerCase().startsWith(marker.toLowerCase()),
  );
}

/**
 * Edits our comment that starts with the marker to this body, deleting other copies (two deliveries at
 * once may both have posted one); posts it when there is none. True when something was written.
 */
async function replaceComment(
  api: ProviderWrites,
  { owner, name }: Pick<Repo, 'owner' | 'name'>,
  pullNumber: number,
  body: string,
  marker: string,
): Promise<boolean> {
  const [kept, ...extra] = await commentsMarked(api, { owner, name }, pullNumber, marker);
  for (const copy of extra) await api.deleteComment(owner, name, pullNumber, copy.id);
  if (!kept) {
    // Sent again on a timeout: a copy is deleted the next time.
    await api.createComment(owner, name, pullNumber, body, { safeToRetry: true });
    return true;
  }
  if (kept.body.trim() === body.trim()) return extra.length > 0;
  await api.editComment(owner, name, pullNumber, kept.id, body);
  return true;
}

/** Posts a comment; with `unlessAlreadyPosted`, only if we have not posted this text on the pull request. */
async function comment(
  api: ProviderWrites,
  { owner, name }: Pick<Repo, 'owner' | 'name'>,
  pullNumber: number,
  body: string,
  unlessAlreadyPosted = false,
): Promise<boolean> {
  if (unlessAlreadyPosted) {
    const me = (await api.whoAmI()).toLowerCase();
    const comments = await api.comments(owner, name, pullNumber);
    if (comments.some((c) => c.author.toLowerCase() === me && c.body.trim() === body.trim())) return false;
  }
  await api.createComment(owner, name, pullNumber, body);
  return true;
}
