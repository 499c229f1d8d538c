import { readFile } from 'node:fs/promises';
import { ConfigError, watchConfig } from '@lighthouse-ts/config';
import { factsFromProvider, type TriggerFacts } from '@lighthouse-ts/plugins';
import {
  bitbucketServerApi,
  giteaApi,
  githubApi,
  gitlabApi,
  type Provider,
  type ProviderApi,
} from '@lighthouse-ts/scm';
import { countSecrets } from '@lighthouse-ts/scm/webhooks';
import type { Logger } from 'pino';
import { createDispatch } from '../dispatch.ts';
import {
  createMetaPipelineClient,
  type EmbeddedSettings,
  embeddedKubeOptions,
  type MetaPipelineSettings,
} from '../metapipeline.ts';
import {
  createLogger,
  createMetrics,
  createWebhookHandler,
  type Metrics,
  serveUntilSignal,
} from '../server/index.ts';
import { readSecretFiles, watchSecretFiles } from './secrets.ts';
import type { ServeSettings } from './settings.ts';

/** Exit code for settings or a config lighthouse cannot start with. */
export const badSettings = 2;

async function token(path: string): Promise<string> {
  return (await readFile(path, 'utf8')).trim();
}

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
  const secrets = watchSecretFiles(secretFiles, (error) =>
    logger.error({ err: error }, 'webhook secrets unreadable; no delivery verifies until they are fixed'),
  );

  let config: Awaited<ReturnType<typeof watchConfig>>;
  try {
    config = await watchConfig({
      configPath: settings['config-file'],
      pluginsPath: settings['plugins-file'],
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
  const client = await createMetaPipelineClient(clientSettings);
  const statusSync =
    clientSettings.mode === 'embedded' && settings['status-sync']
      ? await startStatusSync(clientSettings, settings.namespace, logger, metrics)
      : undefined;

  const apis: Partial<Record<Provider, TriggerFacts>> = {};
  const connect = async (
    provider: Provider,
    file: string | undefined,
    make: (token: string) => ProviderApi,
  ) => {
    if (file) apis[provider] = factsFromProvider(make(await token(file)));
  };
  await connect('github', settings['github-token-file'], (t) =>
    githubApi({ baseUrl: settings['github-api-url'], token: t }),
  );
  await connect('gitlab', settings['gitlab-token-file'], (t) =>
    gitlabApi({ baseUrl: settings['gitlab-api-url'], token: t }),
  );
  await connect('gitea', settings['gitea-token-file'], (t) =>
    giteaApi({ baseUrl: settings['gitea-api-url'] ?? '', token: t }),
  );
  await connect('bitbucketserver', settings['bitbucketserver-token-file'], (t) =>
    bitbucketServerApi({ baseUrl: settings['bitbucketserver-api-url'] ?? '', token: t }),
  );

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
  });
  logger.info({ metapipeline: settings.metapipeline, namespace: settings.namespace }, 'starting');
  await serveUntilSignal({
    handler,
    logger,
    host: settings.host,
    port: settings.port,
    graceMs: settings['shutdown-grace-seconds'] * 1000,
  });
  stop.abort();
  await statusSync?.stop();
  await client.close();
  return 0;
}

/** Imported here only, so a remote-mode process never loads the sync nor Kubernetes code. */
async function startStatusSync(
  settings: EmbeddedSettings,
  namespace: string,
  logger: Logger,
  metrics: Metrics,
) {
  const { startBackgroundStatusSync } = await import('@lighthouse-ts/status-sync');
  return startBackgroundStatusSync({
    kube: embeddedKubeOptions(settings),
    namespace,
    logger: logger.child({ component: 'status-sync' }),
    onSync: (result) => metrics.statusSyncPasses.inc({ outcome: result.outcome }),
  });
}
