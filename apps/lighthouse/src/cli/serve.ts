import { FlagError, flagError } from '@lighthouse-ts/cli';
import { ConfigError, type PluginsConfig, repoConfig, watchConfig } from '@lighthouse-ts/config';
import {
  BodyBudget,
  type HttpServer,
  ListenError,
  rereading,
  serveUntilSignal,
  startHttpServer,
} from '@lighthouse-ts/http';
import { enabledPlugins, factsFromProvider } from '@lighthouse-ts/plugins';
import { connectProviders, type ProviderApis, reportRetry, webUrls } from '@lighthouse-ts/providers';
import type { Provider } from '@lighthouse-ts/scm';
import { countSecrets, type WebhookSecrets } from '@lighthouse-ts/scm/webhooks';
import { createDispatch } from '../dispatch.ts';
import {
  type BesideEmbeddedOptions,
  createMetaPipelineClient,
  type MetaPipelineSettings,
  MetaPipelineSettingsError,
  startBesideEmbedded,
} from '../metapipeline.ts';
import {
  createExternalPlugins,
  createLogger,
  createMetrics,
  createWebhookHandler,
  type Metrics,
  openPendingStore,
  type PendingStore,
  unbuiltExternalPluginEvents,
} from '../server/index.ts';
import { checkLogUrl } from '../ui/log-url.ts';
import type { UiHandler } from '../ui/server.ts';
import { readSecretFiles } from './secrets.ts';
import { type ServeSettings, serveFlags } from './settings.ts';

/** A webhook's provider calls wait 2 s at most in all, to answer within the budget. */
const webhookRetry = { attempts: 3, maxWaitMs: 2_000 };

/** Exit code for settings or a config lighthouse cannot start with. */
export const badSettings = 2;

/** `lighthouse serve`: resolves to the exit code once drained after SIGTERM/SIGINT. */
export async function serve(settings: ServeSettings): Promise<number> {
  const logger = createLogger(settings['log-level']);
  const metrics = createMetrics();
  const stop = new AbortController();
  const secretFiles = {
    shared: settings['webhook-secret-file'],
    scoped: settings['webhook-secrets-file'],
  };
  try {
    if (countSecrets(readSecretFiles(secretFiles)) === 0) {
      const files = Object.values(secretFiles).filter(Boolean).join(' and ');
      throw new Error(`no webhook secret in ${files}`);
    }
  } catch (error) {
    process.stderr.write(`lighthouse: ${(error as Error).message}; refusing to start\n`);
    return badSettings;
  }
  // Read again at most every 10 s, so a rotated Secret takes effect without a restart; unreadable or
  // invalid files yield no secret at all (fail closed).
  const secrets = rereading<WebhookSecrets>(() => readSecretFiles(secretFiles), {
    failed: new Map(),
    onError: (error) =>
      logger.error({ err: error }, 'webhook secrets unreadable; no delivery verifies until they are fixed'),
  });

  // Two sets of clients: one that answers within a webhook's budget, one that may wait out a rate limit.
  let apis: ProviderApis;
  let reportApis: ProviderApis;
  try {
    ({ webhook: apis, report: reportApis } = await connectProviders(settings, {
      retry: { webhook: webhookRetry, report: reportRetry },
      onError: (error) =>
        logger.error({ err: error }, 'a provider token file is unreadable; the last token read is used'),
    }));
  } catch (error) {
    if (!(error instanceof FlagError)) throw error;
    process.stderr.write(`lighthouse: ${error.message}\n`);
    return badSettings;
  }

  const logUrlProblem = settings['ui-log-url'] && checkLogUrl(settings['ui-log-url']);
  if (logUrlProblem) {
    process.stderr.write(`lighthouse: ${flagError(serveFlags, 'ui-log-url', logUrlProblem).message}\n`);
    return badSettings;
  }

  let pending: PendingStore | undefined;
  const pendingDir = settings['pending-dir'];
  try {
    pending = pendingDir ? await openPendingStore(pendingDir) : undefined;
  } catch (error) {
    const reason = `cannot use ${pendingDir}: ${(error as Error).message}`;
    process.stderr.write(`lighthouse: ${flagError(serveFlags, 'pending-dir', reason).message}\n`);
    return badSettings;
  }

  // Refusing them would refuse configs migrated from Lighthouse, which sends more kinds of events.
  const warnUnsentEvents = (plugins: Pick<PluginsConfig, 'externalPlugins'>) => {
    const unsent = unbuiltExternalPluginEvents(plugins, Object.keys(apis) as Provider[]);
    if (unsent.events.length === 0 && unsent.providers.length === 0) return;
    logger.warn(
      unsent,
      "external plugins are configured for events they never get: only the push, pull request and comment events of GitHub, GitLab and Gitea, the review events of GitHub and GitLab, GitLab's branch and tag deletions and Gitea's branch and tag creations and deletions are sent",
    );
  };
  let config: Awaited<ReturnType<typeof watchConfig>>;
  try {
    config = await watchConfig({
      configPath: settings['config-file'],
      pluginsPath: settings['plugins-file'],
      jobsNamespace: settings.namespace,
      signal: stop.signal,
      onReload: ({ config: reloaded, changed }) => {
        metrics.configReloads.inc();
        logger.info({ changed }, 'configuration reloaded');
        warnUnsentEvents(reloaded.plugins);
      },
      onError: (error) => {
        metrics.configReloadFailures.inc();
        logger.error({ err: error }, 'configuration refused; the last good one keeps serving');
      },
    });
  } catch (error) {
    process.stderr.write(`lighthouse: ${error instanceof ConfigError ? error.message : String(error)}\n`);
    return badSettings;
  }
  warnUnsentEvents(config.current().plugins);

  const clientSettings: MetaPipelineSettings =
    settings.metapipeline === 'remote'
      ? {
          mode: 'remote',
          runnerUrl: settings['runner-url'] ?? '',
          runnerTokenFile: settings['runner-token-file'] ?? '',
        }
      : {
          mode: 'embedded',
          metaStepImage: settings['meta-step-image'] ?? '',
          metaStepServiceAccount: settings['meta-step-service-account'],
          metaStepResources: {
            requests: {
              cpu: settings['meta-step-cpu-request'],
              memory: settings['meta-step-memory-request'],
            },
            limits: { cpu: settings['meta-step-cpu-limit'], memory: settings['meta-step-memory-limit'] },
          },
          kubeQps: settings['kube-qps'],
          kubeBurst: settings['kube-burst'],
          ...(settings.kubeconfig ? { kubeconfig: settings.kubeconfig } : {}),
        };
  let client: Awaited<ReturnType<typeof createMetaPipelineClient>>;
  try {
    client = await createMetaPipelineClient(clientSettings);
  } catch (error) {
    if (!(error instanceof MetaPipelineSettingsError)) throw error;
    stop.abort();
    process.stderr.write(
      `lighthouse: ${flagError(serveFlags, settingFlags[error.setting], error.message).message}\n`,
    );
    return badSettings;
  }
  // Ready once the config has loaded (it has, or lighthouse would not have started); in embedded mode,
  // also once Kubernetes answers and the status sync has started. The runner's readiness is the runner's.
  let embedded: Awaited<ReturnType<typeof startBesideEmbedded>> | undefined;
  if (clientSettings.mode === 'embedded') {
    let report: BesideEmbeddedOptions['report'];
    try {
      report = settings.report ? await reportSettings(settings, reportApis, metrics) : undefined;
      if (settings.report && !report) {
        logger.warn('no provider API credentials: job states are not reported to any provider');
      }
    } catch (error) {
      if (!(error instanceof FlagError)) throw error;
      stop.abort();
      await client.close();
      process.stderr.write(`lighthouse: ${error.message}\n`);
      return badSettings;
    }
    embedded = await startBesideEmbedded(clientSettings, {
      namespace: settings.namespace,
      statusSync: settings['status-sync'],
      logger,
      onSync: (result) => metrics.statusSyncPasses.inc({ outcome: result.outcome }),
      ...(report ? { report } : {}),
    });
  }

  // The web page's code loads only when it is served.
  const webPage =
    settings['ui-port'] === undefined
      ? undefined
      : { ...(await import('../ui/recent.ts')), ...(await import('../ui/server.ts')) };
  const recent = webPage && new webPage.RecentDeliveries({ size: settings['ui-deliveries'] });
  const externalPlugins = createExternalPlugins({
    config: () => config.current().plugins,
    secrets,
    logger: logger.child({ component: 'external-plugins' }),
    metrics,
  });
  const handler = createWebhookHandler({
    secrets,
    allowSha1: settings['allow-sha1'],
    dispatch: createDispatch({
      config,
      client,
      facts: (provider) => {
        const api = apis[provider];
        return api && factsFromProvider(api);
      },
      writes: (provider) => apis[provider],
      webUrls: (provider) => webUrls(settings, provider),
      namespace: settings.namespace,
      metrics,
      ...(settings['bot-name'] ? { botName: settings['bot-name'] } : {}),
    }),
    logger,
    metrics,
    budgetMs: settings['budget-seconds'] * 1000,
    maxBodyBytes: settings['max-body-bytes'],
    bodyBudget: new BodyBudget(settings['body-budget-bytes']),
    ...(embedded ? { readiness: embedded.readiness } : {}),
    ...(pending ? { pending } : {}),
    ...(recent ? { recent } : {}),
    externalPlugins,
  });
  logger.info({ metapipeline: settings.metapipeline, namespace: settings.namespace }, 'starting');
  const resumed = await handler.resume();
  if (resumed > 0) logger.info({ resumed, dir: pendingDir }, 'resuming deliveries an earlier process kept');
  let ui: { handler: UiHandler; server: HttpServer } | undefined;
  if (webPage && recent && settings['ui-port'] !== undefined) {
    const uiHandler = webPage.createUiHandler({
      deliveries: recent,
      client,
      namespace: settings.namespace,
      logger: logger.child({ component: 'ui' }),
      plugins: (owner, name) => enabledPlugins(repoConfig(config.current(), owner, name)),
      ...(settings['ui-log-url'] ? { logUrl: settings['ui-log-url'] } : {}),
    });
    try {
      const server = await startHttpServer({
        handler: uiHandler,
        logger,
        host: settings['ui-host'],
        port: settings['ui-port'],
      });
      ui = { handler: uiHandler, server };
      logger.info({ port: server.port, url: server.url }, 'web page listening');
    } catch (error) {
      if (!(error instanceof ListenError)) throw error;
      logger.fatal({ err: error }, 'cannot listen for the web page');
      stop.abort();
      await embedded?.stop();
      await client.close();
      return 1;
    }
  }
  const release = async (graceLeftMs = 0) => {
    stop.abort();
    ui?.handler.shutdown();
    // Events for external plugins are sent after their dispatch, so theirs is what the drain left.
    await Promise.all([externalPlugins.close(graceLeftMs), ui?.server.stop(1000)]);
    await embedded?.stop();
    await client.close();
  };
  try {
    await serveUntilSignal({
      handler,
      logger,
      host: settings.host,
      port: settings.port,
      idName: 'traceId',
      maxConnections: settings['max-connections'],
      graceMs: settings['shutdown-grace-seconds'] * 1000,
      release,
    });
  } catch (error) {
    if (!(error instanceof ListenError)) throw error;
    logger.fatal({ err: error }, 'cannot listen');
    await release();
    return 1;
  }
  return 0;
}

/** The flag behind each setting of the meta-pipeline client that is read only when the client is made. */
const settingFlags = {
  runnerTokenFile: 'runner-token-file',
  kubeconfig: 'kubeconfig',
  'meta-step-cpu-request': 'meta-step-cpu-request',
  'meta-step-memory-request': 'meta-step-memory-request',
  'meta-step-cpu-limit': 'meta-step-cpu-limit',
  'meta-step-memory-limit': 'meta-step-memory-limit',
} as const;

/**
 * What the reporter needs in embedded mode: the providers' clients and the target URL template, checked
 * now (a FlagError naming the flag). Loaded only here: the reporter brings the Kubernetes client with it.
 */
async function reportSettings(
  settings: ServeSettings,
  providers: ProviderApis,
  metrics: Metrics,
): Promise<BesideEmbeddedOptions['report']> {
  if (Object.keys(providers).length === 0) return undefined;
  const { targetUrlTemplate } = await import('@lighthouse-ts/reporter');
  const uiUrl = settings['ui-url']?.replace(/\/+$/, '');
  // Each status links to the job's page when the web page is reachable and nothing else is asked for.
  const template = settings['report-target-url'] ?? (uiUrl ? `${uiUrl}/jobs/{namespace}/{job}` : undefined);
  let targetUrl: ReturnType<typeof targetUrlTemplate> | undefined;
  try {
    targetUrl = template ? targetUrlTemplate(template) : undefined;
  } catch (error) {
    throw flagError(serveFlags, 'report-target-url', (error as Error).message);
  }
  return {
    providers,
    ...(targetUrl ? { targetUrl } : {}),
    onReport: ({ provider, kind, outcome }) => metrics.reports.inc({ provider, kind, outcome }),
  };
}
