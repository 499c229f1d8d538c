import * as z from 'zod';
import { preserveUnknownFields } from './crd.ts';
import { type ResourceType, resourceSchema, Time } from './meta.ts';
import { PipelineRunSpec } from './pipelinerun.ts';

export const lighthouseJobType: ResourceType = {
  group: 'lighthouse.jenkins.io',
  version: 'v1alpha1',
  kind: 'LighthouseJob',
  plural: 'lighthousejobs',
  namespaced: true,
};

/** Labels and annotations Lighthouse puts on jobs and PipelineRuns; tools and dashboards select on them. */
export const labels = {
  createdByLighthouse: 'created-by-lighthouse',
  type: 'lighthouse.jenkins-x.io/type',
  job: 'lighthouse.jenkins-x.io/job',
  context: 'lighthouse.jenkins-x.io/context',
  org: 'lighthouse.jenkins-x.io/refs.org',
  repo: 'lighthouse.jenkins-x.io/refs.repo',
  pull: 'lighthouse.jenkins-x.io/refs.pull',
  branch: 'lighthouse.jenkins-x.io/branch',
  baseSHA: 'lighthouse.jenkins-x.io/baseSHA',
  lastCommitSHA: 'lighthouse.jenkins-x.io/lastCommitSHA',
  buildNum: 'lighthouse.jenkins-x.io/buildNum',
  id: 'lighthouse.jenkins-x.io/id',
} as const;

/** Labels of ours, beside Lighthouse's. */
/** Annotations of ours on the LighthouseJob, beside Lighthouse's own: a job with them is one of ours. */
export const ownAnnotations = {
  idempotencyKey: 'lighthouse-ts.dev/idempotency-key',
  requestHash: 'lighthouse-ts.dev/request-hash',
  kind: 'lighthouse-ts.dev/pipeline-kind',
} as const;

export const ownLabels = {
  /** Which of a job's PipelineRuns a PipelineRun is. */
  pipelineRole: 'lighthouse-ts.dev/pipeline-role',
  /** The Git provider the job's repository is on (`github`, `gitlab`, ...), which its state goes back to. */
  provider: 'lighthouse-ts.dev/provider',
  /** What the reporter writes for the job (see reportLabel), decided when the job is created. */
  report: 'lighthouse-ts.dev/report',
} as const;

/**
 * What is reported for a job, from the job's `skip_report` and its repository's trigger settings
 * (`skip_report_comment`, `skip_report_running_status`, `show_report_completion_duration`).
 */
export interface ReportWishes {
  /** Commit statuses at all. */
  status: boolean;
  /** The summary comment on a pull request when the job fails. */
  comment: boolean;
  /** A `running` status between `pending` and the end. */
  running: boolean;
  /** The run's duration at the end of a final status's description. */
  duration: boolean;
}

/** Lighthouse's defaults: statuses, the failure comment and the running status; no duration. */
export const defaultReportWishes: ReportWishes = {
  status: true,
  comment: true,
  running: true,
  duration: false,
};
const wishNames = ['status', 'comment', 'running', 'duration'] as const;

/** The label value for `wishes`: the names of those wanted, joined by dots (`none` for none). */
export function reportLabel(wishes: ReportWishes): string {
  return wishNames.filter((name) => wishes[name]).join('.') || 'none';
}

/** The wishes a label value says; a job without the label (made by Go Lighthouse, say) gets the defaults. */
export function reportWishes(label: string | undefined): ReportWishes {
  if (label === undefined) return defaultReportWishes;
  const named = new Set(label.split('.'));
  return Object.fromEntries(wishNames.map((name) => [name, named.has(name)])) as unknown as ReportWishes;
}

/** The meta PipelineRun (named as its job) checks out and creates the build PipelineRun. */
export const PipelineRole = z.enum(['meta', 'build']);
export type PipelineRole = z.infer<typeof PipelineRole>;

/** The build PipelineRun a job's meta step creates is named after the job. */
export function buildPipelineRunName(jobName: string): string {
  return `${jobName}-build`;
}

export const annotations = {
  job: 'lighthouse.jenkins-x.io/job',
  cloneURI: 'lighthouse.jenkins-x.io/cloneURI',
} as const;

export const JobType = z.enum(['presubmit', 'postsubmit', 'periodic', 'batch', 'deployment']);
export type JobType = z.infer<typeof JobType>;

export const Pull = z.object({
  number: z.number().int().nonnegative(),
  author: z.string(),
  sha: z.string().min(1),
  title: z.string().optional(),
  ref: z.string().optional(),
  link: z.string().optional(),
  commit_link: z.string().optional(),
  author_link: z.string().optional(),
});
export type Pull = z.infer<typeof Pull>;

/** What to check out: the base and the pulls to merge onto it, in order (Prow's `Refs`). */
export const Refs = z.object({
  org: z.string().min(1),
  repo: z.string().min(1),
  repo_link: z.string().optional(),
  base_ref: z.string().optional(),
  base_sha: z.string().optional(),
  base_link: z.string().optional(),
  pulls: z.array(Pull).optional(),
  path_alias: z.string().optional(),
  clone_uri: z.string().optional(),
  skip_submodules: z.boolean().optional(),
  clone_depth: z.number().int().optional(),
});
export type Refs = z.infer<typeof Refs>;

export const PipelineRunParam = z.object({
  name: z.string().min(1),
  value_template: z.string().optional(),
});
export type PipelineRunParam = z.infer<typeof PipelineRunParam>;

export const LighthouseJobSpec = z.object({
  type: JobType.optional(),
  agent: z.string().optional(),
  namespace: z.string().optional(),
  job: z.string().optional(),
  refs: Refs.optional(),
  extra_refs: z.array(Refs).optional(),
  context: z.string().optional(),
  rerun_command: z.string().optional(),
  max_concurrency: z.number().int().nonnegative().optional(),
  /** The PipelineRun spec Lighthouse would run; Tekton's CRD validates it when a PipelineRun is made from it. */
  pipeline_run_spec: PipelineRunSpec.meta({ [preserveUnknownFields]: true }).optional(),
  pipeline_run_params: z.array(PipelineRunParam).optional(),
});
export type LighthouseJobSpec = z.infer<typeof LighthouseJobSpec>;

export const JobState = z.enum(['triggered', 'pending', 'running', 'success', 'failure', 'aborted', 'error']);
export type JobState = z.infer<typeof JobState>;

/** One stage or step of an activity record; nested stages are kept as they come. */
export const ActivityStageOrStep = z.object({
  name: z.string(),
  status: z.string(),
  startTime: Time.optional(),
  completionTime: Time.optional(),
  stages: z.array(z.looseObject({})).optional(),
  steps: z.array(z.looseObject({})).optional(),
});
export type ActivityStageOrStep = z.infer<typeof ActivityStageOrStep>;

export const ActivityRecord = z.object({
  name: z.string(),
  jobId: z.string().optional(),
  owner: z.string().optional(),
  repo: z.string().optional(),
  branch: z.string().optional(),
  buildId: z.string().optional(),
  context: z.string().optional(),
  gitURL: z.string().optional(),
  logURL: z.string().optional(),
  linkURL: z.string().optional(),
  status: z.string().optional(),
  baseSHA: z.string().optional(),
  lastCommitSHA: z.string().optional(),
  startTime: Time.optional(),
  completionTime: Time.optional(),
  stages: z.array(ActivityStageOrStep).optional(),
  steps: z.array(ActivityStageOrStep).optional(),
});
export type ActivityRecord = z.infer<typeof ActivityRecord>;

export const LighthouseJobStatus = z.object({
  state: JobState.optional(),
  activityName: z.string().optional(),
  description: z.string().optional(),
  reportURL: z.string().optional(),
  // Lighthouse (Go, *metav1.Time without omitempty) writes null before a job starts.
  startTime: Time.nullable().optional(),
  completionTime: Time.nullable().optional(),
  lastReportState: z.string().optional(),
  lastCommitSHA: z.string().optional(),
  activity: ActivityRecord.optional(),
});
export type LighthouseJobStatus = z.infer<typeof LighthouseJobStatus>;

export const LighthouseJob = resourceSchema(lighthouseJobType, LighthouseJobSpec, LighthouseJobStatus);
export type LighthouseJob = z.infer<typeof LighthouseJob>;
