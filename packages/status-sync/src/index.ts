export {
  type BackgroundStatusSync,
  type BackgroundStatusSyncOptions,
  startBackgroundStatusSync,
} from './background.ts';
export {
  activityRecord,
  type ChildRuns,
  isTerminal,
  type JobRuns,
  jobOutcome,
  nextJobStatus,
  pipelineRunOutcome,
  type RunOutcome,
} from './status.ts';
export {
  type Logger,
  type StatusSync,
  type StatusSyncOptions,
  type SyncResult,
  startStatusSync,
} from './sync.ts';
export { CustomRunView, LighthouseJobView, PipelineRunView, StepView, TaskRunView } from './views.ts';
