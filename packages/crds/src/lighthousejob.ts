import { z } from 'zod';
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

/** Labels of ours, beside Lighthouse's: which of a job's PipelineRuns a PipelineRun is. */
export const ownLabels = {
  pipelineRole: 'lighthouse-ts.dev/pipeline-role',
} as const;

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
