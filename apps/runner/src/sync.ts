import { createKubeClient, type KubeClient, type KubeClientOptions } from '@lighthouse-ts/kube';
import { startReporter } from '@lighthouse-ts/reporter';
import { startStatusSync } from '@lighthouse-ts/status-sync';
import { badConfig, type SyncConfig } from './config.ts';
import { createLogger } from './logger.ts';
import { type Reporting, reportingFrom } from './report.ts';

/**
 * `runner sync`: keeps the LighthouseJobs of one namespace in step with their PipelineRuns, and reports
 * them to their providers, until SIGTERM or SIGINT; then stops watching, lets the writes in flight finish
 * and resolves to the exit code.
 */
export async function sync(config: SyncConfig): Promise<number> {
  const logger = createLogger(config.logLevel);
  const kubeOptions: KubeClientOptions = {
    config: config.kubeconfig ? { kubeconfig: config.kubeconfig } : { inCluster: true },
    userAgent: 'lighthouse-runner',
    qps: config.kubeQps,
    burst: config.kubeBurst,
  };
  let kube: KubeClient;
  let reporting: Reporting | undefined;
  try {
    kube = createKubeClient({ ...kubeOptions, fieldManager: 'lighthouse-status-sync' });
    reporting = await reportingFrom(config, logger);
  } catch (error) {
    process.stderr.write(`runner: ${(error as Error).message}\n`);
    return badConfig;
  }
  const stop = new AbortController();
  const signalled = new Promise<NodeJS.Signals>((resolve) => {
    for (const signal of ['SIGTERM', 'SIGINT'] as const) process.once(signal, () => resolve(signal));
  });
  void signalled.then(() => stop.abort());

  logger.info({ namespace: config.namespace, kube: kube.server }, 'starting the status sync');
  const reporter =
    reporting &&
    startReporter({
      ...reporting,
      kube: kubeOptions,
      namespace: config.namespace,
      logger: logger.child({ component: 'reporter' }),
    });
  // Until the first lists come back it waits for Kubernetes (retrying, and logging each failure).
  const statusSync = await startStatusSync({
    kube,
    namespace: config.namespace,
    logger: logger.child({ component: 'status-sync' }),
    signal: stop.signal,
  }).catch((error: unknown) => {
    if (stop.signal.aborted) return undefined;
    throw error;
  });
  logger.info({ signal: await signalled }, 'shutting down');
  await Promise.all([statusSync?.stop(), reporter?.stop()]);
  await kube.close();
  logger.info('stopped');
  return 0;
}
