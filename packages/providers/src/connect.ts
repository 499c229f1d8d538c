import { flagError } from '@lighthouse-ts/cli';
import { readSecretFile, SecretFileError } from '@lighthouse-ts/http';
import {
  bitbucketServerApi,
  type ClientOptions,
  type Credentials,
  giteaApi,
  githubApi,
  githubAppCredentials,
  gitlabApi,
  type Provider,
  type ProviderApi,
  RateLimitPause,
  type RetryOptions,
  webUrlOf,
} from '@lighthouse-ts/scm';
import { type ProviderSettings, providerFlags } from './flags.ts';

export type ProviderApis = Partial<Record<Provider, ProviderApi>>;

/**
 * The reporter's calls wait 15 s at most, well within a pod's grace period, so a stop finishes and records
 * what it was writing; a longer rate limit parks the provider's work until it is over.
 */
export const reportRetry: RetryOptions = { attempts: 5, maxWaitMs: 15_000 };

export interface ConnectOptions<Use extends string> {
  /**
   * A set of clients for each use, by how long its calls may wait in all: short for a webhook's answer,
   * long for a background reporter. The sets share each provider's credentials and rate-limit pause.
   */
  retry: Record<Use, RetryOptions>;
  /** Sees a token or key file that could not be read again; the last one read keeps being used. */
  onError: (error: unknown) => void;
  /** How often a token or key file is read again, so a rotated Secret takes effect. Default 10 s. */
  refreshMs?: number;
}

/**
 * A client for each provider the settings give credentials for, in a set per use. Each token or key file
 * is read now, so a missing or empty one is a FlagError naming its flag; then again at most every
 * `refreshMs` while in use.
 */
export async function connectProviders<Use extends string>(
  settings: ProviderSettings,
  options: ConnectOptions<Use>,
): Promise<Record<Use, ProviderApis>> {
  const file = async (flag: keyof ProviderSettings & `${string}-file`, what: string, multiline = false) => {
    const path = settings[flag];
    if (!path) return undefined;
    try {
      return await rereadFile(path, what, multiline, options);
    } catch (error) {
      if (error instanceof SecretFileError) throw flagError(providerFlags, flag, error.message);
      throw error;
    }
  };
  type Connect = (client: Omit<ClientOptions, 'token'>) => ProviderApi;
  const connections: Partial<Record<Provider, Connect>> = {};
  const token = async (flag: Parameters<typeof file>[0]): Promise<Credentials | undefined> => {
    const read = await file(flag, 'token file');
    return read && { token: read };
  };
  const appKey = await file('github-app-key-file', 'GitHub App key file', true);
  const appId = settings['github-app-id'];
  const githubUrl = settings['github-api-url'];
  const github =
    appKey && appId
      ? githubAppCredentials({ appId, privateKey: appKey, baseUrl: githubUrl })
      : await token('github-token-file');
  if (github) connections.github = (client) => githubApi({ ...client, baseUrl: githubUrl, token: github });
  const gitlab = await token('gitlab-token-file');
  const gitlabUrl = settings['gitlab-api-url'];
  if (gitlab) connections.gitlab = (client) => gitlabApi({ ...client, baseUrl: gitlabUrl, token: gitlab });
  const gitea = await token('gitea-token-file');
  const giteaUrl = settings['gitea-api-url'] ?? '';
  if (gitea) connections.gitea = (client) => giteaApi({ ...client, baseUrl: giteaUrl, token: gitea });
  const bitbucket = await token('bitbucketserver-token-file');
  const bitbucketUrl = settings['bitbucketserver-api-url'] ?? '';
  if (bitbucket) {
    connections.bitbucketserver = (client) =>
      bitbucketServerApi({ ...client, baseUrl: bitbucketUrl, token: bitbucket });
  }

  // One pause per provider (one account each), one client per use: the sets share the pause.
  const providers = Object.entries(connections).map(([provider, connect]) => ({
    provider,
    connect,
    pause: new RateLimitPause(),
  }));
  const set = (retry: RetryOptions): ProviderApis =>
    Object.fromEntries(
      providers.map(({ provider, connect, pause }) => [provider, connect({ retry, pause })]),
    );
  const uses = Object.entries(options.retry) as [Use, RetryOptions][];
  return Object.fromEntries(uses.map(([use, retry]) => [use, set(retry)])) as Record<Use, ProviderApis>;
}

/**
 * Where a provider's repositories are cloned from: `--<provider>-web-url`, else the web root its API root
 * says; none when neither is set (a Gitea or Bitbucket Server without its API URL).
 */
export function webUrls(settings: ProviderSettings, provider: Provider): readonly string[] {
  const api = settings[`${provider}-api-url`];
  return settings[`${provider}-web-url`] ?? (api ? [webUrlOf(provider, api)] : []);
}

/**
 * A secret file's content, read now (throwing a SecretFileError if it cannot be) and again on a use at
 * least `refreshMs` after the last read. A read that fails keeps the last content, and is reported: a
 * Secret being rotated is briefly unreadable, and the token we hold is ours to keep using meanwhile.
 */
async function rereadFile(
  path: string,
  what: string,
  multiline: boolean,
  options: { onError: (error: unknown) => void; refreshMs?: number },
): Promise<() => Promise<string>> {
  const refreshMs = options.refreshMs ?? 10_000;
  const read = () => readSecretFile(path, what, { multiline });
  let content = await read();
  let readAt = performance.now();
  let reading: Promise<string> | undefined;
  return () => {
    if (performance.now() - readAt < refreshMs) return Promise.resolve(content);
    reading ??= read()
      .then(
        (read) => (content = read),
        (error: unknown) => {
          options.onError(error);
          return content;
        },
      )
      .finally(() => {
        readAt = performance.now();
        reading = undefined;
      });
    return reading;
  };
}
