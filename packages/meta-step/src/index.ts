export {
  type EffectiveOptions,
  effectivePipelineRun,
  lighthouseParamValues,
} from './effective.ts';
export {
  BuildServiceAccountError,
  GitError,
  MergeConflictError,
  MetaStepError,
  PipelineLoadError,
  PipelineRejectedError,
  StepEnvError,
  UnsupportedPipelineError,
} from './errors.ts';
export {
  type CheckoutOptions,
  checkout,
  defaultGitProtocols,
  mergeIdentity,
  type PullRef,
  type PullRefs,
  parsePullRefs,
} from './git.ts';
export { lighthouseParameterSpecs } from './inrepo/defaults.ts';
export { type LoadOptions, loaderAnnotations, loadPipelineRun } from './inrepo/load.ts';
export type { TektonPipelineRun } from './inrepo/tekton.ts';
export { findInRepoJob, type InRepoJob, type JobKind, loadJobPipeline } from './inrepo/triggers.ts';
export {
  type MetaStepResult,
  parseStepEnv,
  type RunMetaStepOptions,
  runMetaStep,
  type StepEnv,
  stepEnvNames,
} from './run.ts';
