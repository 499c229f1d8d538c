// One setting chooses how lighthouse starts meta-pipelines. The embedded implementation is imported only
// in its branch, so a remote-mode process never loads @lighthouse-ts/kube nor @kubernetes/client-node.
import { type Readiness, readSecretFile, SecretFileError } from '@lighthouse-ts/http';
import type { KubeClientOptions } from '@lighthouse-ts/kube';
import {
  ComputeResources,
  createRemoteClient,
  type MetaPipelineClient,
} from '@lighthouse-ts/metapipeline-client';
import type { ReporterOptions, TargetUrl } from '@lighthouse-ts/reporter';
import type { Logger as StatusSyncLogger, SyncResult } from '@lighthouse-ts/status-sync';

export type EmbeddedSettings = Extract<MetaPipelineSettings, { mode: 'embedded' }>;

export type MetaPipelineSettings =
  | {
      mode: 'embedded';
      /** A kubeconfig file; the pod's service account when absent. */
      kubeconfig?: string;
      /** The runner image whose meta step runs inside each meta-pipeline. */
      metaStepImage: string;
      /** Default `runner meta-step`. */
      metaStepCommand?: readonly string[];
      /** Default `lighthouse-meta-step`. */
      metaStepServiceAccount?: string;
      /** The meta step's requests and limits, as quantities; the client's defaults where absent. */
      metaStepResources?: { requests?: CpuMemory; limits?: CpuMemory };
      /** Client-side limit on Kubernetes requests per second, and the burst above it. */
      kubeQps?: number;
      kubeBurst?: number;
    }
  | {
      mode: 'remote';
      /** The runner's base URL, e.g. `http://lighthouse-runner:8080`. */
      runnerUrl: string;
      /** File holding the runner's bearer token (as a mounted Secret); surrounding whitespace is ignored. */
      runnerTokenFile: string;
      /** Per-attempt timeout of a call to the runner. */
      timeoutMs?: number;
      /** Attempts in all for connection errors and 502/503/504. */
      attempts?: number;
    };

interface CpuMemory {
  cpu?: string | undefined;
  memory?: string | undefined;
}

type SettingName = 'runnerTokenFile' | 'kubeconfig' | `meta-step-${'cpu' | 'memory'}-${'request' | 'limit'}`;

/** The settings cannot make a client; the message says why, and `setting` which one. */
export class MetaPipelineSettingsError extends Error {
  override name = 'MetaPipelineSettingsError';
  readonly setting: SettingName;

  constructor(message: string, options: ErrorOptions & { setting: SettingName }) {
    super(message, options);
    this.setting = options.setting;
  }
}

const userAgent = 'lighthouse';

export async function createMetaPipelineClient(settings: MetaPipelineSettings): Promise<MetaPipelineClient> {
  // The settings were checked as flags (an http(s) runner URL; a meta step image in embedded mode).
  if (settings.mode === 'remote') {
    return createRemoteClient({
      url: settings.runnerUrl,
      token: await readToken(settings.runnerTokenFile),
      ...(settings.timeoutMs === undefined ? {} : { timeoutMs: settings.timeoutMs }),
      ...(settings.attempts === undefined ? {} : { attempts: settings.attempts }),
    });
  }
  const resources = metaStepResources(settings);
  const { createEmbeddedClient } = await import('@lighthouse-ts/metapipeline-client/embedded');
  try {
    return createEmbeddedClient({
      kube: embeddedKubeOptions(settings),
      metaStep: {
        image: settings.metaStepImage,
        command: [...(settings.metaStepCommand ?? ['runner', 'meta-step'])],
        ...(settings.metaStepServiceAccount ? { serviceAccount: settings.metaStepServiceAccount } : {}),
        ...(resources ? { resources } : {}),
      },
    });
  } catch (error) {
    const where = settings.kubeconfig ? `from ${settings.kubeconfig}` : 'in-cluster';
    throw new MetaPipelineSettingsError(
      `cannot load the Kubernetes configuration ${where}: ${(error as Error).message}`,
      { cause: error, setting: 'kubeconfig' },
    );
  }
}

/** The meta step's resources as the client takes them; a MetaPipelineSettingsError naming the wrong one. */
function metaStepResources(settings: EmbeddedSettings): ComputeResources | undefined {
  if (!settings.metaStepResources) return undefined;
  const parsed = ComputeResources.safeParse(settings.metaStepResources);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0];
  const [kind, resource] = (issue?.path ?? []) as ['requests' | 'limits', 'cpu' | 'memory'];
  throw new MetaPipelineSettingsError(`must be ${issue?.message ?? 'a Kubernetes quantity'}`, {
    setting: `meta-step-${resource}-${kind === 'requests' ? 'request' : 'limit'}`,
  });
}

/** How embedded mode connects to Kubernetes: the meta-pipeline client, and the status sync beside it. */
export function embeddedKubeOptions(settings: EmbeddedSettings): KubeClientOptions {
  return {
    config: settings.kubeconfig ? { kubeconfig: settings.kubeconfig } : { inCluster: true },
    userAgent,
    ...(settings.kubeQps === undefined ? {} : { qps: settings.kubeQps }),
    ...(settings.kubeBurst === undefined ? {} : { burst: settings.kubeBurst }),
  };
}

/** The runner's token from its file; an error naming the file (never its content) if unusable. */
async function readToken(path: string): Promise<string> {
  try {
    return await readSecretFile(path, 'runner token file');
  } catch (error) {
    if (!(error instanceof SecretFileError)) throw error;
    throw new MetaPipelineSettingsError(error.message, { cause: error, setting: 'runnerTokenFile' });
  }
}

export interface BesideEmbeddedOptions {
  namespace: string;
  /** Runs the status sync in-process. */
  statusSync: boolean;
  logger: StatusSyncLogger & { child(fields: object): StatusSyncLogger };
  onSync: (result: SyncResult) => void;
  /** Runs the reporter in-process, writing jobs' states to these providers. */
  report?: {
    providers: ReporterOptions['providers'];
    targetUrl?: TargetUrl;
    onReport: ReporterOptions['onReport'];
  };
}

/**
 * What embedded mode runs beside the client: the status sync, and a readiness probe on a connection of
 * its own without retries (a probe says what Kubernetes answers now). Ready when jobs and PipelineRuns
 * can be listed in the namespace and the sync has started. Imported here only, like the client.
 */
export async function startBesideEmbedded(
  settings: EmbeddedSettings,
  options: BesideEmbeddedOptions,
): Promise<{ readiness(): Promise<Readiness>; stop(): Promise<void> }> {
  const { namespace, logger, onSync, report } = options;
  const { createKubeClient, kubeReadiness } = await import('@lighthouse-ts/kube');
  const probe = createKubeClient({ ...embeddedKubeOptions(settings), retry: { attempts: 1 } });
  const sync = options.statusSync
    ? (await import('@lighthouse-ts/status-sync')).startBackgroundStatusSync({
        kube: embeddedKubeOptions(settings),
        namespace,
        logger: logger.child({ component: 'status-sync' }),
        onSync,
      })
    : undefined;
  const reporter = report
    ? (await import('@lighthouse-ts/reporter')).startReporter({
        kube: embeddedKubeOptions(settings),
        namespace,
        providers: report.providers,
        ...(report.targetUrl ? { targetUrl: report.targetUrl } : {}),
        logger: logger.child({ component: 'reporter' }),
        onReport: report.onReport,
      })
    : undefined;
  const kubeReady = kubeReadiness(probe, { namespace });
  return {
    async readiness() {
      const synced = sync?.readiness();
      return synced && !synced.ready ? synced : kubeReady();
    },
    async stop() {
      await Promise.all([sync?.stop(), reporter?.stop()]);
      await probe.close();
    },
  };
}
