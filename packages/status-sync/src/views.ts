// What the status sync reads of each object it watches. Unlike the loose schemas of @lighthouse-ts/crds
// these are plain z.object()s: everything else (managedFields, specs, Tekton's copy of the pipeline in
// its status) is dropped when an object is parsed, so the caches of thousands of runs stay small.
import {
  apiVersionOf,
  ChildReference,
  Condition,
  customRunType,
  LighthouseJobStatus,
  lighthouseJobType,
  OwnerReference,
  PipelineRunSpecStatus,
  pipelineRunType,
  type ResourceType,
  Time,
  taskRunType,
} from '@lighthouse-ts/crds';
import * as z from 'zod';

const Metadata = z.object({
  name: z.string().optional(),
  namespace: z.string().optional(),
  uid: z.string().optional(),
  resourceVersion: z.string().optional(),
  creationTimestamp: Time.optional(),
  labels: z.record(z.string(), z.string()).optional(),
  annotations: z.record(z.string(), z.string()).optional(),
  ownerReferences: z.array(OwnerReference).optional(),
});

function view<Shape extends z.ZodRawShape>(type: ResourceType, shape: Shape) {
  return z.object({
    apiVersion: z.literal(apiVersionOf(type)),
    kind: z.literal(type.kind),
    metadata: Metadata,
    ...shape,
  });
}

// Go writes an unset time or list as null.
const GoTime = Time.nullish();
const runStatus = {
  conditions: z.array(Condition).nullish(),
  startTime: GoTime,
  completionTime: GoTime,
};

export const PipelineRunView = view(pipelineRunType, {
  spec: z.object({ status: PipelineRunSpecStatus.optional() }).optional(),
  status: z.object({ ...runStatus, childReferences: z.array(ChildReference).nullish() }).optional(),
});
export type PipelineRunView = z.infer<typeof PipelineRunView>;

/** A step's container state: exactly one of terminated, running and waiting is set. */
export const StepView = z.object({
  name: z.string().optional(),
  terminated: z.object({ exitCode: z.number().int(), startedAt: GoTime, finishedAt: GoTime }).optional(),
  running: z.object({ startedAt: GoTime }).optional(),
  waiting: z.object({}).optional(),
});
export type StepView = z.infer<typeof StepView>;

export const TaskRunView = view(taskRunType, {
  status: z.object({ ...runStatus, steps: z.array(StepView).nullish() }).optional(),
});
export type TaskRunView = z.infer<typeof TaskRunView>;

export const CustomRunView = view(customRunType, { status: z.object(runStatus).optional() });
export type CustomRunView = z.infer<typeof CustomRunView>;

/** A job as far as its status goes: a PUT to the status subresource takes nothing else (and ignores it). */
export const LighthouseJobView = view(lighthouseJobType, { status: LighthouseJobStatus.optional() });
export type LighthouseJobView = z.infer<typeof LighthouseJobView>;
