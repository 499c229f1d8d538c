// One setting chooses how lighthouse starts meta-pipelines. The embedded implementation is imported only
// in its branch, so a remote-mode process never loads @lighthouse-ts/kube nor @kubernetes/client-node.
import { readSecretFile, SecretFileError } from '@lighthouse-ts/http';
import type { KubeClientOptions } from '@lighthouse-ts/kube';
import { createRemoteClient, type MetaPipelineClient } from '@lighthouse-ts/metapipeline-client';

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

type SettingName = 'runnerUrl' | 'runnerTokenFile' | 'kubeconfig' | 'metaStepImage';

/** The settings cannot make a client; the message says why, and `setting` which one. */
export class MetaPipelineSettingsError extends Error {
  override name = 'MetaPipelineSettingsError';
  readonly #setting: SettingName | undefined;

  constructor(message: string, options: ErrorOptions & { setting?: SettingName } = {}) {
    super(message, options);
    this.#setting = options.setting;
  }

  /** Which setting is wrong, so a command line can name its flag. */
  get setting(): SettingName | undefined {
    return this.#setting;
  }
}

const userAgent = 'lighthouse';

export async function createMetaPipelineClient(settings: MetaPipelineSettings): Promise<MetaPipelineClient> {
  if (settings.mode === 'remote') {
    let url: URL;
    try {
      url = new URL(settings.runnerUrl);
    } catch {
      throw new MetaPipelineSettingsError(
        `the runner URL ${JSON.stringify(settings.runnerUrl)} is not a URL`,
        {
          setting: 'runnerUrl',
        },
      );
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') {
      throw new MetaPipelineSettingsError(`the runner URL must be http or https, not ${url.protocol}`, {
        setting: 'runnerUrl',
      });
    }
    return createRemoteClient({
      url: url.href,
      token: await readToken(settings.runnerTokenFile),
      ...(settings.timeoutMs === undefined ? {} : { timeoutMs: settings.timeoutMs }),
      ...(settings.attempts === undefined ? {} : { attempts: settings.attempts }),
    });
  }
  if (!settings.metaStepImage) {
    throw new MetaPipelineSettingsError('the meta step image is required', { setting: 'metaStepImage' });
  }
  const { createEmbeddedClient } = await import('@lighthouse-ts/metapipeline-client/embedded');
  try {
    return createEmbeddedClient({
      kube: embeddedKubeOptions(settings),
      metaStep: {
        image: settings.metaStepImage,
        command: [...(settings.metaStepCommand ?? ['runner', 'meta-step'])],
        ...(settings.metaStepServiceAccount ? { serviceAccount: settings.metaStepServiceAccount } : {}),
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
