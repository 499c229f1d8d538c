import type { Postsubmit, Presubmit } from '@lighthouse-ts/config';
import type { MetaPipelineRequest } from '@lighthouse-ts/metapipeline-client';
import type { Milestone, PeopleRole, WebhookEvent } from '@lighthouse-ts/scm';

/**
 * The request for one job, without what the caller adds: the namespace it runs in and the idempotency key.
 * `{ ...job.request, namespace, idempotencyKey }` is a `MetaPipelineRequest`.
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

/** What a plugin asks to be written to the provider: data for the caller to act on, no side effect here. */
export type ProviderAction =
  | {
      type: 'comment';
      pullNumber: number;
      body: string;
      /** Post only if the pull request has no comment with exactly this body yet. */
      unlessAlreadyPosted?: boolean;
      /**
       * The comment stands for a state that changes: ours starting with this marker is edited to this body
       * (and any other copies deleted) instead of a new one posted.
       */
      replacing?: string;
    }
  /** Deletes our comments starting with the marker (a `replacing` comment's), as its state is gone. */
  | { type: 'delete-comment'; pullNumber: number; marker: string }
  | { type: 'add-label'; pullNumber: number; label: string }
  | { type: 'remove-label'; pullNumber: number; label: string }
  | {
      type: 'status';
      sha: string;
      context: string;
      state: 'success' | 'error';
      description: string;
      targetUrl?: string;
    }
  /** Sets the or pull request's milestone, or clears it (null). */
  | { type: 'set-milestone'; pullNumber: number; milestone: Milestone | null }
  | {
      type: 'assign' | 'unassign';
      pullNumber: number;
      logins: string[];
      /** Assigned to the pull request, or asked for a review. */
      as: PeopleRole;
      /** Whose comment asked, answered quoting it when the provider will not take some of the logins. */
      askedBy?: { login: string; body: string; link?: string };
    };

/** A plugin's answer to one event: what to start, skip and cancel, and what to write to the provider. */
export interface Decision {
  /** One line on what the event meant, e.g. why nothing runs. */
  summary: string;
  start: JobToStart[];
  skip: SkippedJob[];
  cancel: SupersededRuns[];
  actions: ProviderAction[];
}

/** A plugin: a pure decision from an event and what it may know or ask (its context). */
export type Plugin<Context> = (event: WebhookEvent, context: Context) => Promise<Decision>;

/** A log line: fields and a message, or a message alone (pino's order). */
export interface LogFunction {
  (fields: object, message?: string): void;
  (message: string): void;
}

/** The least a dispatch logs through: pino's Logger, or anything shaped like it. */
export interface DispatchLogger {
  debug: LogFunction;
  info: LogFunction;
  warn: LogFunction;
  error: LogFunction;
}

export interface DispatchContext {
  /** Carries the delivery id and trace id; log through it so every line can be followed. */
  log: DispatchLogger;
  /** Aborts when the shutdown grace period is over; not when the sender goes away. */
  signal: AbortSignal;
  /** W3C traceparent continuing the delivery's trace, to send on to the runner. */
  traceparent: string;
  /**
   * Which attempt at the delivery this is, 1 for the first: a dispatch tried again after a failure that
   * may pass writes again only what is not yet written (an error status was posted on the first).
   */
  attempt?: number;
  /** Told what was decided and done as it happens, for whoever tells the delivery's story (a web page). */
  record?: DispatchRecorder;
}

/** A ChatOps plugin that could not decide, and why. */
export interface FailedPlugin {
  plugin: string;
  error: unknown;
}

/** What a dispatch tells as it goes; each call adds to the delivery's story. */
export interface DispatchRecorder {
  /** What the plugins decided, and those that could not decide (their decisions missing from it). */
  decided(decision: Decision, failed?: readonly FailedPlugin[]): void;
  consulted(fact: ConsultedFact): void;
  job(job: StartedJob): void;
}

/** One question a plugin asked the provider's API (who is trusted, which files changed...) and its answer. */
export interface ConsultedFact {
  /** The question, e.g. `isCollaborator`. */
  fact: string;
  /** Its arguments, in words. */
  asked: string;
  /** The answer in brief, or the error it met. */
  answer?: string;
  error?: string;
}

/** A job a dispatch started (or found started by an earlier delivery of the event), or could not start. */
export interface StartedJob {
  job: string;
  pipeline?: { namespace: string; name: string; buildNumber: number };
  error?: string;
}

/** What a delivery started and skipped; sent back to the provider, so it shows in its delivery log. */
export interface DispatchResult {
  started: readonly string[];
  skipped?: readonly { job: string; reason: string }[];
}

/**
 * Decides and carries out what one event asks. Throws a `PluginError` (or another error with a boolean
 * `retryable`, such as the meta-pipeline client's) when it could not: retryable ones may succeed on a
 * redelivery, permanent ones need someone to change the configuration. Anything else thrown is a bug.
 */
export type Dispatch = (event: WebhookEvent, context: DispatchContext) => Promise<DispatchResult>;
