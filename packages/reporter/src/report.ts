import {
  apiVersionOf,
  buildPipelineRunName,
  type JobState,
  JobType,
  LighthouseJobStatus,
  labels,
  lighthouseJobType,
  ownLabels,
  type ReportWishes,
  reportWishes,
  Time,
} from '@lighthouse-ts/crds';
import type { ReportState, StatusInput } from '@lighthouse-ts/scm';
import * as z from 'zod';

/** What the reporter reads of a job; the rest (the pipeline spec, the activity's steps) is dropped. */
export const ReportedJob = z.object({
  apiVersion: z.literal(apiVersionOf(lighthouseJobType)),
  kind: z.literal(lighthouseJobType.kind),
  metadata: z.object({
    name: z.string(),
    namespace: z.string().optional(),
    resourceVersion: z.string().optional(),
    creationTimestamp: Time.optional(),
    labels: z.record(z.string(), z.string()).optional(),
  }),
  spec: z
    .object({
      type: JobType.optional(),
      job: z.string().optional(),
      context: z.string().optional(),
      rerun_command: z.string().optional(),
      refs: z
        .object({
          org: z.string(),
          repo: z.string(),
          base_sha: z.string().optional(),
          pulls: z.array(z.object({ number: z.number(), author: z.string(), sha: z.string() })).optional(),
        })
        .optional(),
    })
    .optional(),
  status: LighthouseJobStatus.omit({ activity: true }).optional(),
});
export type ReportedJob = z.infer<typeof ReportedJob>;

/** A commit status to write, and where. */
export interface StatusReport {
  provider: string | undefined;
  owner: string;
  repo: string;
  sha: string;
  status: StatusInput;
}

/** The job's pipeline, for a target URL: what a template may name. */
export type TargetUrl = (job: ReportedJob) => string | undefined;

const terminal = new Set(['success', 'failure', 'error', 'aborted', 'cancelled']);

/** Whether a reported state is final: a job that reported one never reports again (Lighthouse's rule). */
export function isFinalReport(state: string | undefined): boolean {
  return state !== undefined && terminal.has(state);
}

/** How far along a reported state is: none, pending, running, final. A job's reports only go forward. */
export function rank(state: string | undefined): number {
  if (state === undefined) return 0;
  if (isFinalReport(state)) return 3;
  return state === 'running' ? 2 : 1;
}

const reportStates: Record<JobState, ReportState> = {
  triggered: 'pending',
  pending: 'pending',
  running: 'running',
  success: 'success',
  failure: 'failure',
  error: 'error',
  aborted: 'aborted',
};

const words: Record<ReportState, string> = {
  pending: 'Pipeline pending',
  running: 'Pipeline running',
  success: 'Pipeline successful',
  failure: 'Pipeline failed',
  error: 'Pipeline could not run',
  aborted: 'Pipeline aborted',
};

/**
 * The commit status a job's state asks for, or undefined when there is nothing to report: the job has no
 * commit (a periodic), wants no status (`skip_report`), or what it would report was reported already.
 * Each state is reported once: the description is a function of the state (the reason the status sync
 * recorded on a failure, the duration once final), so `status.lastReportState` alone tells what was
 * sent. Once a final state was reported nothing more is; with `running` not wished for, `pending` is
 * all that comes before the end.
 */
export function statusReport(job: ReportedJob, targetUrl: TargetUrl): StatusReport | undefined {
  const refs = job.spec?.refs;
  const wishes = reportWishes(job.metadata.labels?.[ownLabels.report]);
  if (!refs || !wishes.status) return undefined;
  const type = job.spec?.type ?? 'presubmit';
  const pulls = refs.pulls ?? [];
  const sha = type === 'postsubmit' ? refs.base_sha : pulls[0]?.sha;
  if (!sha || type === 'periodic') return undefined;

  const state = reportStates[job.status?.state ?? 'triggered'];
  const last = job.status?.lastReportState;
  if (isFinalReport(last) || state === last) return undefined;
  if (!wishes.running && state === 'running') return undefined;

  const url = targetUrl(job);
  return {
    provider: job.metadata.labels?.[ownLabels.provider],
    owner: refs.org,
    repo: refs.repo,
    sha,
    status: {
      context: job.spec?.context || job.spec?.job || job.metadata.name,
      state,
      description: description(state, job, wishes),
      ...(url ? { targetUrl: url } : {}),
    },
  };
}

function description(state: ReportState, job: ReportedJob, wishes: ReportWishes): string {
  const status = job.status;
  const reason = (state === 'failure' || state === 'error') && status?.description;
  const base = reason ? `${words[state]}: ${reason}` : words[state];
  if (!wishes.duration || !isFinalReport(state) || !status?.startTime || !status.completionTime) return base;
  const ms = Date.parse(status.completionTime) - Date.parse(status.startTime);
  return `${words[state]} (${goDuration(ms)})${reason ? `: ${reason}` : ''}`;
}

/** A duration as Go prints one rounded to seconds (`45s`, `1m23s`, `1h2m3s`), as Lighthouse shows it. */
export function goDuration(ms: number): string {
  const total = Math.max(0, Math.round(ms / 1000));
  const [h, m, s] = [Math.floor(total / 3600), Math.floor((total % 3600) / 60), total % 60];
  if (h) return `${h}h${m}m${s}s`;
  if (m) return `${m}m${s}s`;
  return `${s}s`;
}

const placeholders = [
  'namespace',
  'job',
  'pipelineRun',
  'owner',
  'repo',
  'pull',
  'build',
  'context',
  'branch',
];

/**
 * A target URL from a template such as `https://dashboard.example.com/#/namespaces/{namespace}/pipelineruns/{pipelineRun}`.
 * Each `{name}` is one of the job's facts, URL-encoded: namespace, job (the LighthouseJob's name),
 * pipelineRun (its build PipelineRun), owner, repo, pull, build, context, branch. A template naming
 * anything else is refused when it is made, not when a job reports.
 */
export function targetUrlTemplate(template: string): TargetUrl {
  const named = [...template.matchAll(/\{([^{}]*)\}/g)].map((m) => m[1] ?? '');
  const unknown = named.filter((name) => !placeholders.includes(name));
  if (unknown.length) {
    throw new Error(
      `the target URL template names ${unknown.map((n) => `{${n}}`).join(', ')}; it may name ${placeholders.map((n) => `{${n}}`).join(', ')}`,
    );
  }
  return (job) => {
    const name = job.metadata.name;
    const jobLabels = job.metadata.labels ?? {};
    const facts: Record<string, string | undefined> = {
      namespace: job.metadata.namespace,
      job: name,
      pipelineRun: buildPipelineRunName(name),
      owner: job.spec?.refs?.org,
      repo: job.spec?.refs?.repo,
      pull: job.spec?.refs?.pulls?.[0]?.number.toString(),
      build: jobLabels[labels.buildNum],
      context: job.spec?.context,
      branch: jobLabels[labels.branch],
    };
    return template.replace(/\{([^{}]*)\}/g, (_, key: string) => encodeURIComponent(facts[key] ?? ''));
  };
}
