import {
  ActivityStageOrStep,
  apiVersionOf,
  buildPipelineRunName,
  ConfigMap,
  configMapType,
  type JobState,
  type LighthouseJob,
  labels,
  ownAnnotations,
  type PipelineRun,
} from '@lighthouse-ts/crds';
import {
  createKubeClient,
  KubeAlreadyExistsError,
  type KubeClientOptions,
  KubeConflictError,
  KubeError,
  KubeForbiddenError,
  KubeInvalidError,
  KubeNotFoundError,
  KubeUnauthorizedError,
  KubeUnavailableError,
} from '@lighthouse-ts/kube';
import type * as z from 'zod';
import type { MetaPipelineClient } from '../client.ts';
import {
  ConflictError,
  ForbiddenError,
  guarded,
  InvalidRequestError,
  KeyConflictError,
  MetaPipelineError,
  NotFoundError,
  UnavailableError,
} from '../errors.ts';
import { checkRequestPolicy, enforceNamespace, enforcePolicy, type RequestPolicy } from '../policy.ts';
import { ComputeResources } from '../resources.ts';
import {
  branchIdentifier,
  ListFilter,
  type MetaPipeline,
  MetaPipelineRef,
  MetaPipelineRequest,
  type ParsedMetaPipelineRequest,
  type Phase,
} from '../schemas.ts';
import {
  buildMetaPipeline,
  defaultMetaStepServiceAccount,
  kindOf,
  labelValue,
  type MetaStep,
  metaPipelineName,
  requestHash,
} from './build.ts';
import { BuildNumbers } from './build-numbers.ts';

export interface EmbeddedClientOptions {
  /** How to reach Kubernetes; the client owns this connection and closes it in close(). */
  kube?: KubeClientOptions;
  /** The meta-pipeline's step: the runner image and its meta-step command. */
  metaStep: MetaStep;
  /**
   * What callers may ask for: build ServiceAccounts, namespaces, sources and variables (each an
   * allow-list; see RequestPolicy for the defaults). A call it refuses fails with ForbiddenError before
   * anything is written. Without one, every well-formed request is taken: leave it out only when the
   * caller is trusted code, never behind an API.
   */
  policy?: RequestPolicy;
}

const phaseOf: Record<JobState, Phase> = {
  triggered: 'pending',
  pending: 'pending',
  running: 'running',
  success: 'succeeded',
  failure: 'failed',
  error: 'failed',
  aborted: 'cancelled',
};

/**
 * The in-process implementation: writes the LighthouseJob and its meta PipelineRun to Kubernetes
 * directly. Safe to run in several processes at once: names come from idempotency keys and build
 * numbers from the API server's compare-and-swap.
 */
export function createEmbeddedClient(options: EmbeddedClientOptions): MetaPipelineClient {
  checkOptions(options);
  const { policy } = options;
  const kube = createKubeClient({ fieldManager: 'lighthouse-metapipeline', ...options.kube });
  const buildNumbers = new BuildNumbers(kube.resource(configMapType, ConfigMap));
  // Concurrent calls in this process with one key share one creation.
  const inFlight = new Map<string, Promise<MetaPipeline>>();
  const createdHere = new RecentNames(4096);

  async function create(request: ParsedMetaPipelineRequest, signal?: AbortSignal): Promise<MetaPipeline> {
    const name = metaPipelineName(request);
    // A key this process made a job for (a redelivery) is looked up; any other is created without a
    // lookup, the create being the lookup: one made elsewhere or long ago costs a number (a gap in the count).
    if (createdHere.has(name)) {
      const existing = await kube.lighthouseJobs
        .get(request.namespace, name, opts(signal))
        .catch(orUndefinedIfMissing);
      if (existing) return resume(existing, request, signal);
    }
    signal?.throwIfAborted();
    const buildNumber = await buildNumbers.next({
      namespace: request.namespace,
      owner: request.pullRefs.owner,
      repo: request.pullRefs.repo,
      branch: branchIdentifier(request),
    });
    const built = buildMetaPipeline(request, { name, buildNumber, metaStep: options.metaStep });
    let job: LighthouseJob;
    try {
      job = await kube.lighthouseJobs.create(request.namespace, built.job, opts(signal));
    } catch (error) {
      // The key was used before, here or in another process; that job is the one.
      if (!(error instanceof KubeAlreadyExistsError)) throw error;
      return resume(await kube.lighthouseJobs.get(request.namespace, name, opts(signal)), request, signal);
    }
    createdHere.add(name);
    return resume(job, request, signal, { fresh: true });
  }

  /**
   * Completes a job's creation where it stopped (no PipelineRun yet) and describes it. A job this call
   * has just created has no PipelineRun yet, so none is looked for. The job's status is left to whoever
   * keeps it (the status sync sets it from the PipelineRun): a creation writes the job and its run only.
   */
  async function resume(
    job: LighthouseJob,
    request: ParsedMetaPipelineRequest,
    signal?: AbortSignal,
    { fresh = false } = {},
  ) {
    if (job.metadata.annotations?.[ownAnnotations.requestHash] !== requestHash(request)) {
      throw new KeyConflictError(
        `idempotency key ${JSON.stringify(request.idempotencyKey)} was already used for a different request (${job.metadata.name})`,
      );
    }
    const namespace = request.namespace;
    const name = job.metadata.name as string;
    let run = fresh ? undefined : await findRun(namespace, name, signal);
    // A job that has ended (the status sync ended it as an error while it had no run) is not started late.
    if (!run && isFinished(job)) return describe(job, run);
    if (!run) {
      const buildNumber = Number(job.metadata.labels?.[labels.buildNum]);
      const { pipelineRun } = buildMetaPipeline(request, { name, buildNumber, metaStep: options.metaStep });
      pipelineRun.metadata.ownerReferences = [
        {
          apiVersion: apiVersionOf(kube.lighthouseJobs.type),
          kind: 'LighthouseJob',
          name,
          uid: job.metadata.uid as string,
          controller: true,
          blockOwnerDeletion: true,
        },
      ];
      run = await kube.pipelineRuns.create(namespace, pipelineRun, opts(signal)).catch((error: unknown) => {
        if (error instanceof KubeAlreadyExistsError)
          return kube.pipelineRuns.get(namespace, name, opts(signal));
        throw error;
      });
    }
    return describe(job, run);
  }

  async function findRun(namespace: string, name: string, signal?: AbortSignal) {
    return kube.pipelineRuns.get(namespace, name, opts(signal)).catch(orUndefinedIfMissing);
  }

  return guarded<MetaPipelineClient>({
    create: (input, callOptions = {}) =>
      translate(async () => {
        const request = parse(MetaPipelineRequest, input, 'request');
        enforcePolicy(policy, request);
        const key = `${request.namespace}/${metaPipelineName(request)}/${requestHash(request)}`;
        const running = inFlight.get(key);
        if (running) return running;
        const creation = create(request, callOptions.signal).finally(() => inFlight.delete(key));
        inFlight.set(key, creation);
        return creation;
      }),

    get: (input, callOptions = {}) =>
      translate(async () => {
        const ref = parse(MetaPipelineRef, input, 'reference');
        enforceNamespace(policy, ref.namespace);
        const job = await kube.lighthouseJobs.get(ref.namespace, ref.name, opts(callOptions.signal));
        return describe(job, await findRun(ref.namespace, ref.name, callOptions.signal));
      }),

    list: (input, callOptions = {}) =>
      translate(async () => {
        const filter = parse(ListFilter, input, 'filter');
        enforceNamespace(policy, filter.namespace);
        const selector = [
          `${labels.createdByLighthouse}=true`,
          ...selectorTerms({
            [labels.org]: filter.owner?.toLowerCase(),
            [labels.repo]: filter.repo,
            [labels.branch]: filter.branch,
            [labels.context]: filter.context,
          }),
        ].join(',');
        const [jobs, runs] = await Promise.all([
          kube.lighthouseJobs.list(filter.namespace, {
            labelSelector: selector,
            ...opts(callOptions.signal),
          }),
          kube.pipelineRuns.list(filter.namespace, { labelSelector: selector, ...opts(callOptions.signal) }),
        ]);
        const runsByName = new Map(runs.items.map((run) => [run.metadata.name, run]));
        return jobs.items
          .filter((job) => job.metadata.annotations?.[ownAnnotations.idempotencyKey] !== undefined)
          .map((job) => describe(job, runsByName.get(job.metadata.name)))
          .sort(
            (a, b) => (b.createdAt ?? '').localeCompare(a.createdAt ?? '') || b.buildNumber - a.buildNumber,
          );
      }),

    cancel: (input, callOptions = {}) =>
      translate(async () => {
        const ref = parse(MetaPipelineRef, input, 'reference');
        enforceNamespace(policy, ref.namespace);
        const signal = callOptions.signal;
        let job = await kube.lighthouseJobs.get(ref.namespace, ref.name, opts(signal));
        let run = await findRun(ref.namespace, ref.name, signal);
        if (isFinished(job) && job.status?.state !== 'aborted') return describe(job, run);
        // The job is marked first, so a meta step that has not yet created the build sees it is over;
        // then its runs are cancelled (again, when an earlier cancel stopped half-way).
        if (!isFinished(job)) {
          job = await kube.lighthouseJobs.patchStatus(
            ref.namespace,
            ref.name,
            {
              status: {
                state: 'aborted',
                description: 'cancelled',
                completionTime: new Date().toISOString().replace(/\.\d+Z$/, 'Z'),
              },
            },
            opts(signal),
          );
        }
        // The meta PipelineRun and, once its step has made it, the build PipelineRun: by name, and owned
        // by the job (a label or a name anyone can give a run of theirs).
        const { items } = await kube.pipelineRuns.list(ref.namespace, {
          labelSelector: `${labels.id}=${ref.name}`,
          ...opts(signal),
        });
        const ours = new Set([ref.name, buildPipelineRunName(ref.name)]);
        const owned = (run: PipelineRun) =>
          (run.metadata.ownerReferences ?? []).some((owner) => owner.uid === job.metadata.uid);
        for (const candidate of items) {
          const name = candidate.metadata.name ?? '';
          const over = candidate.status?.completionTime || candidate.spec.status === 'Cancelled';
          if (!ours.has(name) || !owned(candidate) || over) continue;
          const cancelled = await kube.pipelineRuns.patch(
            ref.namespace,
            name,
            { spec: { status: 'Cancelled' } },
            opts(signal),
          );
          if (name === ref.name) run = cancelled;
        }
        return describe(job, run);
      }),

    close: () => kube.close(),
  });
}

/** The last `size` names added, oldest forgotten first. */
class RecentNames {
  readonly #names = new Set<string>();
  readonly #size: number;

  constructor(size: number) {
    this.#size = size;
  }

  has(name: string): boolean {
    return this.#names.has(name);
  }

  add(name: string): void {
    this.#names.add(name);
    if (this.#names.size > this.#size) this.#names.delete(this.#names.values().next().value as string);
  }
}

/** Options that cannot work fail the construction, before any connection is made. */
function checkOptions({ metaStep, policy }: EmbeddedClientOptions): void {
  if (metaStep.resources) {
    const result = ComputeResources.safeParse(metaStep.resources);
    if (!result.success) {
      const issue = result.error.issues[0];
      throw new Error(`metaStep.resources.${issue?.path.join('.')}: ${issue?.message}`);
    }
  }
  if (!policy) return;
  checkRequestPolicy(policy);
  const metaAccount = metaStep.serviceAccount ?? defaultMetaStepServiceAccount;
  if (policy.serviceAccounts?.includes(metaAccount)) {
    throw new Error(
      `request policy: the meta step's ServiceAccount ${metaAccount} cannot be a build's: pull request code would get its rights`,
    );
  }
}

function isFinished(job: LighthouseJob): boolean {
  const phase = phaseOf[job.status?.state ?? 'pending'];
  return phase === 'succeeded' || phase === 'failed' || phase === 'cancelled';
}

/** The meta-pipeline a LighthouseJob (and its PipelineRun, once it exists) stands for. */
function describe(job: LighthouseJob, run: PipelineRun | undefined): MetaPipeline {
  const meta = job.metadata;
  const reference = (object: LighthouseJob | PipelineRun) => ({
    apiVersion: object.apiVersion,
    kind: object.kind,
    namespace: object.metadata.namespace ?? '',
    name: object.metadata.name ?? '',
    uid: object.metadata.uid ?? '',
  });
  return {
    ref: { namespace: meta.namespace ?? '', name: meta.name ?? '' },
    idempotencyKey: meta.annotations?.[ownAnnotations.idempotencyKey] ?? '',
    kind: kindOf(job) ?? (job.spec.type === 'postsubmit' ? 'release' : 'pullrequest'),
    jobName: job.spec.job ?? '',
    context: job.spec.context ?? '',
    owner: job.spec.refs?.org ?? '',
    repo: job.spec.refs?.repo ?? '',
    branch: meta.labels?.[labels.branch] ?? '',
    buildNumber: Number(meta.labels?.[labels.buildNum] ?? '0'),
    resources: run ? [reference(job), reference(run)] : [reference(job)],
    phase: phaseOf[job.status?.state ?? 'pending'],
    description: job.status?.description ?? (run ? 'meta-pipeline created' : 'creating the meta-pipeline'),
    ...(meta.creationTimestamp ? { createdAt: meta.creationTimestamp } : {}),
    ...forPeople(job, run),
  };
}

/**
 * The commit, links, times and activity of a job, each only when the job records it. Until the status
 * sync has first written the job's status, its activity is the meta PipelineRun, as the sync records it.
 */
function forPeople({ spec, status }: LighthouseJob, run: PipelineRun | undefined): Partial<MetaPipeline> {
  const refs = spec.refs;
  const pull = refs?.pulls?.[0];
  const sha = pull?.sha ?? refs?.base_sha;
  const links = defined({
    repo: refs?.repo_link,
    pull: pull?.link,
    commit: pull ? pull.commit_link : refs?.base_link,
  });
  const times = (step: ActivityStageOrStep) =>
    defined({ startedAt: step.startTime, completedAt: step.completionTime });
  const stages = status?.activity?.stages?.map((stage) => ({
    name: stage.name,
    status: stage.status,
    ...times(stage),
    ...(stage.steps
      ? {
          steps: stage.steps.flatMap((step) => {
            const parsed = ActivityStageOrStep.safeParse(step);
            return parsed.success
              ? [{ name: parsed.data.name, status: parsed.data.status, ...times(parsed.data) }]
              : [];
          }),
        }
      : {}),
  }));
  return defined({
    sha,
    pullNumber: pull?.number,
    links: Object.keys(links).length > 0 ? links : undefined,
    startedAt: status?.startTime ?? undefined,
    completedAt: status?.completionTime ?? undefined,
    activityName: status?.activityName ?? run?.metadata.name,
    stages,
  });
}

/** The object without its undefined fields (the schemas are exact: an absent field, not an undefined one). */
function defined<T extends object>(object: T): { [K in keyof T]?: Exclude<T[K], undefined> } {
  return Object.fromEntries(Object.entries(object).filter(([, value]) => value !== undefined)) as {
    [K in keyof T]?: Exclude<T[K], undefined>;
  };
}

function selectorTerms(terms: Record<string, string | undefined>): string[] {
  return Object.entries(terms).flatMap(([key, value]) => {
    if (value === undefined) return [];
    const safe = labelValue(value);
    // A value no label can hold matches nothing, rather than being dropped from the filter.
    return [`${key}=${safe === value ? value : '-unmatchable-'}`];
  });
}

function parse<S extends z.ZodType>(schema: S, input: unknown, what: string): z.output<S> {
  const result = schema.safeParse(input);
  if (!result.success) throw InvalidRequestError.fromZod(result.error, what);
  return result.data;
}

function opts(signal: AbortSignal | undefined) {
  return signal ? { signal } : {};
}

function orUndefinedIfMissing(error: unknown): undefined {
  if (error instanceof KubeNotFoundError) return undefined;
  throw error;
}

/** Runs `call`, turning Kubernetes errors into the interface's own. */
async function translate<T>(call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (error) {
    if (error instanceof MetaPipelineError || !(error instanceof KubeError)) throw error;
    const message = error.message;
    if (error instanceof KubeNotFoundError) throw new NotFoundError(message, { cause: error });
    if (error instanceof KubeConflictError || error instanceof KubeAlreadyExistsError) {
      throw new ConflictError(message, { cause: error });
    }
    if (error instanceof KubeForbiddenError || error instanceof KubeUnauthorizedError) {
      throw new ForbiddenError(message, { cause: error });
    }
    if (error instanceof KubeInvalidError) {
      throw new InvalidRequestError(
        message,
        error.causes.map((c) => ({ path: c.field ?? '', message: c.message ?? c.reason ?? 'invalid' })),
        { cause: error },
      );
    }
    if (error instanceof KubeUnavailableError) throw new UnavailableError(message, { cause: error });
    throw new MetaPipelineError(message, { cause: error });
  }
}
