import {
  annotations,
  apiVersionOf,
  buildPipelineRunName,
  type LighthouseJob,
  labels,
  lighthouseJobType,
  ownLabels,
  type Param,
  type PipelineRun,
} from '@lighthouse-ts/crds';
import { BuildServiceAccountError, MetaStepError, UnsupportedPipelineError } from './errors.ts';
import type { EnvVar, PipelineSpec, PipelineTask, TektonPipelineRun } from './inrepo/tekton.ts';

export interface EffectiveOptions {
  /** The service account the build runs as: the request's. Default `tekton-bot`, as Lighthouse's. */
  serviceAccountName?: string;
  /** The meta PipelineRun's own service account, which no part of the build may run as. */
  metaServiceAccountName?: string;
  /** Environment variables for every step of the build (the request's). */
  env?: Record<string, string>;
}

/**
 * The build PipelineRun for `job`: the repository's pipeline with the Lighthouse parameters given their
 * values, the job's labels, service account, timeout and environment, owned by the job. Built as
 * Lighthouse's Tekton engine builds one (pkg/engines/tekton/utils.go makePipelineRun). Throws
 * BuildServiceAccountError when the pipeline names another service account than the job's, or the job's
 * is the meta step's own.
 */
export function effectivePipelineRun(
  loaded: TektonPipelineRun,
  job: LighthouseJob,
  options: EffectiveOptions = {},
): PipelineRun {
  const { name, namespace, uid } = job.metadata;
  if (!name || !namespace || !uid) {
    throw new MetaStepError(
      'the LighthouseJob has no name, namespace or uid: read it from the API server first',
    );
  }
  if (job.spec.pipeline_run_params?.length) {
    throw new UnsupportedPipelineError(
      `LighthouseJob ${name}: pipeline_run_params (Go templates) are not supported`,
    );
  }
  const spec = structuredClone(loaded.spec);
  spec.params = withValues(spec.params ?? [], {
    ...lighthouseParamValues(job),
    ...gitCloneParamValues(spec.pipelineSpec, job),
  });
  spec.timeouts = { ...spec.timeouts, pipeline: spec.timeouts?.pipeline ?? '24h0m0s' };
  const template = { ...spec.taskRunTemplate };
  template.serviceAccountName = buildServiceAccount(loaded.spec, options);
  const env = Object.entries(options.env ?? {}).map(([envName, value]) => ({ name: envName, value }));
  if (env.length > 0) {
    const podTemplate = { ...template.podTemplate };
    podTemplate.env = [...withoutNames(podTemplate.env, env), ...env];
    template.podTemplate = podTemplate;
  }
  spec.taskRunTemplate = template;

  const refs = job.spec.refs;
  return {
    apiVersion: 'tekton.dev/v1',
    kind: 'PipelineRun',
    metadata: {
      name: buildPipelineRunName(name),
      namespace,
      labels: {
        ...specLabels(job),
        ...job.metadata.labels,
        [labels.id]: name,
        [ownLabels.pipelineRole]: 'build',
      },
      annotations: {
        [annotations.job]: job.spec.job ?? '',
        ...(refs?.clone_uri ? { [annotations.cloneURI]: refs.clone_uri } : {}),
      },
      ownerReferences: [
        {
          apiVersion: apiVersionOf(lighthouseJobType),
          kind: lighthouseJobType.kind,
          name,
          uid,
          controller: true,
        },
      ],
    },
    spec,
  };
}

/**
 * The service account the build runs as: the job's, never one the pipeline chooses. The pipeline comes
 * from the pull request, so a name it gives could hand its code the rights of any account in the namespace
 * (lighthouse's, the runner's, the meta step's): one it names must be the job's own. And the job's own must
 * not be the meta step's, which may create PipelineRuns and change LighthouseJobs.
 */
function buildServiceAccount(loaded: TektonPipelineRun['spec'], options: EffectiveOptions): string {
  const allowed = options.serviceAccountName || 'tekton-bot';
  if (allowed === options.metaServiceAccountName) {
    throw new BuildServiceAccountError(
      `the build's service account is ${allowed}, the meta step's own: the build must not run with its rights`,
    );
  }
  const named: [string | undefined, string][] = [
    [loaded.taskRunTemplate?.serviceAccountName, "the pipeline's taskRunTemplate.serviceAccountName"],
    ...(loaded.taskRunSpecs ?? []).map((taskRunSpec): [string | undefined, string] => [
      taskRunSpec.serviceAccountName,
      `the pipeline's taskRunSpecs for ${taskRunSpec.pipelineTaskName}`,
    ]),
  ];
  for (const [name, where] of named) {
    if (name && name !== allowed) {
      throw new BuildServiceAccountError(
        `${where} asks for service account ${name}; this job's builds run as ${allowed} only (a pipeline from the repository does not choose its own rights)`,
      );
    }
  }
  return allowed;
}

/** Sets each value on the parameter of that name, or adds it; added ones come in name order, as Lighthouse adds them. */
function withValues(params: Param[], values: Record<string, string>): Param[] {
  for (const [paramName, value] of Object.entries(values).sort(([a], [b]) => (a < b ? -1 : 1))) {
    const existing = params.find((param) => param.name === paramName);
    if (existing) existing.value = value;
    else params.push({ name: paramName, value });
  }
  return params;
}

function withoutNames(env: unknown, names: readonly EnvVar[]): unknown[] {
  return (Array.isArray(env) ? env : []).filter(
    (entry: { name?: unknown }) => !names.some((e) => e.name === entry?.name),
  );
}

/** The Lighthouse parameters' values for a job (LighthouseJobSpec.GetEnvVars, BUILD_ID and REPO_URL). */
export function lighthouseParamValues(job: LighthouseJob): Record<string, string> {
  const { spec } = job;
  const buildId = job.metadata.labels?.[labels.buildNum];
  if (!buildId) throw new MetaStepError(`LighthouseJob ${job.metadata.name} has no ${labels.buildNum} label`);
  const type = spec.type ?? '';
  const values: Record<string, string> = {
    BUILD_ID: buildId,
    JOB_NAME: spec.job ?? '',
    JOB_TYPE: type,
    JOB_SPEC: `type:${type}`,
  };
  const refs = spec.refs;
  if (!refs) return values;
  const pulls = refs.pulls ?? [];
  Object.assign(values, {
    REPO_OWNER: refs.org,
    REPO_NAME: refs.repo,
    REPO_URL: refs.clone_uri ?? '',
    PULL_BASE_REF: refs.base_ref ?? '',
    PULL_BASE_SHA: refs.base_sha ?? '',
    PULL_REFS: [
      refs.base_sha ? `${refs.base_ref ?? ''}:${refs.base_sha}` : (refs.base_ref ?? ''),
      ...pulls.map((pull) => `${pull.number}:${pull.sha}${pull.ref ? `:${pull.ref}` : ''}`),
    ].join(','),
  });
  const pullRefs = pulls.flatMap((pull) => (pull.ref ? [pull.ref] : []));
  if (pullRefs.length > 0) values.PULL_PULL_REF = pullRefs.join(' ');
  const [first] = pulls;
  if (type === 'presubmit' && first) {
    values.PULL_NUMBER = String(first.number);
    values.PULL_PULL_SHA = first.sha;
  }
  return values;
}

/** `X` of a task parameter whose value is exactly `$(params.X)`. */
function pipelineParamOf(task: PipelineTask, name: string): string | undefined {
  const value = task.params?.find((param) => param.name === name)?.value;
  return typeof value === 'string' ? /^\$\(params\.(.+)\)$/.exec(value)?.[1] : undefined;
}

/**
 * Lighthouse fills the pipeline parameters that feed the catalog's git-clone task (url, revision) or
 * git-batch-merge task (url, revision, batchedRefs), so a pipeline that clones with them clones the job's
 * commit. Lighthouse also looks into a Pipeline the run references by name; this reads inline ones only.
 */
function gitCloneParamValues(pipeline: PipelineSpec | undefined, job: LighthouseJob): Record<string, string> {
  const refs = job.spec.refs;
  const pulls = refs?.pulls ?? [];
  for (const task of pipeline?.tasks ?? []) {
    const url = pipelineParamOf(task, 'url');
    if (task.taskRef?.name === 'git-clone') {
      const revision = pipelineParamOf(task, 'revision');
      if (url && revision) {
        return { [url]: refs?.clone_uri ?? '', [revision]: pulls[0]?.sha ?? refs?.base_ref ?? '' };
      }
    }
    if (task.taskRef?.name === 'git-batch-merge') {
      const batchedRefs = pipelineParamOf(task, 'batchedRefs');
      const baseRevision = pipelineParamOf(task, 'revision');
      if (url && batchedRefs) {
        return {
          [url]: refs?.clone_uri ?? '',
          [batchedRefs]: pulls.flatMap((pull) => (pull.ref ? [pull.ref] : [])).join(' '),
          ...(baseRevision ? { [baseRevision]: refs?.base_ref ?? '' } : {}),
        };
      }
    }
  }
  return {};
}

const labelValuePattern = /^([A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?)?$/;

/** A label value as Lighthouse makes one: kept if valid, else its last path segment, else left out. */
function labelValue(value: string): string | undefined {
  for (const candidate of [value, value.split('/').pop() ?? '']) {
    if (candidate.length <= 63 && labelValuePattern.test(candidate)) return candidate;
  }
  return undefined;
}

/** The labels Lighthouse derives from a job's spec (jobutil.LabelsAndAnnotationsForSpec). */
function specLabels(job: LighthouseJob): Record<string, string> {
  const { spec } = job;
  const derived: Record<string, string | undefined> = {
    [labels.createdByLighthouse]: 'true',
    [labels.type]: spec.type,
    [labels.job]: spec.job,
    [labels.context]: spec.context || undefined,
  };
  const refs = spec.refs;
  if (refs && spec.type !== 'periodic') {
    const [first] = refs.pulls ?? [];
    Object.assign(derived, {
      [labels.org]: refs.org.toLowerCase(),
      [labels.repo]: refs.repo,
      [labels.branch]:
        spec.type === 'batch'
          ? 'batch'
          : spec.type !== 'postsubmit' && first
            ? `PR-${first.number}`
            : refs.base_ref,
      [labels.baseSHA]: refs.base_sha,
      [labels.pull]: first ? String(first.number) : undefined,
      [labels.lastCommitSHA]: first ? first.sha : refs.base_sha,
    });
  }
  const result: Record<string, string> = {};
  for (const [key, value] of Object.entries(derived)) {
    const valid = value === undefined ? undefined : labelValue(value);
    if (valid !== undefined) result[key] = valid;
  }
  return result;
}
