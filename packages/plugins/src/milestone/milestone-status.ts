import { commandsIn, reply } from '../chatops/commands.ts';
import type { ChatOpsPlugin } from '../chatops/plugins.ts';
import type { ProviderAction } from '../contract.ts';
import { milestoneTeamRefusal } from './milestone.ts';

/** `/status <name>` and the label it adds. */
export const milestoneStatusLabels: ReadonlyMap<string, string> = new Map([
  ['approved-for-milestone', 'status/approved-for-milestone'],
  ['in-progress', 'status/in-progress'],
  ['in-review', 'status/in-review'],
]);

/**
 * Lighthouse's milestonestatus: `/status approved-for-milestone|in-progress|in-review` on an issue or pull
 * request adds that `status/*` label (the others stay, as in Lighthouse), by members of the team
 * plugins.yaml's `repo_milestone` names; anyone else is told who may. The first `/status` of a comment
 * counts. Lighthouse says nothing of a status it does not know; here the answer lists those there are.
 */
export const milestoneStatus: ChatOpsPlugin = async (event, context) => {
  if (event.type !== 'issue_comment' && event.type !== 'pull_request_comment') return [];
  const command = commandsIn(event.body).find((each) => each.name === 'status' && each.arg !== '');
  if (!command) return [];
  const answer = (message: string): ProviderAction[] => [
    { type: 'comment', pullNumber: event.number, body: reply(event.author.login, message, event) },
  ];
  const refusal = await milestoneTeamRefusal(event, context, 'add status labels');
  if (refusal) return answer(refusal);
  const label = milestoneStatusLabels.get(command.arg);
  if (label === undefined) {
    const known = [...milestoneStatusLabels.keys()].map((name) => `\`${name}\``);
    return answer(`\`/status\` takes one of ${known.join(', ')}.`);
  }
  return [{ type: 'add-label', pullNumber: event.number, label }];
};
