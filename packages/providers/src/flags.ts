import { boolean, type Flag } from '@lighthouse-ts/cli';
import * as z from 'zod';

/** The flags that say how to reach each Git provider's API; each is also read from its variable. */
export const providerFlags: readonly Flag[] = [
  {
    flag: 'github-token-file',
    value: 'path',
    env: 'LIGHTHOUSE_GITHUB_TOKEN_FILE',
    description: 'GitHub API token file',
  },
  {
    flag: 'github-app-id',
    value: 'id',
    env: 'LIGHTHOUSE_GITHUB_APP_ID',
    description: 'GitHub App id, to act as the app instead of with a token',
  },
  {
    flag: 'github-app-key-file',
    value: 'path',
    env: 'LIGHTHOUSE_GITHUB_APP_KEY_FILE',
    description: "the GitHub App's private key (PEM), with --github-app-id",
  },
  {
    flag: 'github-api-url',
    value: 'url',
    env: 'LIGHTHOUSE_GITHUB_API_URL',
    default: 'https://api.github.com',
    description: 'GitHub API root (GitHub Enterprise: https://HOST/api/v3)',
  },
  {
    flag: 'gitlab-token-file',
    value: 'path',
    env: 'LIGHTHOUSE_GITLAB_TOKEN_FILE',
    description: 'GitLab API token file',
  },
  {
    flag: 'gitlab-api-url',
    value: 'url',
    env: 'LIGHTHOUSE_GITLAB_API_URL',
    default: 'https://gitlab.com/api/v4',
    description: 'GitLab API root',
  },
  {
    flag: 'gitea-token-file',
    value: 'path',
    env: 'LIGHTHOUSE_GITEA_TOKEN_FILE',
    description: 'Gitea API token file',
  },
  {
    flag: 'gitea-api-url',
    value: 'url',
    env: 'LIGHTHOUSE_GITEA_API_URL',
    description: 'Gitea API root, https://HOST/api/v1 (required with a Gitea token)',
  },
  {
    flag: 'bitbucketserver-token-file',
    value: 'path',
    env: 'LIGHTHOUSE_BITBUCKETSERVER_TOKEN_FILE',
    description: 'Bitbucket Server HTTP access token file',
  },
  {
    flag: 'bitbucketserver-api-url',
    value: 'url',
    env: 'LIGHTHOUSE_BITBUCKETSERVER_API_URL',
    description: 'Bitbucket Server root, https://HOST[/context] (required with a token)',
  },
  // Where each provider's repositories are cloned from, when not where its API root says (a proxy in
  // front of the API, a second host name): a job's clone URL, from the payload, must be under one of them.
  ...(['github', 'gitlab', 'gitea', 'bitbucketserver'] as const).map((provider) => ({
    flag: `${provider}-web-url`,
    value: 'urls',
    env: `LIGHTHOUSE_${provider.toUpperCase()}_WEB_URL`,
    description: `where ${provider} repositories are cloned from, comma-separated; default: as --${provider}-api-url says`,
  })),
];

const urlList = z
  .string()
  .transform((list) =>
    list
      .split(',')
      .map((url) => url.trim())
      .filter(Boolean),
  )
  .pipe(z.array(z.url({ protocol: /^https?$/, error: 'must be http(s) URLs' })).min(1))
  .optional();

/** The settings of providerFlags, for an app's settings schema; check them with checkProviderSettings. */
export const providerSettingsShape = {
  'github-token-file': z.string().optional(),
  'github-app-id': z
    .string()
    .regex(/^[1-9][0-9]*$/, 'must be a GitHub App id (a number)')
    .optional(),
  'github-app-key-file': z.string().optional(),
  'github-api-url': z.url(),
  'gitlab-token-file': z.string().optional(),
  'gitlab-api-url': z.url(),
  'gitea-token-file': z.string().optional(),
  'gitea-api-url': z.url().optional(),
  'bitbucketserver-token-file': z.string().optional(),
  'bitbucketserver-api-url': z.url().optional(),
  'github-web-url': urlList,
  'gitlab-web-url': urlList,
  'gitea-web-url': urlList,
  'bitbucketserver-web-url': urlList,
};

export type ProviderSettings = z.output<z.ZodObject<typeof providerSettingsShape>>;

/**
 * The rules between the provider settings, for an app's schema's `superRefine`: a Gitea or Bitbucket
 * Server token needs its API root, a GitHub App needs its id and its key, and GitHub takes a token or
 * an App, not both.
 */
export function checkProviderSettings(settings: ProviderSettings, ctx: z.RefinementCtx): void {
  const need = (when: boolean, path: keyof ProviderSettings, message: string) => {
    if (when) ctx.addIssue({ code: 'custom', path: [path], message });
  };
  need(
    Boolean(settings['gitea-token-file'] && !settings['gitea-api-url']),
    'gitea-api-url',
    'is required with --gitea-token-file',
  );
  need(
    Boolean(settings['bitbucketserver-token-file'] && !settings['bitbucketserver-api-url']),
    'bitbucketserver-api-url',
    'is required with --bitbucketserver-token-file',
  );
  const app = settings['github-app-id'] !== undefined;
  const key = settings['github-app-key-file'] !== undefined;
  need(app && !key, 'github-app-key-file', 'is required with --github-app-id');
  need(key && !app, 'github-app-id', 'is required with --github-app-key-file');
  need(
    app && settings['github-token-file'] !== undefined,
    'github-token-file',
    'cannot be given with --github-app-id: act as the app or with a token, not both',
  );
}

/** The flags of the reporter, which runs in lighthouse in embedded mode and in the runner in remote mode. */
export const reportFlags: readonly Flag[] = [
  {
    flag: 'report',
    env: 'LIGHTHOUSE_REPORT',
    default: 'true',
    value: 'bool',
    description: "write each job's state to its Git provider: commit statuses, a comment on failure",
  },
  {
    flag: 'report-target-url',
    env: 'LIGHTHOUSE_REPORT_TARGET_URL',
    value: 'template',
    description:
      "each status's link, e.g. https://HOST/#/namespaces/{namespace}/pipelineruns/{pipelineRun}; also {job} {owner} {repo} {pull} {build} {context} {branch}",
  },
];

export const reportSettingsShape = {
  report: boolean,
  'report-target-url': z.string().optional(),
};
