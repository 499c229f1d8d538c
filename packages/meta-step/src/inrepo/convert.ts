// tekton.dev/v1beta1 -> tekton.dev/v1, the fields Tekton's own conversion renames or moves
// (pkg/apis/pipeline/v1beta1/*_conversion.go). Lighthouse converts in-repo v1beta1 files the same way.

type Json = Record<string, unknown>;

const isObject = (value: unknown): value is Json =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

const objects = (value: unknown): Json[] => (Array.isArray(value) ? value.filter(isObject) : []);

/** Where Tekton keeps the PipelineResources of a converted object, which v1 no longer has. */
export const v1beta1ResourcesAnnotation = 'tekton.dev/v1beta1Resources';

/** A v1beta1 PipelineRun, Pipeline, Task or TaskRun as its v1 equivalent; the input is not changed. */
export function convertFromV1beta1(object: Json): Json {
  const converted: Json = structuredClone(object);
  converted.apiVersion = 'tekton.dev/v1';
  const spec = isObject(converted.spec) ? converted.spec : {};
  converted.spec = spec;
  if (spec.resources !== undefined) {
    const metadata = isObject(converted.metadata) ? converted.metadata : {};
    const annotations = isObject(metadata.annotations) ? metadata.annotations : {};
    annotations[v1beta1ResourcesAnnotation] = JSON.stringify(spec.resources);
    metadata.annotations = annotations;
    converted.metadata = metadata;
    delete spec.resources;
  }
  switch (converted.kind) {
    case 'PipelineRun':
      convertPipelineRunSpec(spec);
      break;
    case 'Pipeline':
      convertPipelineSpec(spec);
      break;
    case 'Task':
      convertTaskSpec(spec);
      break;
    case 'TaskRun':
      convertTaskRunSpec(spec);
      break;
  }
  return converted;
}

function convertPipelineRunSpec(spec: Json): void {
  if (isObject(spec.pipelineSpec)) convertPipelineSpec(spec.pipelineSpec);
  if (spec.timeout !== undefined) {
    spec.timeouts = { pipeline: spec.timeout };
    delete spec.timeout;
  }
  const template: Json = {};
  if (spec.podTemplate !== undefined) template.podTemplate = spec.podTemplate;
  if (spec.serviceAccountName !== undefined) template.serviceAccountName = spec.serviceAccountName;
  if (Object.keys(template).length > 0) spec.taskRunTemplate = template;
  delete spec.podTemplate;
  delete spec.serviceAccountName;
  delete spec.serviceAccountNames;
  for (const taskRunSpec of objects(spec.taskRunSpecs)) {
    rename(taskRunSpec, 'taskServiceAccountName', 'serviceAccountName');
    rename(taskRunSpec, 'taskPodTemplate', 'podTemplate');
    convertOverrides(taskRunSpec);
  }
}

function convertPipelineSpec(spec: Json): void {
  convertParamSpecs(spec.params);
  for (const task of [...objects(spec.tasks), ...objects(spec.finally)]) {
    delete task.resources;
    if (isObject(task.taskSpec)) convertTaskSpec(task.taskSpec);
  }
}

function convertTaskSpec(spec: Json): void {
  delete spec.resources;
  convertParamSpecs(spec.params);
  for (const container of [...objects(spec.steps), ...objects(spec.sidecars)]) {
    rename(container, 'resources', 'computeResources');
  }
  for (const step of objects(spec.steps)) for (const field of deprecatedStepFields) delete step[field];
  if (isObject(spec.stepTemplate)) {
    rename(spec.stepTemplate, 'resources', 'computeResources');
    for (const field of ['name', ...deprecatedStepFields]) delete spec.stepTemplate[field];
  }
}

/** Container fields a v1beta1 step accepted but never used; v1 has no place for them. */
const deprecatedStepFields = [
  'ports',
  'livenessProbe',
  'readinessProbe',
  'startupProbe',
  'lifecycle',
  'terminationMessagePath',
  'terminationMessagePolicy',
  'stdin',
  'stdinOnce',
  'tty',
];

function convertTaskRunSpec(spec: Json): void {
  if (isObject(spec.taskSpec)) convertTaskSpec(spec.taskSpec);
  convertOverrides(spec);
}

function convertOverrides(spec: Json): void {
  rename(spec, 'stepOverrides', 'stepSpecs');
  rename(spec, 'sidecarOverrides', 'sidecarSpecs');
}

/** v1 param specs always have a type; v1beta1's default was string. */
function convertParamSpecs(params: unknown): void {
  for (const param of objects(params)) param.type ??= 'string';
}

function rename(object: Json, from: string, to: string): void {
  if (object[from] === undefined) return;
  object[to] = object[from];
  delete object[from];
}
