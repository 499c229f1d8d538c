import { once } from 'node:events';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createKubeClient, type KubeConfigSource, loadKubeConfig } from '@lighthouse-ts/kube';
import { createEmbeddedClient } from '@lighthouse-ts/metapipeline-client/embedded';
import { type Logger, pino } from 'pino';
import { type BearerAuth, bearerAuth, readToken } from './auth.ts';
import { badConfig, type RunnerConfig } from './config.ts';
import { createMetrics } from './metrics.ts';
import { kubeReadiness } from './readiness.ts';
import { clientErrorListener, createRunnerHandler } from './server.ts';

/**
 * `runner serve`: listens until SIGTERM or SIGINT, then drains and resolves to the exit code. Readiness
 * turns false at once, the listener closes, requests in flight get the grace period to finish, idle
 * connections close at once, and the meta-pipeline client closes last.
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
    metaStep: { image: config.metaStepImage, command: config.metaStepCommand },
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

  server.listen(config.port, config.host);
  try {
    await once(server, 'listening');
  } catch (error) {
    logger.fatal({ err: error }, 'cannot listen');
    return 1;
  }
  const { port, address } = server.address() as AddressInfo;
  logger.info({ port, host: address, namespace: config.namespace, kube: probeKube.server }, 'listening');

  const signal = await new Promise<NodeJS.Signals>((resolve) => {
    process.once('SIGTERM', resolve);
    process.once('SIGINT', resolve);
  });
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
  await Promise.all([client.close(), probeKube.close()]);
  logger.info('stopped');
  return 0;
}

function fatal(logger: Logger, error: unknown, msg: string): never {
  logger.fatal({ err: error }, msg);
  process.exit(1);
}
