import {
  type HttpServer,
  ListenError,
  readSecretFile,
  serveUntilSignal,
  startHttpServer,
} from '@lighthouse-ts/http';
import {
  createKubeClient,
  type KubeClientOptions,
  type KubeConfigSource,
  kubeReadiness,
  loadKubeConfig,
} from '@lighthouse-ts/kube';
import { createEmbeddedClient } from '@lighthouse-ts/metapipeline-client/embedded';
import { startReporter } from '@lighthouse-ts/reporter';
import { type StatusSync, startBackgroundStatusSync } from '@lighthouse-ts/status-sync';
import type { Logger } from 'pino';
import { type BearerAuth, bearerAuth } from './auth.ts';
import { badConfig, metaStepResources, type RunnerConfig } from './config.ts';
import { createLogger } from './logger.ts';
import { createMetrics, type Metrics } from './metrics.ts';
import { type Reporting, reportingFrom } from './report.ts';
import { createMetricsHandler, createRunnerHandler } from './server.ts';

/**
 * `runner serve`: listens until SIGTERM or SIGINT, then drains and resolves to the exit code. Readiness
 * turns false at once, the listener closes, requests in flight get the grace period to finish, idle
 * connections close at once, then the status sync and the reporter stop and the Kubernetes clients close.
 */
export async function serve(config: RunnerConfig): Promise<number> {
  const logger = createLogger(config.logLevel);
  process.on('uncaughtException', (error) => fatal(logger, error, 'uncaught exception'));
  process.on('unhandledRejection', (error) => fatal(logger, error, 'unhandled rejection'));

  let auth: BearerAuth | undefined;
  let kubeConfig: KubeConfigSource;
  let reporting: Reporting | undefined;
  try {
    if (config.tokenFile) auth = bearerAuth(await readSecretFile(config.tokenFile, 'token file'));
    const source = config.kubeconfig ? { kubeconfig: config.kubeconfig } : { inCluster: true as const };
    kubeConfig = { kubeConfig: loadKubeConfig(source) };
    // The reporter runs beside the status sync.
    if (config.statusSync) reporting = await reportingFrom(config, logger);
  } catch (error) {
    process.stderr.write(`runner: ${(error as Error).message}\n`);
    return badConfig;
  }
  if (!auth) {
    logger.warn(
      'authentication is off (--insecure-no-auth): anyone who can reach this port can start pipelines',
    );
  }

  const metrics = createMetrics();
  // Its own connection, without retries: a probe should say what Kubernetes answers now.
  const probeKube = createKubeClient({
    config: kubeConfig,
    retry: { attempts: 1 },
    userAgent: 'lighthouse-runner',
  });
  const kube: KubeClientOptions = {
    config: kubeConfig,
    userAgent: 'lighthouse-runner',
    qps: config.kubeQps,
    burst: config.kubeBurst,
  };
  const client = createEmbeddedClient({
    kube,
    metaStep: {
      image: config.metaStepImage,
      command: config.metaStepCommand,
      serviceAccount: config.metaStepServiceAccount,
      resources: metaStepResources(config),
    },
    // Whoever holds the token may ask for these only: each request is code execution as its build.
    policy: {
      namespaces: [...new Set([config.namespace, ...config.allowedNamespaces])],
      serviceAccounts: config.allowedServiceAccounts,
      ...(config.allowedSourceHosts.length > 0 ? { sourceHosts: config.allowedSourceHosts } : {}),
      sourceSchemes: config.allowedSourceSchemes,
      env: config.allowedEnv,
    },
  });
  const separateMetrics = config.metricsPort !== undefined;
  const handler = createRunnerHandler({
    client,
    auth,
    logger,
    metrics,
    readiness: kubeReadiness(probeKube, { namespace: config.namespace, onError: metrics.countKubeError }),
    maxBodyBytes: config.maxBodyBytes,
    separateMetrics,
  });
  const statusSync = config.statusSync ? startInProcessSync(config, kube, logger, metrics) : undefined;
  const reporter =
    reporting &&
    startReporter({
      ...reporting,
      kube,
      namespace: config.namespace,
      logger: logger.child({ component: 'reporter' }),
      onReport: ({ provider, kind, outcome }) => metrics.reports.inc({ provider, kind, outcome }),
    });
  let metricsServer: HttpServer | undefined;
  const stopBeside = () => Promise.all([statusSync?.stop(), reporter?.stop(), metricsServer?.stop(0)]);
  // Calls still running for a caller that left count too: a creation is finished, not cut in half.
  try {
    // Its own port, for Prometheus: the API's port then serves callers with the token, and probes, only.
    if (separateMetrics) {
      metricsServer = await startHttpServer({
        handler: createMetricsHandler({ logger, metrics }),
        logger,
        host: config.host,
        port: config.metricsPort ?? 0,
      });
    }
    await serveUntilSignal({
      handler,
      logger,
      host: config.host,
      port: config.port,
      graceMs: config.shutdownGraceSeconds * 1000,
      listening: {
        namespace: config.namespace,
        kube: probeKube.server,
        statusSync: config.statusSync,
        ...(metricsServer ? { metricsPort: metricsServer.port } : {}),
      },
      release: async () => {
        await stopBeside();
        await Promise.all([client.close(), probeKube.close()]);
      },
    });
  } catch (error) {
    if (!(error instanceof ListenError)) throw error;
    logger.fatal({ err: error }, 'cannot listen');
    await stopBeside();
    return 1;
  }
  return 0;
}

/** The status sync beside the server; readiness reports Kubernetes as the server sees it. */
function startInProcessSync(
  config: RunnerConfig,
  kube: KubeClientOptions,
  logger: Logger,
  metrics: Metrics,
): StatusSync {
  return startBackgroundStatusSync({
    kube,
    namespace: config.namespace,
    logger: logger.child({ component: 'status-sync' }),
    onSync: (result) => metrics.statusSyncPasses.inc({ outcome: result.outcome }),
  });
}

function fatal(logger: Logger, error: unknown, msg: string): never {
  logger.fatal({ err: error }, msg);
  process.exit(1);
}
