export type { TriggerContext } from './context.ts';
export { decide } from './decide.ts';
export type {
  Decision,
  JobRequest,
  JobToStart,
  SkippedJob,
  SupersededRuns,
  TriggerAction,
} from './decision.ts';
export {
  type CommitState,
  type CommitStatus,
  commitStates,
  MissingFactError,
  type PullRequestFacts,
  type PullRequestKey,
  type PushKey,
  type RepoKey,
  type TriggerFacts,
} from './facts.ts';
export { type FactsData, type InMemoryFacts, inMemoryFacts } from './in-memory-facts.ts';
export { factsFromProvider } from './provider-facts.ts';
