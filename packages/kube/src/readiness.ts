import type { KubeClient } from './client.ts';
import { KubeForbiddenError, KubeNotFoundError, KubeUnauthorizedError } from './errors.ts';

export type Readiness = { ready: true } | { ready: false; reason: string };

export interface KubeReadinessOptions {
  /** Where to list; the runner's own namespace, where its role lets it read. */
  namespace: string;
  timeoutMs?: number;
  /** Sees each failed Kubernetes call (for metrics). */
  onError?: (error: unknown) => void;
}

/**
 * Ready when Kubernetes answers and serves both resources the runner writes: one page of one
 * LighthouseJob and one PipelineRun is listed. Probes that overlap share one check.
 */
export function kubeReadiness(kube: KubeClient, options: KubeReadinessOptions): () => Promise<Readiness> {
  const { namespace, timeoutMs = 5000, onError } = options;
  const handles = [kube.lighthouseJobs, kube.pipelineRuns];
  let running: Promise<Readiness> | undefined;

  async function check(): Promise<Readiness> {
    const signal = AbortSignal.timeout(timeoutMs);
    for (const handle of handles) {
      const { kind, group, version, plural } = handle.type;
      try {
        await handle.list(namespace, { limit: 1, signal });
      } catch (error) {
        onError?.(error);
        const message = error instanceof Error ? error.message : String(error);
        if (error instanceof KubeNotFoundError) {
          return { ready: false, reason: `the ${kind} CRD is not installed (${plural}.${group}/${version})` };
        }
        if (error instanceof KubeForbiddenError || error instanceof KubeUnauthorizedError) {
          return { ready: false, reason: `Kubernetes refused to list ${kind}s in ${namespace}: ${message}` };
        }
        return { ready: false, reason: `Kubernetes unreachable: ${message}` };
      }
    }
    return { ready: true };
  }

  return () => {
    running ??= check().finally(() => {
      running = undefined;
    });
    return running;
  };
}
