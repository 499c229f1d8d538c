import { flagError } from '@lighthouse-ts/cli';
import { readSecretFile, SecretFileError } from '@lighthouse-ts/http';
import {
  bitbucketServerApi,
  type Credentials,
  giteaApi,
  githubApi,
  githubAppCredentials,
  gitlabApi,
  type Provider,
  type ProviderApi,
  type RetryOptions,
} from '@lighthouse-ts/scm';
import { type ProviderSettings, providerFlags } from './flags.ts';

export type ProviderApis = Partial<Record<Provider, ProviderApi>>;

export interface ConnectOptions {
  /** How long a call may wait in all: short for a webhook's answer, long for a background reporter. */
  retry: RetryOptions;
  /** Sees a token or key file that could not be read again; the last one read keeps being used. */
  onError: (error: unknown) => void;
  /** How often a token or key file is read again, so a rotated Secret takes effect. Default 10 s. */
  refreshMs?: number;
}

/**
 * A client for each provider the settings give credentials for. Each token or key file is read now, so a
 * missing or empty one is a FlagError naming its flag; then again at most every `refreshMs` while in use.
 */
export async function connectProviders(
  settings: ProviderSettings,
  options: ConnectOptions,
): Promise<ProviderApis> {
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
  const { retry } = options;
  const apis: ProviderApis = {};
  const githubToken = await file('github-token-file', 'token file');
  const appKey = await file('github-app-key-file', 'GitHub App key file', true);
  const appId = settings['github-app-id'];
  const githubUrl = settings['github-api-url'];
  const github: Credentials | undefined =
    appKey && appId
      ? githubAppCredentials({ appId, privateKey: appKey, baseUrl: githubUrl })
      : githubToken && { token: githubToken };
  if (github) apis.github = githubApi({ baseUrl: githubUrl, token: github, retry });
  const gitlab = await file('gitlab-token-file', 'token file');
  if (gitlab)
    apis.gitlab = gitlabApi({ baseUrl: settings['gitlab-api-url'], token: { token: gitlab }, retry });
  const gitea = await file('gitea-token-file', 'token file');
  if (gitea)
    apis.gitea = giteaApi({ baseUrl: settings['gitea-api-url'] ?? '', token: { token: gitea }, retry });
  const bitbucket = await file('bitbucketserver-token-file', 'token file');
  if (bitbucket) {
    const baseUrl = settings['bitbucketserver-api-url'] ?? '';
    apis.bitbucketserver = bitbucketServerApi({ baseUrl, token: { token: bitbucket }, retry });
  }
  return apis;
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
  options: ConnectOptions,
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
