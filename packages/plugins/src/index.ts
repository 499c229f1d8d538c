export { type FailedAction, performActions } from './actions.ts';
export { approvalMarker, approve, approvedLabel } from './approve/approve.ts';
export {
  assign,
  type ChatOpsPlugin,
  type Command,
  chatOpsPlugins,
  commandsIn,
  decideAll,
  hold,
  holdLabel,
  lgtm,
  lgtmLabel,
  lifecycle,
  reply,
  shrug,
  shrugLabel,
  stage,
  wip,
  wipLabel,
} from './chatops/index.ts';
export type {
  ConsultedFact,
  Decision,
  Dispatch,
  DispatchContext,
  DispatchLogger,
  DispatchRecorder,
  DispatchResult,
  FailedPlugin,
  JobRequest,
  JobToStart,
  Plugin,
  ProviderAction,
  SkippedJob,
  StartedJob,
  SupersededRuns,
} from './contract.ts';
export { asPluginError, PermanentError, PluginError, RetryableError } from './errors.ts';
export { externalPluginsFor } from './external/select.ts';
export { type CommandHelp, type EnabledPlugin, enabledPlugins, type PluginHelp, pluginHelp } from './help.ts';
export { goodFirstIssueLabel, helpWanted, helpWantedLabel } from './help-wanted/help-wanted.ts';
export { milestone } from './milestone/milestone.ts';
export { milestoneStatus, milestoneStatusLabels } from './milestone/milestone-status.ts';
export { override } from './override/override.ts';
export type { TriggerContext } from './trigger/context.ts';
export { decide as trigger } from './trigger/decide.ts';
export {
  type IssueFacts,
  MissingFactError,
  type PullRequestComment,
  type PullRequestFacts,
  type PullRequestKey,
  type PushKey,
  type RepoKey,
  type TriggerFacts,
} from './trigger/facts.ts';
export { type FactsData, type InMemoryFacts, inMemoryFacts } from './trigger/in-memory-facts.ts';
export { factsFromProvider } from './trigger/provider-facts.ts';
export { recordingFacts } from './trigger/recording-facts.ts';
export { welcome } from './welcome/welcome.ts';
