import { KubeError } from '@lighthouse-ts/kube';
import { Counter, collectDefaultMetrics, Histogram, Registry } from 'prom-client';

/** The runner's one registry and the metrics it records (its own, so tests may make several). */
export interface Metrics {
  readonly registry: Registry;
  readonly requests: Counter<'route' | 'method' | 'code'>;
  readonly requestDuration: Histogram<'route'>;
  readonly created: Counter;
  readonly cancelled: Counter;
  readonly kubeErrors: Counter<'kind'>;
  readonly statusSyncPasses: Counter<'outcome'>;
  readonly reports: Counter<'provider' | 'kind' | 'outcome'>;
  /** Counts `error` if it, or its cause, is a Kubernetes error. */
  countKubeError(error: unknown): void;
}

export function createMetrics(): Metrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  const registers = [registry];
  const kubeErrors = new Counter({
    name: 'runner_kube_errors_total',
    help: 'Failed Kubernetes calls behind requests and readiness checks, by error kind.',
    labelNames: ['kind'] as const,
    registers,
  });
  return {
    registry,
    requests: new Counter({
      name: 'runner_http_requests_total',
      help: 'HTTP requests answered, by route template, method and status code.',
      labelNames: ['route', 'method', 'code'] as const,
      registers,
    }),
    requestDuration: new Histogram({
      name: 'runner_http_request_duration_seconds',
      help: 'Time from request to response, by route template.',
      labelNames: ['route'] as const,
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
      registers,
    }),
    created: new Counter({
      name: 'runner_metapipelines_created_total',
      help: 'Successful create calls (a repeat with the same idempotency key included).',
      registers,
    }),
    cancelled: new Counter({
      name: 'runner_metapipelines_cancelled_total',
      help: 'Successful cancel calls.',
      registers,
    }),
    kubeErrors,
    statusSyncPasses: new Counter({
      name: 'runner_status_sync_passes_total',
      help: 'Passes of the in-process status sync over a job, by outcome: written, unchanged, gone or failed.',
      labelNames: ['outcome'] as const,
      registers,
    }),
    reports: new Counter({
      name: 'runner_reports_total',
      help: "Writes of jobs' states to Git providers, by provider, kind (status, comment) and outcome.",
      labelNames: ['provider', 'kind', 'outcome'] as const,
      registers,
    }),
    countKubeError(error) {
      const kube = error instanceof KubeError ? error : kubeCause(error);
      if (kube) kubeErrors.inc({ kind: kube.name });
    },
  };
}

function kubeCause(error: unknown): KubeError | undefined {
  const cause = error instanceof Error ? error.cause : undefined;
  return cause instanceof KubeError ? cause : undefined;
}
