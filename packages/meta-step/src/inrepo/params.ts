// How Lighthouse carries a Task's parameters, results and workspaces up into the Pipeline and PipelineRun
// that use it (pkg/triggerconfig/inrepo/params.go). Each helper returns a new list and never changes the
// lists it is given, but it completes the entries it finds in place: objects are shared the way the Go
// structs' slices are, so the results match Lighthouse's.
import type { Param, ParamValue, WorkspaceBinding } from '@lighthouse-ts/crds';
import type {
  EnvVar,
  ParamSpec,
  PipelineResult,
  PipelineSpec,
  PipelineTask,
  TaskResult,
  TaskSpec,
  TektonPipelineRunSpec,
  WorkspaceDeclaration,
  WorkspacePipelineTaskBinding,
} from './tekton.ts';

/** Where a used Task's parameters, results and workspaces go. */
export interface UseLocation {
  pipelineRunSpec: TektonPipelineRunSpec;
  pipelineSpec: PipelineSpec;
  pipelineTask?: PipelineTask;
  taskName: string;
  taskSpec: TaskSpec;
}

/** Adds each of `uses` missing from `list` (by name, a copy); `found` completes the one present. */
export function mergeByName<T extends { name: string }>(
  list: T[] | undefined,
  uses: readonly T[] | undefined,
  found: (existing: T, used: T) => void = () => {},
  skip: (used: T) => boolean = () => false,
): T[] | undefined {
  if (!uses?.length) return list;
  const result = [...(list ?? [])];
  for (const used of uses) {
    const existing = result.find((item) => item.name === used.name);
    if (existing) found(existing, used);
    else if (!skip(used)) result.push(structuredClone(used));
  }
  return result.length > 0 || list ? result : undefined;
}

/** Gives an entry without a description the used one's. */
export function fillDescription(existing: { description?: string }, used: { description?: string }): void {
  if (!existing.description && used.description) existing.description = used.description;
}

/** `$(params.NAME)` for each parameter: how a Task's parameters are passed on unchanged. */
export function toParams(specs: readonly ParamSpec[] | undefined): Param[] | undefined {
  return specs?.map((spec) => ({ name: spec.name, value: `$(params.${spec.name})` }));
}

/** Each parameter with its default string value, or empty. */
export function toDefaultParams(specs: readonly ParamSpec[] | undefined): Param[] | undefined {
  return specs?.map((spec) => ({
    name: spec.name,
    value: typeof spec.default === 'string' ? spec.default : '',
  }));
}

export function toParamSpecs(params: readonly Param[] | undefined): ParamSpec[] | undefined {
  return params?.map((param) => ({ name: param.name, type: 'string' }));
}

export function toWorkspaceBindings(
  declarations: readonly WorkspaceDeclaration[] | undefined,
): WorkspaceBinding[] | undefined {
  return declarations?.map((declaration) => ({ name: declaration.name }));
}

export function toWorkspaceTaskBindings(
  declarations: readonly { name: string }[] | undefined,
): WorkspacePipelineTaskBinding[] | undefined {
  return declarations?.map((declaration) => ({ name: declaration.name, workspace: declaration.name }));
}

export function toPipelineWorkspaceDeclarations(
  declarations: readonly WorkspaceDeclaration[] | undefined,
): WorkspaceDeclaration[] | undefined {
  return declarations?.map(({ name, description }) => ({ name, ...(description ? { description } : {}) }));
}

/** Tekton's ParamSpec.SetDefaults: the type follows the default value, else string. */
export function setParamSpecDefaults(spec: ParamSpec): void {
  if (spec.type) return;
  spec.type = Array.isArray(spec.default)
    ? 'array'
    : typeof spec.default === 'object' || spec.properties !== undefined
      ? 'object'
      : 'string';
}

export function useParameterSpecs(
  params: ParamSpec[] | undefined,
  uses: readonly ParamSpec[] | undefined,
  fromResults: ReadonlySet<string> = new Set(),
): ParamSpec[] | undefined {
  const result = mergeByName(
    params,
    uses,
    (existing, used) => {
      fillDescription(existing, used);
      setParamSpecDefaults(existing);
    },
    (used) => fromResults.has(used.name),
  );
  for (const spec of result ?? []) if (!params?.includes(spec)) setParamSpecDefaults(spec);
  return result;
}

const valueType = (value: ParamValue) =>
  typeof value === 'string' ? 'string' : Array.isArray(value) ? 'array' : 'object';

/** Fills a parameter that is present but empty with the used value of the same type. */
export function fillEmptyValue(existing: Param, used: Param): void {
  if (valueType(existing.value) !== valueType(used.value)) return;
  if (existing.value === '' || (Array.isArray(existing.value) && existing.value.length === 0)) {
    existing.value = structuredClone(used.value);
  }
}

export function useParameters(
  params: Param[] | undefined,
  uses: readonly Param[] | undefined,
  fromResults: ReadonlySet<string> = new Set(),
): Param[] | undefined {
  return mergeByName(params, uses, fillEmptyValue, (used) => fromResults.has(used.name));
}

/** Parameters named like environment variables (upper case) also become environment variables. */
export function useParameterEnvVars(env: EnvVar[] | undefined, uses: readonly Param[]): EnvVar[] | undefined {
  const asEnv = uses
    .filter((param) => param.name === param.name.toUpperCase())
    .map((param) => ({ name: param.name, value: typeof param.value === 'string' ? param.value : '' }));
  return mergeByName(env, asEnv, (existing, used) => {
    if (!existing.value && used.value) existing.value = used.value;
  });
}

/** Parameters whose value is a task's result: the Pipeline must not declare them as its own. */
export function paramsFromTaskResults(spec: PipelineSpec): Set<string> {
  const names = new Set<string>();
  for (const task of [...(spec.tasks ?? []), ...(spec.finally ?? [])]) {
    for (const param of task.params ?? []) {
      const value = typeof param.value === 'string' ? param.value : '';
      if (value.startsWith('$(tasks.') && value.includes('.results.') && value.endsWith(')')) {
        names.add(param.name);
      }
    }
  }
  return names;
}

/** Lighthouse's UseParametersAndResults: what a used Task declares, declared and passed on where it is used. */
export function useParametersAndResults(location: UseLocation, uses: TaskSpec): void {
  const specs = uses.params;
  const params = toParams(specs) ?? [];
  const fromResults = paramsFromTaskResults(location.pipelineSpec);

  const run = location.pipelineRunSpec;
  run.params = useParameters(run.params, toDefaultParams(specs), fromResults);
  run.workspaces = mergeByName(run.workspaces, toWorkspaceBindings(uses.workspaces));

  const pipeline = location.pipelineSpec;
  pipeline.params = useParameterSpecs(pipeline.params, specs, fromResults);
  const results: PipelineResult[] | undefined = uses.results?.map((result) => ({
    name: result.name,
    ...(result.description ? { description: result.description } : {}),
    value: `$(tasks.${location.taskName}.results.${result.name})`,
  }));
  pipeline.results = mergeByName(pipeline.results, results, fillDescription);
  pipeline.workspaces = mergeByName(
    pipeline.workspaces,
    uses.workspaces?.map(({ name, description, optional }) => ({
      name,
      ...(description ? { description } : {}),
      ...(optional ? { optional } : {}),
    })),
    fillDescription,
  );

  if (location.pipelineTask) {
    location.pipelineTask.workspaces = mergeByName(
      location.pipelineTask.workspaces,
      toWorkspaceTaskBindings(uses.workspaces),
    );
  }

  const task = location.taskSpec;
  task.params = useParameterSpecs(task.params, specs, fromResults);
  task.results = mergeByName<TaskResult>(task.results, uses.results, fillDescription);
  task.sidecars = mergeByName(task.sidecars, uses.sidecars);
  task.workspaces = mergeByName(task.workspaces, uses.workspaces, fillDescription);
  if (params.length > 0) {
    const env = useParameterEnvVars(task.stepTemplate?.env, params);
    if (task.stepTemplate) task.stepTemplate.env = env;
    else if (env?.length) task.stepTemplate = { env };
  }
}
