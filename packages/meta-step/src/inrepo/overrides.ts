// How a step written as `image: uses:<file>` changes the steps it brings in: its own command, script,
// environment, resources, working directory and mounts win (pkg/triggerconfig/inrepo/overrides.go).
import type { EnvFromSource, ResourceRequirements, Step, StepTemplate, TaskSpec } from './tekton.ts';

/** Replaces (or adds) the entries of `list` that `overrides` names. */
function overrideByKey<T>(
  list: T[] | undefined,
  overrides: readonly T[] | undefined,
  sameKey: (a: T, b: T) => boolean,
): T[] | undefined {
  if (!overrides?.length) return list;
  const result = [...(list ?? [])];
  for (const override of overrides) {
    const index = result.findIndex((item) => sameKey(item, override));
    if (index >= 0) result[index] = override;
    else result.push(override);
  }
  return result;
}

const sameName = (a: { name: string }, b: { name: string }) => a.name === b.name;

const sameSource = (a: EnvFromSource, b: EnvFromSource) =>
  (a.configMapRef !== undefined && a.configMapRef.name === b.configMapRef?.name) ||
  (a.secretRef !== undefined && a.secretRef.name === b.secretRef?.name);

function overrideResources(
  resources: ResourceRequirements | undefined,
  override: ResourceRequirements | undefined,
): ResourceRequirements | undefined {
  if (!override) return resources;
  const result: ResourceRequirements = { ...resources };
  for (const key of ['limits', 'requests'] as const) {
    if (override[key]) result[key] = { ...result[key], ...override[key] };
  }
  return result;
}

/** The container settings a step or template shares with the one it overrides. */
function overrideContainer(container: Step | StepTemplate, override: Step | StepTemplate): void {
  container.env = overrideByKey(container.env, override.env, sameName);
  container.envFrom = overrideByKey(container.envFrom, override.envFrom, sameSource);
  if (override.imagePullPolicy) container.imagePullPolicy = override.imagePullPolicy;
  container.computeResources = overrideResources(container.computeResources, override.computeResources);
  container.securityContext ??= override.securityContext;
  if (override.workingDir) container.workingDir = override.workingDir;
  container.volumeMounts = overrideByKey(container.volumeMounts, override.volumeMounts, sameName);
  for (const [key, value] of Object.entries(container)) if (value === undefined) delete container[key];
}

/** The used task spec takes the step template and volumes of the task that uses it. */
export function overrideTaskSpec(spec: TaskSpec, override: TaskSpec): void {
  if (override.stepTemplate) {
    spec.stepTemplate = { ...spec.stepTemplate };
    overrideContainer(spec.stepTemplate, override.stepTemplate);
    if (override.stepTemplate.image) spec.stepTemplate.image = override.stepTemplate.image;
  }
  spec.volumes = overrideByKey(spec.volumes, override.volumes, sameName);
  if (spec.volumes === undefined) delete spec.volumes;
}

/** The step brought in takes the command or script, timeout and container settings of the `uses:` step. */
export function overrideStep(step: Step, override: Step): void {
  if (override.command?.length) {
    step.script = override.script;
    step.command = override.command;
    step.args = override.args;
  }
  if (override.script) {
    step.script = override.script;
    delete step.command;
    delete step.args;
  }
  if (override.timeout) step.timeout = override.timeout;
  overrideContainer(step, override);
}
