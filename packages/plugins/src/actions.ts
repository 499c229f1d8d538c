import type { ProviderWrites, Repo } from '@lighthouse-ts/scm';
import type { DispatchLogger, ProviderAction } from './contract.ts';

/**
 * Writes a decision's provider actions to the repository's pull requests and commits, in order. Each is
 * safe to repeat, so a redelivered event does no harm: adding a label it has or removing one it lacks
 * changes nothing, a status is set to the same value, and a comment marked `unlessAlreadyPosted` is not
 * posted twice. Labels on a provider without them (Bitbucket Server) are logged and left out. A failed
 * write throws the provider's error, for the caller to answer retryable or not.
 */
export async function performActions(
  actions: readonly ProviderAction[],
  api: ProviderWrites,
  { owner, name }: Pick<Repo, 'owner' | 'name'>,
  log: DispatchLogger,
): Promise<void> {
  for (const action of actions) {
    switch (action.type) {
      case 'comment': {
        if (action.unlessAlreadyPosted) {
          const comments = await api.comments(owner, name, action.pullNumber);
          if (comments.some((c) => c.body.trim() === action.body.trim())) {
            log.debug({ action: action.type, pull: action.pullNumber }, 'comment already posted');
            continue;
          }
        }
        await api.createComment(owner, name, action.pullNumber, action.body);
        break;
      }
      case 'add-label':
      case 'remove-label':
        if (!api.hasLabels) {
          log.info({ action: action.type, label: action.label }, 'the provider has no labels; left out');
          continue;
        }
        if (action.type === 'add-label') await api.addLabel(owner, name, action.pullNumber, action.label);
        else await api.removeLabel(owner, name, action.pullNumber, action.label);
        break;
      case 'status':
        await api.createStatus(owner, name, action.sha, {
          context: action.context,
          state: action.state,
          description: action.description,
        });
        break;
    }
    log.info({ action: action.type }, 'provider action performed');
  }
}
