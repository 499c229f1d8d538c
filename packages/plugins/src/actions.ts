import type { ProviderWrites, Repo } from '@lighthouse-ts/scm';
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
 * posted twice (by us: someone else posting the same text does not silence it). Labels on a provider
 * without them (Bitbucket Server) are logged and left out. One action failing does not stop the others:
 * the failures are returned, for the caller to log and count.
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
    case 'comment': {
      if (action.unlessAlreadyPosted) {
        const me = (await api.whoAmI()).toLowerCase();
        const comments = await api.comments(owner, name, action.pullNumber);
        const posted = comments.some(
          (c) => c.author.toLowerCase() === me && c.body.trim() === action.body.trim(),
        );
        if (posted) return false;
      }
      await api.createComment(owner, name, action.pullNumber, action.body);
      return true;
    }
    case 'add-label':
    case 'remove-label':
      // Bitbucket Server's pull requests have no labels.
      if (!api.hasLabels) return false;
      if (action.type === 'add-label') await api.addLabel(owner, name, action.pullNumber, action.label);
      else await api.removeLabel(owner, name, action.pullNumber, action.label);
      return true;
    case 'status':
      await api.createStatus(owner, name, action.sha, {
        context: action.context,
        state: action.state,
        description: action.description,
      });
      return true;
  }
}
