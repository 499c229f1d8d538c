import { once } from 'node:events';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createKubeClient, type KubeConfigSource, loadKubeConfig } from '@lighthouse-ts/kube';
import { createEmbeddedClient } from '@lighthouse-ts/metapipeline-client/embedded';
import { type StatusSync, startBackgroundStatusSync } from '@lighthouse-ts/status-sync';
import { type Logger, pino } from 'pino';
import { type BearerAuth, bearerAuth, readToken } from './auth.ts';
import { badConfig, type RunnerConfig } from './config.ts';
import { createMetrics, type Metrics } from './metrics.ts';
import { kubeReadiness } from './readiness.ts';
import { clientErrorListener, createRunnerHandler } from './server.ts';

/**
 * `runner serve`: listens until SIGTERM or SIGINT, then drains and resolves to the exit code. Readiness
 * turns false at once, the listener closes, requests in flight get the grace period to finish, idle
 * connections close at once, then the status sync stops and the Kubernetes clients close.
 */
export async function serve(config: RunnerConfig): Promise<number> {
  const logger = pino(
    { name: 'runner', level: config.logLevel, timestamp: pino.stdTimeFunctions.isoTime },
    pino.destination({ dest: 1, sync: true }),
  );
  process.on('uncaughtException', (error) => fatal(logger, error, 'uncaught exception'));
  process.on('unhandledRejection', (error) => fatal(logger, error, 'unhandled rejection'));

  let auth: BearerAuth | undefined;
  let kubeConfig: KubeConfigSource;
  try {
    if (config.tokenFile) auth = bearerAuth(await readToken(config.tokenFile));
    const source = config.kubeconfig ? { kubeconfig: config.kubeconfig } : { inCluster: true as const };
    kubeConfig = { kubeConfig: loadKubeConfig(source) };
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
  const client = createEmbeddedClient({
    kube: {
      config: kubeConfig,
      userAgent: 'lighthouse-runner',
      qps: config.kubeQps,
      burst: config.kubeBurst,
    },
    metaStep: {
      image: config.metaStepImage,
      command: config.metaStepCommand,
      serviceAccount: config.metaStepServiceAccount,
    },
  });
  const handler = createRunnerHandler({
    client,
    auth,
    logger,
    metrics,
    readiness: kubeReadiness(probeKube, { namespace: config.namespace, onError: metrics.countKubeError }),
    maxBodyBytes: config.maxBodyBytes,
  });
  const server = createServer(handler);
  server.on('clientError', clientErrorListener(logger));
  const statusSync = config.statusSync ? startInProcessSync(config, kubeConfig, logger, metrics) : undefined;

  server.listen(config.port, config.host);
  try {
    await once(server, 'listening');
  } catch (error) {
    logger.fatal({ err: error }, 'cannot listen');
    await statusSync?.stop();
    return 1;
  }
  // Before the line that says it listens: whoever waits for that line may signal at once.
  const signalled = new Promise<NodeJS.Signals>((resolve) => {
    process.once('SIGTERM', resolve);
    process.once('SIGINT', resolve);
  });
  const { port, address } = server.address() as AddressInfo;
  logger.info(
    {
      port,
      host: address,
      namespace: config.namespace,
      kube: probeKube.server,
      statusSync: config.statusSync,
    },
    'listening',
  );

  const signal = await signalled;
  handler.shutdown();
  logger.info({ signal, graceSeconds: config.shutdownGraceSeconds }, 'shutting down');
  const closed = new Promise<void>((resolve) => server.close(() => resolve()));
  server.closeIdleConnections();
  const cutShort = Promise.withResolvers<void>();
  const cut = (why: string) => {
    logger.warn(`${why}: closing the connections still open`);
    server.closeAllConnections();
    cutShort.resolve();
  };
  const grace = setTimeout(() => cut('grace period over'), config.shutdownGraceSeconds * 1000);
  process.on('SIGTERM', () => cut('second signal'));
  process.on('SIGINT', () => cut('second signal'));
  // Calls still running for a caller that left count too: a creation is finished, not cut in half.
  await Promise.race([Promise.all([closed, handler.drained()]), cutShort.promise]);
  clearTimeout(grace);
  await statusSync?.stop();
  await Promise.all([client.close(), probeKube.close()]);
  logger.info('stopped');
  return 0;
}

/** The status sync beside the server; readiness reports Kubernetes as the server sees it. */
function startInProcessSync(
  config: RunnerConfig,
  kubeConfig: KubeConfigSource,
  logger: Logger,
  metrics: Metrics,
): StatusSync {
  return startBackgroundStatusSync({
    kube: {
      config: kubeConfig,
      userAgent: 'lighthouse-runner',
      qps: config.kubeQps,
      burst: config.kubeBurst,
    },
    namespace: config.namespace,
    logger: logger.child({ component: 'status-sync' }),
    onSync: (result) => metrics.statusSyncPasses.inc({ outcome: result.outcome }),
  });
}

function fatal(logger: Logger, error: unknown, msg: string): never {
  logger.fatal({ err: error }, msg);
  process.exit(1);
}
