import type { WebhookEvent } from '@lighthouse-ts/scm';
import type { Decision, FailedPlugin, ProviderAction } from '../contract.ts';
import type { TriggerContext } from '../trigger/context.ts';
import { decide as trigger } from '../trigger/decide.ts';
import { chatOpsPlugins } from './plugins.ts';

export { type Command, commandsIn, reply } from './commands.ts';
export {
  assign,
  type ChatOpsPlugin,
  chatOpsPlugins,
  hold,
  holdLabel,
  lgtm,
  lgtmLabel,
  lifecycle,
  shrug,
  shrugLabel,
  stage,
  wip,
  wipLabel,
} from './plugins.ts';

/**
 * What every plugin enabled for the event's repository decides: the trigger's jobs, and the labels and
 * comments of the ChatOps plugins, in the order plugins.yaml lists them. Enabled plugins not built yet
 * (`notBuilt`) decide nothing. A ChatOps plugin that fails (the provider down, a fact missing) is named in
 * `failed` and the others' decisions stand: no label is worth the jobs not starting. The trigger failing
 * fails the decision. On GitLab a comment on an issue reaches no ChatOps plugin: issues and merge requests
 * are numbered apart there, and the actions are written to the merge request of the number.
 */
export async function decideAll(
  event: WebhookEvent,
  context: TriggerContext,
): Promise<Decision & { notBuilt: string[]; failed: FailedPlugin[] }> {
  const decision = await trigger(event, context);
  const actions: ProviderAction[] = [...decision.actions];
  const notBuilt: string[] = [];
  const failed: FailedPlugin[] = [];
  const numberedApart = event.type === 'issue_comment' && event.provider === 'gitlab';
  for (const name of context.repo.plugins) {
    if (name === 'trigger' || numberedApart) continue;
    const plugin = chatOpsPlugins.get(name);
    if (!plugin) {
      notBuilt.push(name);
      continue;
    }
    try {
      actions.push(...(await plugin(event, context)));
    } catch (error) {
      failed.push({ plugin: name, error });
    }
  }
  return { ...decision, actions, notBuilt, failed };
}
