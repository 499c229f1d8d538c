import * as z from 'zod';
import { Condition, type ResourceType, resourceSchema, Time } from './meta.ts';

export const pipelineRunType: ResourceType = {
  group: 'tekton.dev',
  version: 'v1',
  kind: 'PipelineRun',
  plural: 'pipelineruns',
  namespaced: true,
};

/** A Tekton parameter value: a string, an array of strings, or an object of strings. */
export const ParamValue = z.union([z.string(), z.array(z.string()), z.record(z.string(), z.string())]);
export type ParamValue = z.infer<typeof ParamValue>;

export const Param = z.looseObject({ name: z.string().min(1), value: ParamValue });
export type Param = z.infer<typeof Param>;

export const PipelineRef = z.looseObject({
  name: z.string().optional(),
  apiVersion: z.string().optional(),
  resolver: z.string().optional(),
  params: z.array(Param).optional(),
});
export type PipelineRef = z.infer<typeof PipelineRef>;

/** Durations in Go's format (`1h0m0s`, `30m`), as Tekton's timeouts take them. */
export const Duration = z
  .string()
  .regex(/^(\d+(\.\d+)?(ns|us|µs|ms|s|m|h))+$|^0$/, 'a Go duration such as 1h30m');

export const PipelineRunTimeouts = z.looseObject({
  pipeline: Duration.optional(),
  tasks: Duration.optional(),
  finally: Duration.optional(),
});

export const WorkspaceBinding = z.looseObject({
  name: z.string().min(1),
  subPath: z.string().optional(),
  emptyDir: z.looseObject({}).optional(),
  persistentVolumeClaim: z
    .looseObject({ claimName: z.string(), readOnly: z.boolean().optional() })
    .optional(),
  volumeClaimTemplate: z.looseObject({}).optional(),
  configMap: z.looseObject({ name: z.string() }).optional(),
  secret: z.looseObject({ secretName: z.string() }).optional(),
});
export type WorkspaceBinding = z.infer<typeof WorkspaceBinding>;

/** `spec.status`, how a PipelineRun is held back or cancelled. */
export const PipelineRunSpecStatus = z.enum([
  'Cancelled',
  'CancelledRunFinally',
  'StoppedRunFinally',
  'PipelineRunPending',
]);
export type PipelineRunSpecStatus = z.infer<typeof PipelineRunSpecStatus>;

export const PipelineRunSpec = z.looseObject({
  pipelineRef: PipelineRef.optional(),
  /** An inline Pipeline spec; Tekton's own CRD and webhook validate its contents. */
  pipelineSpec: z.looseObject({}).optional(),
  params: z.array(Param).optional(),
  status: PipelineRunSpecStatus.optional(),
  timeouts: PipelineRunTimeouts.optional(),
  taskRunTemplate: z
    .looseObject({
      serviceAccountName: z.string().optional(),
      podTemplate: z.looseObject({}).optional(),
    })
    .optional(),
  workspaces: z.array(WorkspaceBinding).optional(),
  taskRunSpecs: z.array(z.looseObject({ pipelineTaskName: z.string() })).optional(),
});
export type PipelineRunSpec = z.infer<typeof PipelineRunSpec>;

export const ChildReference = z.looseObject({
  apiVersion: z.string().optional(),
  kind: z.string().optional(),
  name: z.string(),
  pipelineTaskName: z.string().optional(),
  displayName: z.string().optional(),
});
export type ChildReference = z.infer<typeof ChildReference>;

export const PipelineRunStatus = z.looseObject({
  observedGeneration: z.number().int().optional(),
  conditions: z.array(Condition).optional(),
  startTime: Time.optional(),
  completionTime: Time.optional(),
  childReferences: z.array(ChildReference).optional(),
  results: z.array(z.looseObject({ name: z.string(), value: ParamValue })).optional(),
});
export type PipelineRunStatus = z.infer<typeof PipelineRunStatus>;

export const PipelineRun = resourceSchema(pipelineRunType, PipelineRunSpec, PipelineRunStatus);
export type PipelineRun = z.infer<typeof PipelineRun>;
