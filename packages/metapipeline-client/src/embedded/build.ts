import { createHash } from 'node:crypto';
import {
  annotations,
  type JobType,
  type LighthouseJob,
  labels,
  ownAnnotations,
  ownLabels,
  type Param,
  type PipelineRun,
} from '@lighthouse-ts/crds';
import { defaultBuildServiceAccount } from '../policy.ts';
import { type ComputeResources, defaultMetaStepResources } from '../resources.ts';
import { branchIdentifier, type ParsedMetaPipelineRequest, type PipelineKind } from '../schemas.ts';

export { defaultBuildServiceAccount };

export const defaultMetaStepServiceAccount = 'lighthouse-meta-step';

/** The user and group of the runner image (its Dockerfile's `USER 1000:1000`). */
export const metaStepUser = 1000;

/**
 * The meta step clones and reads repositories anyone may push to: it runs as the runner image's user,
 * never root, unable to gain privileges, with no capabilities, the runtime's default seccomp profile
 * and a read-only root filesystem (Kubernetes' "restricted" Pod Security Standard).
 */
export const metaStepSecurityContext = {
  runAsNonRoot: true,
  runAsUser: metaStepUser,
  runAsGroup: metaStepUser,
  allowPrivilegeEscalation: false,
  readOnlyRootFilesystem: true,
  capabilities: { drop: ['ALL'] },
  seccompProfile: { type: 'RuntimeDefault' },
} as const;

/**
 * The one place the meta step writes: the checkout goes to the system's temporary directory (git and
 * node write nowhere else; HOME stays read-only). An emptyDir, so it goes with the pod.
 */
export const metaStepScratch = { volume: 'tmp', mountPath: '/tmp' } as const;

/** How the meta-pipeline's one step runs: the runner image's meta step. */
export interface MetaStep {
  image: string;
  command: string[];
  /**
   * The meta step's own ServiceAccount, which may create PipelineRuns and write job status. Default
   * `lighthouse-meta-step`. Builds never run as it: they get the request's service account.
   */
  serviceAccount?: string;
  /** Tekton duration for the whole meta-pipeline. Default `1h0m0s`. */
  timeout?: string;
  /** The step's CPU and memory requests and limits. Default `defaultMetaStepResources`. */
  resources?: ComputeResources;
}

export interface BuiltMetaPipeline {
  job: LighthouseJob;
  /** Without its ownerReference, which needs the created job's uid. */
  pipelineRun: PipelineRun;
}

export function jobType(request: ParsedMetaPipelineRequest): JobType {
  if (request.kind !== 'pullrequest') return 'postsubmit';
  return request.pullRefs.pulls.length === 1 ? 'presubmit' : 'batch';
}

/** Prow's PULL_REFS: `base:sha,number:sha,...`. */
export function pullRefsString(request: ParsedMetaPipelineRequest): string {
  const { baseBranch, baseSha, pulls } = request.pullRefs;
  return [`${baseBranch}:${baseSha}`, ...pulls.map((p) => `${p.number}:${p.sha}`)].join(',');
}

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

/**
 * The job's name: a function of the idempotency key alone, so that a retry finds the first call's job
 * and a different request under the same key collides with it (64 bits of the key's hash).
 */
export function metaPipelineName(request: ParsedMetaPipelineRequest): string {
  return `lighthouse-${sha256(request.idempotencyKey).slice(0, 16)}`;
}

/**
 * A digest of what the request asks for, to tell a retry from a different request: not its key, nor
 * Lighthouse's `event-GUID` label, which names the delivery rather than what it asks (a redelivery of the
 * same event carries another).
 */
export function requestHash(request: ParsedMetaPipelineRequest): string {
  const { idempotencyKey: _key, labels, ...asked } = request;
  const { 'event-GUID': _delivery, ...kept } = labels ?? {};
  return sha256(canonicalJson({ ...asked, labels: kept })).slice(0, 32);
}

function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : 1));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

const labelValuePattern = /^([A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?)?$/;

/** A label value as Lighthouse makes one: kept if valid, else its last path segment, else left out. */
export function labelValue(value: string): string | undefined {
  for (const candidate of [value, value.split('/').pop() ?? '']) {
    if (candidate.length <= 63 && labelValuePattern.test(candidate)) return candidate;
  }
  return undefined;
}

function definedLabels(entries: Record<string, string | undefined>): Record<string, string> {
  const result: Record<string, string> = {};
  for (const [key, value] of Object.entries(entries)) {
    const safe = value === undefined ? undefined : labelValue(value);
    if (safe !== undefined) result[key] = safe;
  }
  return result;
}

/** The labels Lighthouse puts on a job for these refs: selectable by org, repo, branch, context, job. */
export function jobLabels(request: ParsedMetaPipelineRequest, buildNumber: number): Record<string, string> {
  const { owner, repo, pulls, baseSha } = request.pullRefs;
  const single = pulls.length === 1 ? pulls[0] : undefined;
  return {
    ...request.labels,
    ...definedLabels({
      [labels.createdByLighthouse]: 'true',
      [labels.type]: jobType(request),
      [labels.job]: request.jobName,
      [labels.context]: request.context ?? request.jobName,
      [labels.org]: owner.toLowerCase(),
      [labels.repo]: repo,
      [labels.branch]: branchIdentifier(request),
      [labels.baseSHA]: baseSha,
      [labels.pull]: single ? String(single.number) : undefined,
      [labels.lastCommitSHA]: single?.sha,
      [labels.buildNum]: String(buildNumber),
    }),
  };
}

/** The Lighthouse/Prow params of the PipelineRun, sorted by name as Lighthouse writes them. */
export function lighthouseParams(request: ParsedMetaPipelineRequest, buildNumber: number): Param[] {
  const { owner, repo, sourceUrl, baseBranch, baseSha, pulls } = request.pullRefs;
  const type = jobType(request);
  const single = type === 'presubmit' ? pulls[0] : undefined;
  const values: Record<string, string | undefined> = {
    BUILD_ID: String(buildNumber),
    JOB_NAME: request.jobName,
    JOB_SPEC: `type:${type}`,
    JOB_TYPE: type,
    PULL_BASE_REF: baseBranch,
    PULL_BASE_SHA: baseSha,
    PULL_NUMBER: single ? String(single.number) : undefined,
    PULL_PULL_SHA: single?.sha,
    PULL_REFS: pullRefsString(request),
    REPO_NAME: repo,
    REPO_OWNER: owner,
    REPO_URL: sourceUrl,
  };
  return Object.entries(values)
    .filter((entry): entry is [string, string] => entry[1] !== undefined)
    .map(([name, value]) => ({ name, value }));
}

export function kindOf(job: LighthouseJob): PipelineKind | undefined {
  return job.metadata.annotations?.[ownAnnotations.kind] as PipelineKind | undefined;
}

/**
 * The LighthouseJob and the meta PipelineRun for a request: a pure function of the request, its name
 * and build number, and the meta step's configuration.
 */
export function buildMetaPipeline(
  request: ParsedMetaPipelineRequest,
  { name, buildNumber, metaStep }: { name: string; buildNumber: number; metaStep: MetaStep },
): BuiltMetaPipeline {
  const { owner, repo, repoLink, baseBranch, baseSha, baseLink, sourceUrl, pulls } = request.pullRefs;
  const context = request.context ?? request.jobName;
  const commonLabels = jobLabels(request, buildNumber);
  const commonAnnotations = { [annotations.job]: request.jobName, [annotations.cloneURI]: sourceUrl };
  const job: LighthouseJob = {
    apiVersion: 'lighthouse.jenkins.io/v1alpha1',
    kind: 'LighthouseJob',
    metadata: {
      name,
      namespace: request.namespace,
      labels: commonLabels,
      annotations: {
        ...commonAnnotations,
        [ownAnnotations.idempotencyKey]: request.idempotencyKey,
        [ownAnnotations.requestHash]: requestHash(request),
        [ownAnnotations.kind]: request.kind,
      },
    },
    spec: {
      type: jobType(request),
      agent: 'tekton-pipeline',
      namespace: request.namespace,
      job: request.jobName,
      context,
      ...(request.rerunCommand ? { rerun_command: request.rerunCommand } : {}),
      refs: {
        org: owner,
        repo,
        ...(repoLink ? { repo_link: repoLink } : {}),
        base_ref: baseBranch,
        base_sha: baseSha,
        ...(baseLink ? { base_link: baseLink } : {}),
        clone_uri: sourceUrl,
        ...(pulls.length
          ? {
              pulls: pulls.map((p) => ({
                number: p.number,
                sha: p.sha,
                author: p.author ?? '',
                ...(p.title ? { title: p.title } : {}),
                ...(p.link ? { link: p.link } : {}),
              })),
            }
          : {}),
      },
    },
  };
  const params = lighthouseParams(request, buildNumber);
  const builtIn = [
    ...params.map((p) => ({ name: p.name, value: `$(params.${p.name})` })),
    { name: 'LIGHTHOUSE_JOB_NAME', value: name },
    { name: 'LIGHTHOUSE_JOB_NAMESPACE', value: request.namespace },
    { name: 'PIPELINE_KIND', value: request.kind },
    { name: 'BRANCH_NAME', value: branchIdentifier(request) },
    { name: 'PIPELINE_CONTEXT', value: context },
    { name: 'LIGHTHOUSE_BUILD_SERVICE_ACCOUNT', value: request.serviceAccount ?? defaultBuildServiceAccount },
  ];
  // The request's own variables never replace the ones that describe the job.
  const env = [
    ...builtIn,
    ...Object.entries(request.env)
      .filter(([key]) => !builtIn.some((e) => e.name === key))
      .map(([key, value]) => ({ name: key, value })),
  ];
  const pipelineRun: PipelineRun = {
    apiVersion: 'tekton.dev/v1',
    kind: 'PipelineRun',
    metadata: {
      name,
      namespace: request.namespace,
      labels: { ...commonLabels, [labels.id]: name, [ownLabels.pipelineRole]: 'meta' },
      annotations: commonAnnotations,
    },
    spec: {
      params,
      pipelineSpec: {
        params: params.map((p) => ({ name: p.name, type: 'string' })),
        tasks: [
          {
            name: 'meta-pipeline',
            params: params.map((p) => ({ name: p.name, value: `$(params.${p.name})` })),
            taskSpec: {
              params: params.map((p) => ({ name: p.name, type: 'string' })),
              steps: [
                {
                  name: 'meta',
                  image: metaStep.image,
                  command: metaStep.command,
                  env,
                  computeResources: metaStep.resources ?? defaultMetaStepResources,
                  securityContext: metaStepSecurityContext,
                  volumeMounts: [{ name: metaStepScratch.volume, mountPath: metaStepScratch.mountPath }],
                },
              ],
              volumes: [{ name: metaStepScratch.volume, emptyDir: {} }],
            },
          },
        ],
      },
      taskRunTemplate: {
        serviceAccountName: metaStep.serviceAccount ?? defaultMetaStepServiceAccount,
      },
      timeouts: { pipeline: metaStep.timeout ?? '1h0m0s' },
    },
  };
  return { job, pipelineRun };
}
