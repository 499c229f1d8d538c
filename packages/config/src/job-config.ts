import * as z from 'zod';
import { branchersIntersect, compileBrancher } from './brancher.ts';
import { compileGoRegExp, type GoRegExp } from './go-regexp.ts';
import { labelIssues } from './labels.ts';
import type { PathIssue } from './path-issue.ts';
import {
  agents,
  type ChangeMatcher,
  type JobBase,
  type JobConfig,
  type Postsubmit,
  type Presubmit,
} from './types.ts';

const jobName = /^[A-Za-z0-9-._]+$/;

// Go reads a YAML null as the zero value, so every optional field also accepts null.
const text = z.string().nullish();
const flag = z.boolean().nullish();
const list = z.array(z.string()).nullish();
const stringMap = z.record(z.string(), z.string()).nullish();

// The descriptions are what an editor shows from the JSON Schema generated from these (schema/).
const jobBaseFields = {
  name: z
    .string()
    .regex(jobName, `must match ${jobName.source}`)
    .describe('The job name: letters, digits, -, . and _.'),
  context: text.describe('The commit status context; the job name when empty.'),
  agent: z.enum(agents).nullish().describe('What runs the job; tekton is the old name of jenkins-x.'),
  namespace: text.describe("Where the job runs; the deployment's namespace when empty."),
  labels: stringMap.describe("Kubernetes labels added to the job's resources."),
  annotations: stringMap.describe("Kubernetes annotations for the job's resources."),
  max_concurrency: z
    .number()
    .int()
    .min(0, 'must not be negative')
    .nullish()
    .describe('How many runs of the job may run at once; 0 means no limit.'),
  skip_report: flag.describe('Do not report the job to the Git provider.'),
  branches: list.describe(
    'Go regexps of the branches the job runs for (any of them); every branch when empty.',
  ),
  skip_branches: list.describe('Go regexps of the branches the job never runs for.'),
  run_if_changed: text.describe('Go regexp: run when a changed file matches it.'),
  skip_if_only_changed: text.describe('Go regexp: do not run when every changed file matches it.'),
  ignore_changes: text.describe('Go regexp: changed files matching it are passed over.'),
  pipeline_run_params: z
    .array(z.looseObject({ name: z.string().min(1), value_template: text }))
    .nullish()
    .describe('Params given to the PipelineRun; value_template is a Go template.'),
  pipeline_run_spec: z.unknown().optional().describe('The PipelineRun spec, kept as written.'),
};

// Loose: Lighthouse and Prow have many more fields; those we do not use are kept out of the way, not refused.
const PresubmitFile = z.looseObject({
  ...jobBaseFields,
  always_run: flag.describe('Run on every pull request; excludes run_if_changed and skip_if_only_changed.'),
  optional: flag.describe('A failure does not block merging.'),
  require_run: flag,
  trigger: text.describe('Go regexp a comment must match to start the job; /test <name> when empty.'),
  rerun_command: text.describe('The comment that starts the job again; must match trigger.'),
});
const PostsubmitFile = z.looseObject(jobBaseFields);

export const ConfigFile = z.looseObject({
  presubmits: z
    .record(z.string(), z.array(PresubmitFile).nullable())
    .nullish()
    .describe('Jobs for pull requests, by org/repo.'),
  postsubmits: z
    .record(z.string(), z.array(PostsubmitFile).nullable())
    .nullish()
    .describe('Jobs for pushes to branches, by org/repo.'),
});
export type ConfigFile = z.output<typeof ConfigFile>;
type PresubmitFile = z.output<typeof PresubmitFile>;
type PostsubmitFile = z.output<typeof PostsubmitFile>;
type JobBaseFile = PresubmitFile | PostsubmitFile;

/** Lighthouse's default trigger for a job: `/test <name>` anywhere among the words after `/test`. */
export const defaultTriggerFor = (name: string) => `(?m)^/test( | .* )${name},?($|\\s.*)`;
export const defaultRerunCommandFor = (name: string) => `/test ${name}`;

export function compileJobConfig(
  file: ConfigFile,
  jobsNamespace?: string,
): { config: JobConfig; issues: PathIssue[] } {
  const issues: PathIssue[] = [];
  const checkNamespace = (job: JobBaseFile, path: readonly PropertyKey[]) => {
    if (!jobsNamespace || !job.namespace || job.namespace === jobsNamespace) return;
    issues.push({
      path: [...path, 'namespace'],
      reason: `job ${job.name} runs in ${job.namespace}, but jobs run and are followed in ${jobsNamespace} only; remove the namespace`,
    });
  };
  const presubmits = new Map<string, Presubmit[]>();
  for (const [repo, jobs] of Object.entries(file.presubmits ?? {})) {
    const compiled = (jobs ?? []).map((job, index) => {
      const result = compilePresubmit(job, ['presubmits', repo, index]);
      checkNamespace(job, ['presubmits', repo, index]);
      issues.push(...result.issues);
      return result.job;
    });
    issues.push(...duplicatePresubmits(compiled, repo));
    presubmits.set(repo, compiled);
  }
  const postsubmits = new Map<string, Postsubmit[]>();
  for (const [repo, jobs] of Object.entries(file.postsubmits ?? {})) {
    const compiled = (jobs ?? []).map((job, index) => {
      const result = compileJobBase(job, ['postsubmits', repo, index]);
      checkNamespace(job, ['postsubmits', repo, index]);
      issues.push(...result.issues);
      return result.job;
    });
    issues.push(...duplicatePostsubmits(compiled, repo));
    postsubmits.set(repo, compiled);
  }
  return { config: { presubmits, postsubmits }, issues };
}

function compileJobBase(
  job: JobBaseFile,
  path: readonly PropertyKey[],
): { job: JobBase; issues: PathIssue[] } {
  const issues: PathIssue[] = [];
  const pattern = (field: 'run_if_changed' | 'skip_if_only_changed' | 'ignore_changes') =>
    optionalRegExp(job[field], [...path, field], issues);
  const changes: ChangeMatcher = {
    runIfChanged: pattern('run_if_changed'),
    skipIfOnlyChanged: pattern('skip_if_only_changed'),
    ignoreChanges: pattern('ignore_changes'),
  };
  if (job.run_if_changed && job.skip_if_only_changed) {
    issues.push({
      path: [...path, 'skip_if_only_changed'],
      reason: `job ${job.name} declares run_if_changed and skip_if_only_changed, which are mutually exclusive`,
    });
  }
  const branches = compileBrancher(job.branches ?? [], job.skip_branches ?? [], path);
  issues.push(...branches.issues);
  const labels = job.labels ?? {};
  issues.push(...labelIssues(labels, [...path, 'labels']));
  return {
    job: {
      name: job.name,
      context: job.context || job.name,
      agent: job.agent ?? 'jenkins-x',
      namespace: job.namespace || undefined,
      labels,
      annotations: job.annotations ?? {},
      maxConcurrency: job.max_concurrency ?? 0,
      skipReport: job.skip_report ?? false,
      brancher: branches.brancher,
      changes,
      pipelineRunParams: (job.pipeline_run_params ?? []).map(({ name, value_template }) => ({
        name,
        ...(value_template ? { value_template } : {}),
      })),
      pipelineRunSpec: job.pipeline_run_spec ?? undefined,
    },
    issues,
  };
}

function compilePresubmit(
  job: PresubmitFile,
  path: readonly PropertyKey[],
): { job: Presubmit; issues: PathIssue[] } {
  const { job: base, issues } = compileJobBase(job, path);
  const alwaysRun = job.always_run ?? false;
  if (alwaysRun && job.run_if_changed) {
    issues.push({
      path: [...path, 'run_if_changed'],
      reason: `job ${job.name} is set to always run but also declares run_if_changed targets, which are mutually exclusive`,
    });
  }
  if (alwaysRun && job.skip_if_only_changed) {
    issues.push({
      path: [...path, 'skip_if_only_changed'],
      reason: `job ${job.name} is set to always run but also declares skip_if_only_changed, which are mutually exclusive`,
    });
  }
  // Both default together; with only one of them set, validation below decides.
  const bothUnset = !job.trigger && !job.rerun_command;
  const triggerSource = bothUnset ? defaultTriggerFor(job.name) : job.trigger || '';
  const rerunCommand = bothUnset ? defaultRerunCommandFor(job.name) : job.rerun_command || '';
  const trigger = optionalRegExp(triggerSource, [...path, 'trigger'], issues);
  if (trigger && !trigger.regexp.test(rerunCommand)) {
    issues.push({
      path: [...path, 'rerun_command'],
      reason: `rerun command ${JSON.stringify(rerunCommand)} does not match trigger ${JSON.stringify(triggerSource)}`,
    });
  }
  return {
    job: {
      ...base,
      alwaysRun,
      optional: job.optional ?? false,
      requireRun: job.require_run ?? false,
      trigger,
      rerunCommand,
    },
    issues,
  };
}

function optionalRegExp(
  source: string | null | undefined,
  path: readonly PropertyKey[],
  issues: PathIssue[],
): GoRegExp | undefined {
  if (!source) return undefined;
  const compiled = compileGoRegExp(source);
  if (compiled.ok) return compiled.value;
  issues.push({ path, reason: compiled.reason });
  return undefined;
}

function duplicatePresubmits(jobs: readonly Presubmit[], repo: string): PathIssue[] {
  const issues: PathIssue[] = [];
  jobs.forEach((job, index) => {
    const first = jobs.findIndex((other) => other.name === job.name);
    if (first < index) {
      issues.push({
        path: ['presubmits', repo, index, 'name'],
        reason: `duplicated presubmit job ${job.name} (also at index ${first})`,
      });
    }
  });
  return issues;
}

// Postsubmits may share a name when they run on different branches.
function duplicatePostsubmits(jobs: readonly Postsubmit[], repo: string): PathIssue[] {
  const issues: PathIssue[] = [];
  jobs.forEach((job, index) => {
    const first = jobs.findIndex(
      (other, otherIndex) =>
        otherIndex < index && other.name === job.name && branchersIntersect(other.brancher, job.brancher),
    );
    if (first !== -1) {
      issues.push({
        path: ['postsubmits', repo, index, 'name'],
        reason: `duplicated postsubmit job ${job.name} for the same branches (also at index ${first})`,
      });
    }
  });
  return issues;
}
