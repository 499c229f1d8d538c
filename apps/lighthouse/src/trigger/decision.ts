import type { MetaPipelineRequest } from '@lighthouse-ts/metapipeline-client';
import type { Postsubmit, Presubmit } from '../config/index.ts';

/**
 * The request for one job, without what the caller adds: the namespace it runs in and the idempotency key
 * (delivery id + job name). `{ ...job.request, namespace, idempotencyKey }` is a `MetaPipelineRequest`.
 */
export type JobRequest = Omit<MetaPipelineRequest, 'idempotencyKey' | 'namespace' | 'serviceAccount'>;

export interface JobToStart {
  request: JobRequest;
  /** The job's own namespace from the config, when it sets one. */
  namespace?: string;
  /** The job as configured (pipeline_run_params, pipeline_run_spec, agent, max_concurrency ...). */
  job: Presubmit | Postsubmit;
  /** Why it runs, in words. */
  why: string;
}

export interface SkippedJob {
  jobName: string;
  context: string;
  /** Why it does not run, in words (what `replay --dry-run` prints). */
  why: string;
}

/** Running pipelines of these jobs on this pull request, for any other head commit, are superseded. */
export interface SupersededRuns {
  pullNumber: number;
  jobNames: string[];
  /** The new head commit: runs for it are the ones just started, not superseded. */
  headSha: string;
}

/** What the trigger would post to the provider: data for the caller to act on, no side effects here. */
export type TriggerAction =
  | {
      type: 'comment';
      pullNumber: number;
      body: string;
      /** Post only if the pull request has no comment with exactly this body yet. */
      unlessAlreadyPosted?: boolean;
    }
  | { type: 'add-label'; pullNumber: number; label: string }
  | { type: 'remove-label'; pullNumber: number; label: string }
  | { type: 'status'; sha: string; context: string; state: 'success'; description: string };

export interface Decision {
  /** One line on what the event meant, e.g. why nothing runs. */
  summary: string;
  start: JobToStart[];
  skip: SkippedJob[];
  cancel: SupersededRuns[];
  actions: TriggerAction[];
}

export const nothing = (
  summary: string,
  skip: SkippedJob[] = [],
  actions: TriggerAction[] = [],
): Decision => ({
  summary,
  start: [],
  skip,
  cancel: [],
  actions,
});

export const allSkipped = (jobs: readonly (Presubmit | Postsubmit)[], why: string): SkippedJob[] =>
  jobs.map((job) => ({ jobName: job.name, context: job.context, why }));
