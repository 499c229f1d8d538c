import { createKubeClient, type KubeClientOptions } from '@lighthouse-ts/kube';
import { type StatusSync, type StatusSyncOptions, startStatusSync } from './sync.ts';

export interface BackgroundStatusSyncOptions extends Omit<StatusSyncOptions, 'kube' | 'signal'> {
  /** The sync's own connection, so its watches and writes never queue behind the app's other calls. */
  kube: KubeClientOptions;
}

/**
 * The status sync beside an app's other work: started at once, in the background (the app need not wait
 * for its first lists), on a Kubernetes connection of its own that `stop` closes.
 */
export function startBackgroundStatusSync(options: BackgroundStatusSyncOptions): StatusSync {
  const { kube: kubeOptions, ...rest } = options;
  const kube = createKubeClient({ fieldManager: 'lighthouse-status-sync', ...kubeOptions });
  const stopping = new AbortController();
  const started = startStatusSync({ ...rest, kube, signal: stopping.signal }).catch((error: unknown) => {
    if (!stopping.signal.aborted) rest.logger?.error({ err: error }, 'the status sync did not start');
    return undefined;
  });
  return {
    async stop() {
      stopping.abort();
      await (await started)?.stop();
      await kube.close();
    },
  };
}
