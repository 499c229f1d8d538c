export { ConfigMap, configMapType } from './core.ts';
export {
  type CustomResourceDefinition,
  customResourceDefinition,
  preserveUnknownFields,
  structuralProblems,
  structuralSchema,
} from './crd.ts';
export {
  ActivityRecord,
  ActivityStageOrStep,
  annotations,
  buildPipelineRunName,
  JobState,
  JobType,
  LighthouseJob,
  LighthouseJobSpec,
  LighthouseJobStatus,
  labels,
  lighthouseJobType,
  ownLabels,
  PipelineRole,
  PipelineRunParam,
  Pull,
  Refs,
} from './lighthousejob.ts';
export { ownedCustomResourceDefinitions } from './manifests.ts';
export {
  apiVersionOf,
  Condition,
  ObjectMeta,
  OwnerReference,
  type ResourceType,
  resourceSchema,
  Time,
} from './meta.ts';
export {
  ChildReference,
  Duration,
  Param,
  ParamValue,
  PipelineRef,
  PipelineRun,
  PipelineRunSpec,
  PipelineRunSpecStatus,
  PipelineRunStatus,
  PipelineRunTimeouts,
  pipelineRunType,
  WorkspaceBinding,
} from './pipelinerun.ts';
export {
  CustomRun,
  CustomRunSpec,
  CustomRunStatus,
  customRunType,
  StepState,
  TaskRef,
  TaskRun,
  TaskRunSpec,
  TaskRunStatus,
  taskRunType,
} from './taskrun.ts';
