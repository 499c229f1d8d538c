import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';

/**
 * Lighthouse's one registry and what it records. The server records deliveries, durations and dispatch
 * errors itself; jobs started and config reloads are counted by the callers that know about them.
 */
export interface Metrics {
  readonly registry: Registry;
  /** Answered deliveries on /hook; `event` is `unverified` until a signature has been checked. */
  readonly deliveries: Counter<'provider' | 'event' | 'code'>;
  /** From receipt to answer, by provider. */
  readonly deliveryDuration: Histogram<'provider'>;
  /** From the start of dispatch to its end (past the answer, for the ones that outlast the budget). */
  readonly dispatchDuration: Histogram<'outcome'>;
  readonly dispatchesInFlight: Gauge;
  /** Events waiting for an earlier event of the same pull request to be carried out. */
  readonly dispatchesQueued: Gauge;
  readonly dispatchRetries: Counter;
  /** Deliveries answered 202 and kept in the pending store until their dispatch settles. */
  readonly deliveriesKept: Gauge;
  readonly keepFailures: Counter;
  readonly duplicates: Counter<'provider'>;
  /** Dispatch failures by error type: a MetaPipelineError subclass name, or `unexpected`. */
  readonly dispatchErrors: Counter<'type'>;
  readonly jobsStarted: Counter<'repo' | 'job'>;
  readonly configReloads: Counter;
  readonly configReloadFailures: Counter;
  readonly statusSyncPasses: Counter<'outcome'>;
  readonly reports: Counter<'provider' | 'kind' | 'outcome'>;
  /** Requests to external plugins that ended, by plugin (named in plugins.yaml) and outcome (delivered or failed). */
  readonly externalPluginSends: Counter<'plugin' | 'outcome'>;
  /** Requests to external plugins never sent or cut short, by plugin and reason (queue_full or shutdown). */
  readonly externalPluginDrops: Counter<'plugin' | 'reason'>;
}

/** A new registry with the process's default metrics and lighthouse's own (a new one per call, for tests). */
export function createMetrics(): Metrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  const registers = [registry];
  // GitHub gives up after 10 s, so the buckets are finest below that.
  const buckets = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 8, 10, 30, 60];
  return {
    registry,
    deliveries: new Counter({
      name: 'lighthouse_webhook_deliveries_total',
      help: 'Webhook deliveries answered, by provider, event and HTTP status code.',
      labelNames: ['provider', 'event', 'code'] as const,
      registers,
    }),
    deliveryDuration: new Histogram({
      name: 'lighthouse_webhook_duration_seconds',
      help: 'Time from receiving a delivery to answering it, by provider.',
      labelNames: ['provider'] as const,
      buckets,
      registers,
    }),
    dispatchDuration: new Histogram({
      name: 'lighthouse_dispatch_duration_seconds',
      help: 'Time to decide and start the jobs of one delivery, by outcome (ok or error).',
      labelNames: ['outcome'] as const,
      buckets,
      registers,
    }),
    dispatchesInFlight: new Gauge({
      name: 'lighthouse_dispatches_in_flight',
      help: 'Deliveries being dispatched now, including those already answered with 202.',
      registers,
    }),
    dispatchesQueued: new Gauge({
      name: 'lighthouse_dispatches_queued',
      help: 'Events waiting for an earlier event of the same pull request to be decided and carried out.',
      registers,
    }),
    deliveriesKept: new Gauge({
      name: 'lighthouse_deliveries_kept',
      help: 'Deliveries answered 202 and kept on disk (--pending-dir) until their jobs exist.',
      registers,
    }),
    keepFailures: new Counter({
      name: 'lighthouse_delivery_keep_failures_total',
      help: 'Deliveries answered 202 that could not be written to --pending-dir: a restart before their jobs exist loses them.',
      registers,
    }),
    dispatchRetries: new Counter({
      name: 'lighthouse_dispatch_retries_total',
      help: 'Dispatches tried again after a failure that may pass (Kubernetes, the runner or a provider unavailable).',
      registers,
    }),
    duplicates: new Counter({
      name: 'lighthouse_webhook_duplicates_total',
      help: 'Deliveries seen before within the dedupe window (nothing was started for them).',
      labelNames: ['provider'] as const,
      registers,
    }),
    dispatchErrors: new Counter({
      name: 'lighthouse_dispatch_errors_total',
      help: 'Failed dispatches, by error type.',
      labelNames: ['type'] as const,
      registers,
    }),
    jobsStarted: new Counter({
      name: 'lighthouse_jobs_started_total',
      help: 'Jobs started, by repository (owner/name) and job name.',
      labelNames: ['repo', 'job'] as const,
      registers,
    }),
    configReloads: new Counter({
      name: 'lighthouse_config_reloads_total',
      help: 'Configuration reloads that took effect.',
      registers,
    }),
    configReloadFailures: new Counter({
      name: 'lighthouse_config_reload_failures_total',
      help: 'Configuration reloads refused (the last good configuration keeps serving).',
      registers,
    }),
    statusSyncPasses: new Counter({
      name: 'lighthouse_status_sync_passes_total',
      help: 'Passes of the in-process status sync over a job, by outcome (written, unchanged, gone, failed).',
      labelNames: ['outcome'],
      registers,
    }),
    reports: new Counter({
      name: 'lighthouse_reports_total',
      help: "Writes of jobs' states to Git providers (kind status or comment), by outcome (written, failed, waiting, ...).",
      labelNames: ['provider', 'kind', 'outcome'],
      registers,
    }),
    externalPluginSends: new Counter({
      name: 'lighthouse_external_plugin_sends_total',
      help: 'Events sent to external plugins, by plugin and outcome (delivered, or failed after its retries).',
      labelNames: ['plugin', 'outcome'] as const,
      registers,
    }),
    externalPluginDrops: new Counter({
      name: 'lighthouse_external_plugin_drops_total',
      help: 'Events for external plugins dropped unsent or aborted, by plugin and reason (queue_full, shutdown).',
      labelNames: ['plugin', 'reason'] as const,
      registers,
    }),
  };
}
