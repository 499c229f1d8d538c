import * as z from 'zod';

/** A Kubernetes name part: lower-case letters, digits and dashes (RFC 1123 label). */
const dnsLabel = z
  .string()
  .max(63)
  .regex(
    /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/,
    'lower-case letters, digits and dashes, starting and ending alphanumeric',
  );

const gitSha = z.string().regex(/^[0-9a-f]{7,64}$/, 'a hexadecimal git commit SHA');

const labelKey = z
  .string()
  .max(317)
  .regex(
    /^([a-z0-9]([-a-z0-9.]*[a-z0-9])?\/)?[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$/,
    'a Kubernetes label key',
  );
const labelValue = z
  .string()
  .max(63)
  .regex(/^([A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?)?$/, 'a Kubernetes label value');

/**
 * The request's variables reach the meta step's own process too, so none may steer git, Node, the
 * dynamic linker, the runner or the step's Kubernetes access.
 */
const envName = z
  .string()
  .regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'an environment variable name')
  .refine(
    (name) => !/^(GIT_|NODE_|LD_|RUNNER_|LIGHTHOUSE_|KUBERNETES_)|^(PATH|HOME|KUBECONFIG)$/.test(name),
    'not one that steers the meta step (GIT_*, NODE_*, LD_*, RUNNER_*, LIGHTHOUSE_*, KUBERNETES_*, PATH, HOME, KUBECONFIG)',
  );

/**
 * What a meta-pipeline builds: a pull request's merge (`pullrequest`), a branch after a push (`release`),
 * or a branch that is not released (`feature`).
 */
export const PipelineKind = z.enum(['pullrequest', 'release', 'feature']);
export type PipelineKind = z.infer<typeof PipelineKind>;

export const PullRequestRef = z.strictObject({
  number: z.number().int().positive(),
  sha: gitSha,
  author: z.string().min(1).optional(),
  title: z.string().optional(),
  link: z.url().optional(),
});
export type PullRequestRef = z.infer<typeof PullRequestRef>;

/** The code to check out: a base commit and the pull requests to merge onto it, in order. */
export const PullRefs = z.strictObject({
  /**
   * The clone URL. Never `ext::`, which runs a command; the meta step also fetches over network transports
   * only unless its operator allows more (`file`, for a repository on a volume).
   */
  sourceUrl: z.url().refine((url) => !/^ext:/i.test(url), 'must not be an ext:: command'),
  owner: z.string().min(1),
  repo: z.string().min(1),
  repoLink: z.url().optional(),
  baseBranch: z.string().min(1),
  baseSha: gitSha,
  baseLink: z.url().optional(),
  pulls: z.array(PullRequestRef).max(64).default([]),
});
export type PullRefs = z.infer<typeof PullRefs>;

export const MetaPipelineRequest = z
  .strictObject({
    /** Same key, same pipeline: the webhook delivery id and the job name, for instance. */
    idempotencyKey: z.string().min(1).max(512),
    namespace: dnsLabel,
    kind: PipelineKind,
    jobName: z.string().min(1).max(63),
    /** The status context the job reports under; defaults to the job name. */
    context: z.string().min(1).max(253).optional(),
    rerunCommand: z.string().optional(),
    pullRefs: PullRefs,
    /** Set on every step of the meta-pipeline and of the pipeline it creates. */
    env: z.record(envName, z.string()).default({}),
    labels: z.record(labelKey, labelValue).default({}),
    serviceAccount: dnsLabel.optional(),
  })
  .refine((r) => r.kind !== 'pullrequest' || r.pullRefs.pulls.length > 0, {
    path: ['pullRefs', 'pulls'],
    message: 'a pullrequest pipeline needs at least one pull request',
  });
export type MetaPipelineRequest = z.input<typeof MetaPipelineRequest>;
export type ParsedMetaPipelineRequest = z.output<typeof MetaPipelineRequest>;

/**
 * The branch a request's pipeline lists under (MetaPipeline's `branch`): `PR-<n>` for one pull request,
 * `batch` for several, else the base branch (as Lighthouse names them).
 */
export function branchIdentifier({ kind, pullRefs }: Pick<MetaPipelineRequest, 'kind' | 'pullRefs'>): string {
  const pulls = pullRefs.pulls ?? [];
  if (kind !== 'pullrequest') return pullRefs.baseBranch;
  return pulls.length === 1 ? `PR-${pulls[0]?.number}` : 'batch';
}

/** Names one meta-pipeline. */
export const MetaPipelineRef = z.strictObject({ namespace: dnsLabel, name: z.string().min(1).max(253) });
export type MetaPipelineRef = z.infer<typeof MetaPipelineRef>;

export const Phase = z.enum(['pending', 'running', 'succeeded', 'failed', 'cancelled']);
export type Phase = z.infer<typeof Phase>;

export const ResourceRef = z.object({
  apiVersion: z.string(),
  kind: z.string(),
  namespace: z.string(),
  name: z.string(),
  uid: z.string(),
});
export type ResourceRef = z.infer<typeof ResourceRef>;

const Step = z.object({
  name: z.string(),
  status: z.string(),
  startedAt: z.iso.datetime({ offset: true }).optional(),
  completedAt: z.iso.datetime({ offset: true }).optional(),
});
const Stage = Step.extend({ steps: z.array(Step).optional() });
export type ActivityStage = z.infer<typeof Stage>;

/**
 * A meta-pipeline as the client answers it. Not strict, unlike requests: a newer runner may answer with
 * fields this client does not know yet, which are dropped rather than refused, so the runner can be
 * upgraded before lighthouse.
 */
export const MetaPipeline = z.object({
  ref: MetaPipelineRef,
  idempotencyKey: z.string(),
  kind: PipelineKind,
  jobName: z.string(),
  context: z.string(),
  owner: z.string(),
  repo: z.string(),
  /** `PR-<number>` for a pull request, else the branch name. */
  branch: z.string(),
  buildNumber: z.number().int().positive(),
  /** The resources created for it: the LighthouseJob and the meta PipelineRun. */
  resources: z.array(ResourceRef),
  phase: Phase,
  description: z.string(),
  createdAt: z.iso.datetime({ offset: true }).optional(),
  // What a person looking at the job wants (lighthouse's web page); a runner before 0.3 sends none of it.
  /** The commit built: the pull request's head, or the pushed commit. */
  sha: z.string().optional(),
  pullNumber: z.number().int().nonnegative().optional(),
  links: z
    .object({ repo: z.string().optional(), pull: z.string().optional(), commit: z.string().optional() })
    .optional(),
  startedAt: z.iso.datetime({ offset: true }).optional(),
  completedAt: z.iso.datetime({ offset: true }).optional(),
  /** The PipelineRun the job's state follows: the build's once the meta step created it. */
  activityName: z.string().optional(),
  /** The tasks of that PipelineRun and their steps, as the status sync recorded them. */
  stages: z.array(Stage).optional(),
});
export type MetaPipeline = z.infer<typeof MetaPipeline>;

export const ListFilter = z.strictObject({
  namespace: dnsLabel,
  owner: z.string().min(1).optional(),
  repo: z.string().min(1).optional(),
  branch: z.string().min(1).optional(),
  context: z.string().min(1).optional(),
});
export type ListFilter = z.infer<typeof ListFilter>;

export const MetaPipelineList = z.object({ items: z.array(MetaPipeline) });
export type MetaPipelineList = z.infer<typeof MetaPipelineList>;

/** An RFC 9457 problem document: how both sides describe an error over HTTP. */
export const Problem = z.looseObject({
  type: z.string(),
  title: z.string(),
  status: z.number().int(),
  detail: z.string().optional(),
  /** For invalid requests: which fields and why. */
  errors: z.array(z.strictObject({ path: z.string(), message: z.string() })).optional(),
  requestId: z.string().optional(),
});
export type Problem = z.infer<typeof Problem>;
