// Reads an in-repo Tekton file as the PipelineRun Lighthouse would make of it
// (pkg/triggerconfig/inrepo/load_pipelinerun.go): a PipelineRun as it is, a Pipeline, Task or TaskRun
// wrapped into one; v1beta1 converted to v1; Pipelines and Tasks named by `loadFileRefs` and steps
// written `uses:<file>` read from the repository; the Lighthouse parameters declared and passed on.
import { posix } from 'node:path';
import type * as z from 'zod';
import { PipelineLoadError, UnsupportedPipelineError } from '../errors.ts';
import { convertFromV1beta1 } from './convert.ts';
import { addLighthouseParameters } from './defaults.ts';
import { formatGoDuration, parseGoDuration } from './duration.ts';
import { parseRepositoryYaml, readRepositoryFile } from './files.ts';
import {
  toParamSpecs,
  toParams,
  toPipelineWorkspaceDeclarations,
  toWorkspaceBindings,
  toWorkspaceTaskBindings,
  useParametersAndResults,
} from './params.ts';
import {
  type Metadata,
  TektonPipeline,
  TektonPipelineRun,
  type TektonPipelineRunSpec,
  TektonTask,
  TektonTaskRun,
} from './tekton.ts';
import { resolveUsesSteps } from './uses.ts';

/** Annotations on an in-repo pipeline that change how Lighthouse loads it. */
export const loaderAnnotations = {
  /** A regular expression: pipelineRef and taskRef names it matches are files beside the pipeline. */
  loadFileRefs: 'lighthouse.jenkins-x.io/loadFileRefs',
  prependStepsURL: 'lighthouse.jenkins-x.io/prependStepsURL',
  appendStepsURL: 'lighthouse.jenkins-x.io/appendStepsURL',
} as const;

export interface LoadOptions {
  /** The repository's work tree. Paths are relative to it; nothing outside it is read, not even through a link. */
  root: string;
}

/**
 * Loads the Tekton file at `path` (relative to `options.root`) as a tekton.dev/v1 PipelineRun.
 * Throws PipelineLoadError naming the file and what is wrong, UnsupportedPipelineError for what
 * Lighthouse fetches from elsewhere (remote `uses:`, step URLs).
 */
export function loadPipelineRun(path: string, options: LoadOptions): Promise<TektonPipelineRun> {
  return new Loader(options).load(repositoryPath(path), []);
}

const tektonKinds = ['PipelineRun', 'Pipeline', 'Task', 'TaskRun'];

class Loader {
  readonly #root: string;
  readonly #used = new Map<string, Promise<TektonPipelineRun>>();

  constructor({ root }: LoadOptions) {
    this.#root = root;
  }

  /** `chain`: the files whose `uses:` led here, to refuse a cycle. */
  async load(path: string, chain: readonly string[]): Promise<TektonPipelineRun> {
    const run = this.#asPipelineRun(await this.#readTekton(path), path);
    for (const annotation of [loaderAnnotations.prependStepsURL, loaderAnnotations.appendStepsURL]) {
      const url = run.metadata.annotations?.[annotation];
      if (url) {
        throw new UnsupportedPipelineError(
          `${path}: annotation ${annotation} loads steps from a URL (${url}), which is not supported: put the steps in the repository and use them with uses:`,
        );
      }
    }
    await this.#loadFileRefs(run, path);
    await resolveUsesSteps(run, (used) => this.#loadUsed(used, [...chain, path]));
    const first = run.spec.pipelineSpec?.tasks?.[0];
    if (first && !first.name) first.name = 'default';
    addLighthouseParameters(run);
    normaliseDurations(run, path);
    if (!run.spec.pipelineSpec && !run.spec.pipelineRef) {
      throw new PipelineLoadError(
        `${path}: the PipelineRun has neither spec.pipelineSpec nor spec.pipelineRef`,
      );
    }
    return run;
  }

  async #loadUsed(reference: string, chain: readonly string[]): Promise<TektonPipelineRun> {
    const path = repositoryPath(reference);
    if (chain.includes(path)) {
      throw new PipelineLoadError(`uses: goes round in a circle: ${[...chain, path].join(' -> ')}`);
    }
    let loading = this.#used.get(path);
    if (!loading) {
      loading = this.load(path, chain);
      this.#used.set(path, loading);
    }
    return structuredClone(await loading);
  }

  async #readTekton(path: string, expectedKind?: string): Promise<Record<string, unknown>> {
    const text = await readRepositoryFile(this.#root, path);
    if (text === undefined) throw new PipelineLoadError(`${path}: no such file in the repository`);
    const object = parseRepositoryYaml(text, path);
    if (typeof object !== 'object' || object === null || Array.isArray(object)) {
      throw new PipelineLoadError(`${path}: expected a Tekton resource, found no YAML mapping`);
    }
    const { apiVersion, kind } = object as { apiVersion?: unknown; kind?: unknown };
    if (apiVersion !== 'tekton.dev/v1' && apiVersion !== 'tekton.dev/v1beta1') {
      throw new PipelineLoadError(
        `${path}: apiVersion ${JSON.stringify(apiVersion)} is not supported: expected tekton.dev/v1 or tekton.dev/v1beta1`,
      );
    }
    if (typeof kind !== 'string' || !tektonKinds.includes(kind) || (expectedKind && kind !== expectedKind)) {
      throw new PipelineLoadError(
        `${path}: kind ${JSON.stringify(kind)} is not supported: expected ${expectedKind ? `a ${expectedKind}` : 'a PipelineRun, Pipeline, Task or TaskRun'}`,
      );
    }
    const v1 =
      apiVersion === 'tekton.dev/v1beta1' ? convertFromV1beta1(object as Record<string, unknown>) : object;
    return v1 as Record<string, unknown>;
  }

  #asPipelineRun(object: Record<string, unknown>, path: string): TektonPipelineRun {
    switch (object.kind) {
      case 'Pipeline': {
        const pipeline = parseAs(TektonPipeline, object, path);
        return wrap(pipeline.metadata, { pipelineSpec: pipeline.spec });
      }
      case 'Task': {
        const { metadata, spec } = parseAs(TektonTask, object, path);
        const name = metadata.name ?? '';
        const pipelineSpec = {
          tasks: [
            {
              name,
              taskSpec: { ...spec },
              params: toParams(spec.params),
              workspaces: toWorkspaceTaskBindings(spec.workspaces),
            },
          ],
          params: spec.params,
          workspaces: toPipelineWorkspaceDeclarations(spec.workspaces),
        };
        const run = wrap(metadata, { pipelineSpec, workspaces: toWorkspaceBindings(spec.workspaces) });
        useParametersAndResults(
          { pipelineRunSpec: run.spec, pipelineSpec, taskName: name, taskSpec: spec },
          spec,
        );
        return run;
      }
      case 'TaskRun': {
        const { metadata, spec } = parseAs(TektonTaskRun, object, path);
        let params = spec.params;
        let specs = params?.length ? undefined : spec.taskSpec?.params;
        if (specs) params = toParams(specs);
        if (!specs?.length) specs = toParamSpecs(params);
        const task = {
          name: metadata.name ?? '',
          ...(spec.taskRef ? { taskRef: spec.taskRef } : {}),
          ...(spec.taskSpec ? { taskSpec: { ...spec.taskSpec } } : {}),
          params,
          workspaces: toWorkspaceTaskBindings(spec.workspaces),
        };
        return wrap(metadata, {
          pipelineSpec: { tasks: [task], params: specs },
          taskRunTemplate: { podTemplate: spec.podTemplate, serviceAccountName: spec.serviceAccountName },
          workspaces: spec.workspaces,
        });
      }
      default:
        return parseAs(TektonPipelineRun, object, path);
    }
  }

  async #loadFileRefs(run: TektonPipelineRun, path: string): Promise<void> {
    const pattern = run.metadata.annotations?.[loaderAnnotations.loadFileRefs];
    if (!pattern) return;
    let matches: RegExp;
    try {
      matches = new RegExp(pattern);
    } catch {
      throw new PipelineLoadError(
        `${path}: annotation ${loaderAnnotations.loadFileRefs} is not a regular expression: ${pattern}`,
      );
    }
    const beside = (name: string) => {
      const file = posix.join(posix.dirname(path), name.endsWith('.yaml') ? name : `${name}.yaml`);
      return repositoryPath(file);
    };
    const { spec } = run;
    const pipelineName = spec.pipelineRef?.name;
    if (!spec.pipelineSpec && pipelineName && matches.test(pipelineName)) {
      const file = beside(pipelineName);
      spec.pipelineSpec = parseAs(TektonPipeline, await this.#readTekton(file, 'Pipeline'), file).spec;
      delete spec.pipelineRef;
    }
    for (const task of spec.pipelineSpec?.tasks ?? []) {
      const taskName = task.taskRef?.name;
      if (task.taskSpec || !taskName || !matches.test(taskName)) continue;
      const file = beside(taskName);
      task.taskSpec = parseAs(TektonTask, await this.#readTekton(file, 'Task'), file).spec;
      delete task.taskRef;
    }
  }
}

/** A PipelineRun around `spec`, with Lighthouse's default timeout of a day. */
function wrap({ name, labels, annotations }: Metadata, spec: TektonPipelineRunSpec): TektonPipelineRun {
  return {
    apiVersion: 'tekton.dev/v1',
    kind: 'PipelineRun',
    metadata: withoutUndefined({ name, labels, annotations }),
    spec: withoutUndefined({
      ...spec,
      taskRunTemplate: withoutUndefined({ ...spec.taskRunTemplate }),
      timeouts: { pipeline: '24h0m0s' },
    }),
  };
}

/** A path inside the repository, normalised; an error for one that would leave it. */
function repositoryPath(path: string): string {
  const normal = posix.normalize(path);
  if (posix.isAbsolute(normal) || normal === '..' || normal.startsWith('../')) {
    throw new PipelineLoadError(`${path} is outside the repository`);
  }
  return normal;
}

function parseAs<S extends z.ZodType>(schema: S, value: unknown, path: string): z.output<S> {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const issues = result.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`);
  throw new PipelineLoadError(`${path}: not a valid Tekton resource: ${issues.join('; ')}`);
}

function withoutUndefined<T extends object>(object: T): T {
  return Object.fromEntries(Object.entries(object).filter(([, value]) => value !== undefined)) as T;
}

/** Every duration written as Go writes it (`00h30m0s` becomes `30m0s`), as Lighthouse's Go types do. */
function normaliseDurations(run: TektonPipelineRun, path: string): void {
  const normalise = (holder: { [key: string]: unknown } | undefined, key: string, where: string) => {
    const value = holder?.[key];
    if (typeof value !== 'string' || !holder) return;
    const nanoseconds = parseGoDuration(value);
    if (nanoseconds === undefined) {
      throw new PipelineLoadError(
        `${path}: ${where} ${JSON.stringify(value)} is not a duration such as 1h30m`,
      );
    }
    holder[key] = formatGoDuration(nanoseconds);
  };
  for (const key of ['pipeline', 'tasks', 'finally'])
    normalise(run.spec.timeouts, key, `spec.timeouts.${key}`);
  for (const taskRunSpec of run.spec.taskRunSpecs ?? [])
    normalise(taskRunSpec, 'timeout', 'taskRunSpecs timeout');
  const pipeline = run.spec.pipelineSpec;
  for (const task of [...(pipeline?.tasks ?? []), ...(pipeline?.finally ?? [])]) {
    normalise(task, 'timeout', `task ${task.name} timeout`);
    for (const step of task.taskSpec?.steps ?? []) normalise(step, 'timeout', `step ${step.name} timeout`);
  }
}
