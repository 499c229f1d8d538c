import { createKubeClient, type KubeClientOptions } from '@lighthouse-ts/kube';
import { type StatusSync, type StatusSyncOptions, startStatusSync } from './sync.ts';

export interface BackgroundStatusSyncOptions extends Omit<StatusSyncOptions, 'kube' | 'signal'> {
  /** The sync's own connection, so its watches and writes never queue behind the app's other calls. */
  kube: KubeClientOptions;
}

export interface BackgroundStatusSync extends StatusSync {
  /** Running once its first lists are done; until then, and while it cannot start, why not. */
  readiness(): { ready: true } | { ready: false; reason: string };
}

/**
 * The status sync beside an app's other work: started at once, in the background (the app need not wait
 * for its first lists), on a Kubernetes connection of its own that `stop` closes. Until its first lists
 * succeed (the API server down, RBAC not granted yet) its informers keep trying with backoff, and
 * `readiness` says why it is not ready.
 */
export function startBackgroundStatusSync(options: BackgroundStatusSyncOptions): BackgroundStatusSync {
  const { kube: kubeOptions, ...rest } = options;
  const kube = createKubeClient({ fieldManager: 'lighthouse-status-sync', ...kubeOptions });
  const stopping = new AbortController();
  const { signal } = stopping;
  let state: ReturnType<BackgroundStatusSync['readiness']> = {
    ready: false,
    reason: 'the status sync is starting',
  };
  const started = startStatusSync({
    ...rest,
    kube,
    signal,
    onRetry: (error, kind) => {
      rest.onRetry?.(error, kind);
      if (state.ready) return;
      state = { ready: false, reason: `the status sync cannot list ${kind}s yet: ${messageOf(error)}` };
    },
  }).then(
    (sync) => {
      state = { ready: true };
      return sync;
    },
    (error: unknown) => {
      if (!signal.aborted) {
        state = { ready: false, reason: `the status sync stopped: ${messageOf(error)}` };
        rest.logger?.error({ err: error }, 'the status sync did not start');
      }
      return undefined;
    },
  );
  return {
    readiness: () => state,
    async stop() {
      stopping.abort();
      await (await started)?.stop();
      await kube.close();
    },
  };
}

const messageOf = (error: unknown) => (error instanceof Error ? error.message : String(error));
