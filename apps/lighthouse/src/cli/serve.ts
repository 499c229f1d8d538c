import { FlagError, flagError } from '@lighthouse-ts/cli';
import { ConfigError, watchConfig } from '@lighthouse-ts/config';
import {
  ListenError,
  readSecretFile,
  rereading,
  SecretFileError,
  serveUntilSignal,
} from '@lighthouse-ts/http';
import { factsFromProvider, type TriggerFacts } from '@lighthouse-ts/plugins';
import {
  bitbucketServerApi,
  giteaApi,
  githubApi,
  gitlabApi,
  type Provider,
  type ProviderApi,
} from '@lighthouse-ts/scm';
import { countSecrets, type WebhookSecrets } from '@lighthouse-ts/scm/webhooks';
import { createDispatch } from '../dispatch.ts';
import {
  createMetaPipelineClient,
  type MetaPipelineSettings,
  MetaPipelineSettingsError,
  startBesideEmbedded,
} from '../metapipeline.ts';
import { createLogger, createMetrics, createWebhookHandler } from '../server/index.ts';
import { readSecretFiles } from './secrets.ts';
import { type ServeSettings, serveFlags } from './settings.ts';

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

  let apis: Partial<Record<Provider, TriggerFacts>>;
  try {
    apis = await providerApis(settings);
  } catch (error) {
    if (!(error instanceof FlagError)) throw error;
    process.stderr.write(`lighthouse: ${error.message}\n`);
    return badSettings;
  }

  let config: Awaited<ReturnType<typeof watchConfig>>;
  try {
    config = await watchConfig({
      configPath: settings['config-file'],
      pluginsPath: settings['plugins-file'],
      jobsNamespace: settings.namespace,
      signal: stop.signal,
      onReload: ({ changed }) => {
        metrics.configReloads.inc();
        logger.info({ changed }, 'configuration reloaded');
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
  const embedded =
    clientSettings.mode === 'embedded'
      ? await startBesideEmbedded(clientSettings, {
          namespace: settings.namespace,
          statusSync: settings['status-sync'],
          logger: logger.child({ component: 'status-sync' }),
          onSync: (result) => metrics.statusSyncPasses.inc({ outcome: result.outcome }),
        })
      : undefined;

  const handler = createWebhookHandler({
    secrets,
    allowSha1: settings['allow-sha1'],
    dispatch: createDispatch({
      config,
      client,
      facts: (provider) => apis[provider],
      namespace: settings.namespace,
      metrics,
      ...(settings['bot-name'] ? { botName: settings['bot-name'] } : {}),
    }),
    logger,
    metrics,
    budgetMs: settings['budget-seconds'] * 1000,
    ...(embedded ? { readiness: embedded.readiness } : {}),
  });
  logger.info({ metapipeline: settings.metapipeline, namespace: settings.namespace }, 'starting');
  const release = async () => {
    stop.abort();
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
const settingFlags = { runnerTokenFile: 'runner-token-file', kubeconfig: 'kubeconfig' } as const;

/** The provider APIs the trigger asks for facts, one per token file given; a bad file is a FlagError. */
async function providerApis(settings: ServeSettings): Promise<Partial<Record<Provider, TriggerFacts>>> {
  const providers: [
    Provider,
    keyof ServeSettings & `${string}-token-file`,
    (token: string) => ProviderApi,
  ][] = [
    ['github', 'github-token-file', (token) => githubApi({ baseUrl: settings['github-api-url'], token })],
    ['gitlab', 'gitlab-token-file', (token) => gitlabApi({ baseUrl: settings['gitlab-api-url'], token })],
    ['gitea', 'gitea-token-file', (token) => giteaApi({ baseUrl: settings['gitea-api-url'] ?? '', token })],
    [
      'bitbucketserver',
      'bitbucketserver-token-file',
      (token) => bitbucketServerApi({ baseUrl: settings['bitbucketserver-api-url'] ?? '', token }),
    ],
  ];
  const apis: Partial<Record<Provider, TriggerFacts>> = {};
  for (const [provider, flag, connect] of providers) {
    const file = settings[flag];
    if (!file) continue;
    try {
      apis[provider] = factsFromProvider(connect(await readSecretFile(file, 'token file')));
    } catch (error) {
      if (error instanceof SecretFileError) throw flagError(serveFlags, flag, error.message);
      throw error;
    }
  }
  return apis;
}
