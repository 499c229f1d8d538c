// `image: uses:<file>`: a step stands for the steps of a Task or pipeline in another file of the repository
// (pkg/triggerconfig/inrepo/uses_resolver.go). Lighthouse also fetches them from other repositories and
// URLs; this meta step reads only the repository it checked out, and says so when asked for more.
import { PipelineLoadError, UnsupportedPipelineError } from '../errors.ts';
import { overrideStep, overrideTaskSpec } from './overrides.ts';
import {
  fillDescription,
  mergeByName,
  type UseLocation,
  useParameterSpecs,
  useParametersAndResults,
} from './params.ts';
import type { PipelineTask, Step, TaskSpec, TektonPipelineRun } from './tekton.ts';

const usesPrefix = 'uses:';

/** Fields of an embedded task that are not its TaskSpec: they stay when a used spec replaces it. */
const embeddedTaskFields = ['metadata', 'apiVersion', 'kind', 'spec'];

/** Loads a `uses:` file (a path in the repository) as a PipelineRun; the result is the caller's to change. */
export type LoadUsed = (path: string) => Promise<TektonPipelineRun>;

/** The repository path a `uses:` reference names; an error for references to other repositories or URLs. */
export function usesPath(reference: string): string {
  if (reference.includes('://')) {
    throw new UnsupportedPipelineError(
      `uses:${reference} loads steps from a URL, which is not supported: only files in the repository can be used`,
    );
  }
  if (reference.includes('@')) {
    throw new UnsupportedPipelineError(
      `uses:${reference} loads steps from another repository (a remote catalog), which is not supported: only files in the repository can be used`,
    );
  }
  return reference;
}

/** Replaces every `uses:` step of the run's tasks with the steps it stands for. */
export async function resolveUsesSteps(run: TektonPipelineRun, loadUsed: LoadUsed): Promise<void> {
  const pipeline = run.spec.pipelineSpec;
  if (!pipeline) return;
  for (const task of [...(pipeline.tasks ?? []), ...(pipeline.finally ?? [])]) {
    const spec = task.taskSpec;
    if (!spec) continue;
    let usedTemplateImage = false;
    const steps: Step[] = [];
    for (const step of spec.steps ?? []) {
      // A step without an image takes the template's, so one `uses:` template can serve every step.
      const templateImage = step.image ? undefined : spec.stepTemplate?.image;
      const image = step.image || templateImage || '';
      if (!image.startsWith(usesPrefix)) {
        steps.push(step);
        continue;
      }
      if (templateImage) usedTemplateImage = true;
      const location = {
        pipelineRunSpec: run.spec,
        pipelineSpec: pipeline,
        pipelineTask: task,
        taskName: task.name ?? '',
        taskSpec: spec,
      };
      steps.push(...(await usesSteps(image.slice(usesPrefix.length), step, location, loadUsed)));
    }
    spec.steps = steps;
    if (usedTemplateImage && spec.stepTemplate) delete spec.stepTemplate.image;
  }
}

async function usesSteps(
  reference: string,
  step: Step,
  location: UseLocation,
  loadUsed: LoadUsed,
): Promise<Step[]> {
  const used = await loadUsed(usesPath(reference));
  const usedSpec = findSteps(reference, used, location.taskName, step);
  const spec = location.taskSpec;
  const steps = usedSpec.steps ?? [];
  overrideTaskSpec(usedSpec, spec);
  // What the using task declares itself stays declared.
  usedSpec.params = useParameterSpecs(usedSpec.params, spec.params);
  usedSpec.results = mergeByName(usedSpec.results, spec.results, fillDescription);
  usedSpec.workspaces = mergeByName(usedSpec.workspaces, spec.workspaces, fillDescription);
  usedSpec.sidecars = mergeByName(usedSpec.sidecars, spec.sidecars);
  const ownSteps = spec.steps;
  for (const key of Object.keys(spec)) if (!embeddedTaskFields.includes(key)) delete spec[key];
  Object.assign(spec, withoutUndefined(usedSpec), { steps: ownSteps });
  useParametersAndResults(location, usedSpec);
  return steps;
}

function withoutUndefined<T extends object>(object: T): Partial<T> {
  return Object.fromEntries(Object.entries(object).filter(([, value]) => value !== undefined)) as Partial<T>;
}

/** The task spec with the steps `step` asks for: all of them, or the one it names (`name` or `name:suffix`). */
function findSteps(reference: string, used: TektonPipelineRun, taskName: string, step: Step): TaskSpec {
  const tasks = used.spec.pipelineSpec?.tasks ?? [];
  const task: PipelineTask | undefined =
    tasks.length === 1 ? tasks[0] : tasks.find((candidate) => candidate.name === taskName);
  if (!task) {
    throw new PipelineLoadError(
      tasks.length === 0
        ? `uses:${reference} has no tasks`
        : `uses:${reference} has several tasks and none is named ${taskName}`,
    );
  }
  if (!task.taskSpec) throw new PipelineLoadError(`uses:${reference} task ${task.name} has no taskSpec`);
  const spec: TaskSpec = Object.fromEntries(
    Object.entries(task.taskSpec).filter(([key]) => !embeddedTaskFields.includes(key)),
  );
  if (!step.name) return spec;
  const colon = step.name.indexOf(':');
  const name = colon > 0 ? step.name.slice(0, colon) : step.name;
  const suffix = colon > 0 ? step.name.slice(colon + 1) : '';
  const found = spec.steps?.find((candidate) => candidate.name === name);
  if (!found) throw new PipelineLoadError(`uses:${reference} task ${task.name} has no step named ${name}`);
  const replacement = { ...found };
  overrideStep(replacement, step);
  if (suffix) replacement.name = `${name}-${suffix}`;
  return { ...spec, steps: [replacement] };
}
