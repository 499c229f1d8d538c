import * as z from 'zod';
import { Condition, type ResourceType, resourceSchema, Time } from './meta.ts';
import { Duration, Param, ParamValue, WorkspaceBinding } from './pipelinerun.ts';

export const taskRunType: ResourceType = {
  group: 'tekton.dev',
  version: 'v1',
  kind: 'TaskRun',
  plural: 'taskruns',
  namespaced: true,
};

/** Custom Tasks' runs: a PipelineRun's children that are not TaskRuns (still `v1beta1` in Tekton 1.x). */
export const customRunType: ResourceType = {
  group: 'tekton.dev',
  version: 'v1beta1',
  kind: 'CustomRun',
  plural: 'customruns',
  namespaced: true,
};

export const TaskRef = z.looseObject({
  name: z.string().optional(),
  kind: z.string().optional(),
  apiVersion: z.string().optional(),
  resolver: z.string().optional(),
  params: z.array(Param).optional(),
});
export type TaskRef = z.infer<typeof TaskRef>;

export const TaskRunSpec = z.looseObject({
  taskRef: TaskRef.optional(),
  /** An inline Task spec; Tekton's own CRD and webhook validate its contents. */
  taskSpec: z.looseObject({}).optional(),
  params: z.array(Param).optional(),
  serviceAccountName: z.string().optional(),
  /** `TaskRunCancelled` asks Tekton to stop it. */
  status: z.string().optional(),
  timeout: Duration.optional(),
  podTemplate: z.looseObject({}).optional(),
  workspaces: z.array(WorkspaceBinding).optional(),
});
export type TaskRunSpec = z.infer<typeof TaskRunSpec>;

// Go writes a zero metav1.Time as null, so a container state's times may be null.
const ContainerTime = Time.nullable().optional();

/** One step's container state, as Kubernetes reports it: exactly one of terminated, running, waiting. */
export const StepState = z.looseObject({
  name: z.string().optional(),
  container: z.string().optional(),
  imageID: z.string().optional(),
  terminated: z
    .looseObject({
      exitCode: z.number().int(),
      reason: z.string().optional(),
      message: z.string().optional(),
      startedAt: ContainerTime,
      finishedAt: ContainerTime,
    })
    .optional(),
  running: z.looseObject({ startedAt: ContainerTime }).optional(),
  waiting: z.looseObject({ reason: z.string().optional(), message: z.string().optional() }).optional(),
});
export type StepState = z.infer<typeof StepState>;

export const TaskRunStatus = z.looseObject({
  observedGeneration: z.number().int().optional(),
  conditions: z.array(Condition).optional(),
  podName: z.string().optional(),
  startTime: Time.optional(),
  completionTime: Time.optional(),
  steps: z.array(StepState).optional(),
  results: z.array(z.looseObject({ name: z.string(), value: ParamValue })).optional(),
});
export type TaskRunStatus = z.infer<typeof TaskRunStatus>;

export const TaskRun = resourceSchema(taskRunType, TaskRunSpec, TaskRunStatus);
export type TaskRun = z.infer<typeof TaskRun>;

export const CustomRunSpec = z.looseObject({
  customRef: TaskRef.optional(),
  customSpec: z.looseObject({}).optional(),
  params: z.array(Param).optional(),
  /** `RunCancelled` asks the custom task's controller to stop it. */
  status: z.string().optional(),
  timeout: Duration.optional(),
});
export type CustomRunSpec = z.infer<typeof CustomRunSpec>;

export const CustomRunStatus = z.looseObject({
  observedGeneration: z.number().int().optional(),
  conditions: z.array(Condition).optional(),
  startTime: Time.optional(),
  completionTime: Time.optional(),
  results: z.array(z.looseObject({ name: z.string(), value: z.string() })).optional(),
});
export type CustomRunStatus = z.infer<typeof CustomRunStatus>;

export const CustomRun = resourceSchema(customRunType, CustomRunSpec, CustomRunStatus);
export type CustomRun = z.infer<typeof CustomRun>;
