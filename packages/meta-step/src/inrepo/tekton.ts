// The parts of Tekton's tekton.dev/v1 objects the loader reads or changes. Every other field passes through
// untouched: the API server validates the whole object against Tekton's CRD when the step creates it.
import { Param, ParamValue, WorkspaceBinding } from '@lighthouse-ts/crds';
import * as z from 'zod';

export const ParamSpec = z.looseObject({
  name: z.string(),
  type: z.string().optional(),
  description: z.string().optional(),
  default: ParamValue.optional(),
});
export type ParamSpec = z.infer<typeof ParamSpec>;

export const EnvVar = z.looseObject({ name: z.string(), value: z.string().optional() });
export type EnvVar = z.infer<typeof EnvVar>;

const Named = z.looseObject({ name: z.string() });

export const EnvFromSource = z.looseObject({
  configMapRef: Named.optional(),
  secretRef: Named.optional(),
});
export type EnvFromSource = z.infer<typeof EnvFromSource>;

const Quantities = z.record(z.string(), z.union([z.string(), z.number()]));
export const ResourceRequirements = z.looseObject({
  limits: Quantities.optional(),
  requests: Quantities.optional(),
});
export type ResourceRequirements = z.infer<typeof ResourceRequirements>;

/** What a Step and a StepTemplate share: the container settings `uses:` overrides. */
const containerFields = {
  image: z.string().optional(),
  env: z.array(EnvVar).optional(),
  envFrom: z.array(EnvFromSource).optional(),
  imagePullPolicy: z.string().optional(),
  computeResources: ResourceRequirements.optional(),
  securityContext: z.looseObject({}).optional(),
  workingDir: z.string().optional(),
  volumeMounts: z.array(Named).optional(),
};

export const Step = z.looseObject({
  ...containerFields,
  name: z.string().optional(),
  command: z.array(z.string()).optional(),
  args: z.array(z.string()).optional(),
  script: z.string().optional(),
  timeout: z.string().optional(),
});
export type Step = z.infer<typeof Step>;

export const StepTemplate = z.looseObject(containerFields);
export type StepTemplate = z.infer<typeof StepTemplate>;

export const TaskResult = z.looseObject({ name: z.string(), description: z.string().optional() });
export type TaskResult = z.infer<typeof TaskResult>;

export const WorkspaceDeclaration = z.looseObject({
  name: z.string(),
  description: z.string().optional(),
  optional: z.boolean().optional(),
});
export type WorkspaceDeclaration = z.infer<typeof WorkspaceDeclaration>;

export const TaskSpec = z.looseObject({
  params: z.array(ParamSpec).optional(),
  steps: z.array(Step).optional(),
  stepTemplate: StepTemplate.optional(),
  results: z.array(TaskResult).optional(),
  workspaces: z.array(WorkspaceDeclaration).optional(),
  sidecars: z.array(Named).optional(),
  volumes: z.array(Named).optional(),
});
export type TaskSpec = z.infer<typeof TaskSpec>;

export const WorkspacePipelineTaskBinding = z.looseObject({
  name: z.string(),
  workspace: z.string().optional(),
  subPath: z.string().optional(),
});
export type WorkspacePipelineTaskBinding = z.infer<typeof WorkspacePipelineTaskBinding>;

export const PipelineTask = z.looseObject({
  name: z.string().optional(),
  taskRef: z.looseObject({ name: z.string().optional() }).optional(),
  /** An embedded Task: a TaskSpec, plus `metadata` (and `apiVersion`, `kind`, `spec` for custom tasks). */
  taskSpec: TaskSpec.optional(),
  params: z.array(Param).optional(),
  workspaces: z.array(WorkspacePipelineTaskBinding).optional(),
  timeout: z.string().optional(),
});
export type PipelineTask = z.infer<typeof PipelineTask>;

export const PipelineResult = z.looseObject({
  name: z.string(),
  description: z.string().optional(),
  value: ParamValue.optional(),
});
export type PipelineResult = z.infer<typeof PipelineResult>;

export const PipelineSpec = z.looseObject({
  params: z.array(ParamSpec).optional(),
  tasks: z.array(PipelineTask).optional(),
  finally: z.array(PipelineTask).optional(),
  results: z.array(PipelineResult).optional(),
  workspaces: z.array(WorkspaceDeclaration).optional(),
});
export type PipelineSpec = z.infer<typeof PipelineSpec>;

export const Timeouts = z.looseObject({
  pipeline: z.string().optional(),
  tasks: z.string().optional(),
  finally: z.string().optional(),
});

export const TaskRunTemplate = z.looseObject({
  serviceAccountName: z.string().optional(),
  podTemplate: z.looseObject({}).optional(),
});

export const TektonPipelineRunSpec = z.looseObject({
  pipelineRef: z.looseObject({ name: z.string().optional() }).optional(),
  pipelineSpec: PipelineSpec.optional(),
  params: z.array(Param).optional(),
  workspaces: z.array(WorkspaceBinding).optional(),
  timeouts: Timeouts.optional(),
  taskRunTemplate: TaskRunTemplate.optional(),
  taskRunSpecs: z
    .array(
      z.looseObject({
        pipelineTaskName: z.string(),
        timeout: z.string().optional(),
        serviceAccountName: z.string().optional(),
      }),
    )
    .optional(),
});
export type TektonPipelineRunSpec = z.infer<typeof TektonPipelineRunSpec>;

export const Metadata = z.looseObject({
  name: z.string().optional(),
  labels: z.record(z.string(), z.string()).optional(),
  annotations: z.record(z.string(), z.string()).optional(),
});
export type Metadata = z.infer<typeof Metadata>;

export const TektonPipelineRun = z.looseObject({
  apiVersion: z.literal('tekton.dev/v1'),
  kind: z.literal('PipelineRun'),
  metadata: Metadata.default({}),
  spec: TektonPipelineRunSpec,
});
/** A tekton.dev/v1 PipelineRun as the repository defines it, before the meta step makes it its job's. */
export type TektonPipelineRun = z.infer<typeof TektonPipelineRun>;

export const TektonPipeline = z.looseObject({ metadata: Metadata.default({}), spec: PipelineSpec });
export type TektonPipeline = z.infer<typeof TektonPipeline>;

export const TektonTask = z.looseObject({ metadata: Metadata.default({}), spec: TaskSpec });
export type TektonTask = z.infer<typeof TektonTask>;

export const TektonTaskRun = z.looseObject({
  metadata: Metadata.default({}),
  spec: z.looseObject({
    taskSpec: TaskSpec.optional(),
    taskRef: z.looseObject({}).optional(),
    params: z.array(Param).optional(),
    workspaces: z.array(WorkspaceBinding).optional(),
    podTemplate: z.looseObject({}).optional(),
    serviceAccountName: z.string().optional(),
  }),
});
export type TektonTaskRun = z.infer<typeof TektonTaskRun>;
