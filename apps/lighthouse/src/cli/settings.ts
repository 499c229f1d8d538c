import { parseArgs } from 'node:util';
import { z } from 'zod';

interface Flag {
  name: string;
  env: string;
  boolean?: boolean;
  default?: string;
  description: string;
}

/** Every flag of `lighthouse serve`; each is also read from its environment variable. */
export const serveFlags: readonly Flag[] = [
  { name: 'port', env: 'LIGHTHOUSE_PORT', default: '8080', description: 'TCP port; 0 picks a free one' },
  { name: 'host', env: 'LIGHTHOUSE_HOST', default: '0.0.0.0', description: 'address to listen on' },
  {
    name: 'webhook-secret-file',
    env: 'LIGHTHOUSE_WEBHOOK_SECRET_FILE',
    description: 'file with the webhook secret for every repository; one per line while rotating',
  },
  {
    name: 'webhook-secrets-file',
    env: 'LIGHTHOUSE_WEBHOOK_SECRETS_FILE',
    description:
      "YAML of secrets by '*', org or org/repo (Prow's hmac format); this or the above is required",
  },
  {
    name: 'allow-sha1',
    env: 'LIGHTHOUSE_ALLOW_SHA1',
    boolean: true,
    default: 'false',
    description: "accept GitHub's SHA-1 signature when no SHA-256 one is sent",
  },
  { name: 'config-file', env: 'LIGHTHOUSE_CONFIG_FILE', description: 'config.yaml (required)' },
  { name: 'plugins-file', env: 'LIGHTHOUSE_PLUGINS_FILE', description: 'plugins.yaml (required)' },
  { name: 'namespace', env: 'LIGHTHOUSE_NAMESPACE', default: 'jx', description: 'where jobs run' },
  {
    name: 'metapipeline',
    env: 'LIGHTHOUSE_METAPIPELINE',
    default: 'embedded',
    description: 'embedded (write to Kubernetes in-process) or remote (call a runner)',
  },
  { name: 'runner-url', env: 'LIGHTHOUSE_RUNNER_URL', description: 'the runner, in remote mode' },
  {
    name: 'runner-token-file',
    env: 'LIGHTHOUSE_RUNNER_TOKEN_FILE',
    description: "the runner's bearer token file",
  },
  { name: 'kubeconfig', env: 'KUBECONFIG', description: 'embedded mode: kubeconfig; in-cluster when unset' },
  {
    name: 'meta-step-image',
    env: 'LIGHTHOUSE_META_STEP_IMAGE',
    description: 'embedded mode: the runner image that runs the meta step (required)',
  },
  {
    name: 'meta-step-service-account',
    env: 'LIGHTHOUSE_META_STEP_SERVICE_ACCOUNT',
    default: 'lighthouse-meta-step',
    description: 'embedded mode: the ServiceAccount the meta step runs as (builds never do)',
  },
  {
    name: 'status-sync',
    env: 'LIGHTHOUSE_STATUS_SYNC',
    default: 'true',
    description: "embedded mode: keep jobs' status in step with their PipelineRuns, in-process",
  },
  {
    name: 'kube-qps',
    env: 'LIGHTHOUSE_KUBE_QPS',
    default: '50',
    description: 'embedded mode: sustained Kubernetes requests per second (a job takes about 6)',
  },
  {
    name: 'kube-burst',
    env: 'LIGHTHOUSE_KUBE_BURST',
    default: '100',
    description: 'embedded mode: Kubernetes requests allowed at once above that rate',
  },
  { name: 'github-token-file', env: 'LIGHTHOUSE_GITHUB_TOKEN_FILE', description: 'GitHub API token file' },
  {
    name: 'github-api-url',
    env: 'LIGHTHOUSE_GITHUB_API_URL',
    default: 'https://api.github.com',
    description: 'GitHub API root (GitHub Enterprise: https://HOST/api/v3)',
  },
  { name: 'gitlab-token-file', env: 'LIGHTHOUSE_GITLAB_TOKEN_FILE', description: 'GitLab API token file' },
  {
    name: 'gitlab-api-url',
    env: 'LIGHTHOUSE_GITLAB_API_URL',
    default: 'https://gitlab.com/api/v4',
    description: 'GitLab API root',
  },
  { name: 'gitea-token-file', env: 'LIGHTHOUSE_GITEA_TOKEN_FILE', description: 'Gitea API token file' },
  {
    name: 'gitea-api-url',
    env: 'LIGHTHOUSE_GITEA_API_URL',
    description: 'Gitea API root, https://HOST/api/v1 (required with a Gitea token)',
  },
  {
    name: 'bitbucketserver-token-file',
    env: 'LIGHTHOUSE_BITBUCKETSERVER_TOKEN_FILE',
    description: 'Bitbucket Server HTTP access token file',
  },
  {
    name: 'bitbucketserver-api-url',
    env: 'LIGHTHOUSE_BITBUCKETSERVER_API_URL',
    description: 'Bitbucket Server root, https://HOST[/context] (required with a token)',
  },
  { name: 'bot-name', env: 'LIGHTHOUSE_BOT_NAME', description: "the bot's own login (always trusted)" },
  {
    name: 'budget-seconds',
    env: 'LIGHTHOUSE_BUDGET_SECONDS',
    default: '8',
    description: 'longest a provider waits for an answer; past it 202 and the work goes on',
  },
  {
    name: 'shutdown-grace-seconds',
    env: 'LIGHTHOUSE_SHUTDOWN_GRACE_SECONDS',
    default: '20',
    description: 'how long deliveries in flight may finish after SIGTERM',
  },
  {
    name: 'log-level',
    env: 'LOG_LEVEL',
    default: 'info',
    description: 'fatal, error, warn, info, debug or trace',
  },
];

const seconds = z.coerce.number().positive().max(3600);
// As the runner reads the same flags: a whole number, and a boolean that takes its value (--status-sync=false).
const integer = (min: number, max: number) =>
  z
    .string()
    .regex(/^\d+$/, 'must be a whole number')
    .transform(Number)
    .pipe(z.number().int().min(min).max(max));
const boolean = z
  .enum(['true', 'false', '1', '0', 'yes', 'no'], 'must be true or false')
  .transform((v) => ['true', '1', 'yes'].includes(v));

const ServeSettings = z
  .object({
    port: z.coerce.number().int().min(0).max(65_535),
    host: z.string().min(1),
    'webhook-secret-file': z.string().optional(),
    'webhook-secrets-file': z.string().optional(),
    'allow-sha1': boolean,
    'config-file': z.string({ error: 'is required' }),
    'plugins-file': z.string({ error: 'is required' }),
    namespace: z.string().regex(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/, 'must be a Kubernetes namespace name'),
    metapipeline: z.enum(['embedded', 'remote']),
    'runner-url': z.url({ protocol: /^https?$/, error: 'must be an http or https URL' }).optional(),
    'runner-token-file': z.string().optional(),
    kubeconfig: z.string().optional(),
    'meta-step-image': z.string().optional(),
    'meta-step-service-account': z
      .string()
      .regex(/^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/, 'must be a Kubernetes ServiceAccount name'),
    'status-sync': boolean,
    'kube-qps': integer(1, 100_000),
    'kube-burst': integer(1, 100_000),
    'github-token-file': z.string().optional(),
    'github-api-url': z.url(),
    'gitlab-token-file': z.string().optional(),
    'gitlab-api-url': z.url(),
    'gitea-token-file': z.string().optional(),
    'gitea-api-url': z.url().optional(),
    'bitbucketserver-token-file': z.string().optional(),
    'bitbucketserver-api-url': z.url().optional(),
    'bot-name': z.string().optional(),
    'budget-seconds': seconds,
    'shutdown-grace-seconds': seconds,
    'log-level': z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace']),
  })
  .superRefine((s, context) => {
    const requireFlag = (flag: keyof typeof s, why: string) => {
      if (!s[flag]) context.addIssue({ code: 'custom', path: [flag], message: `is required ${why}` });
    };
    if (!s['webhook-secret-file'] && !s['webhook-secrets-file']) {
      context.addIssue({
        code: 'custom',
        path: ['webhook-secret-file'],
        message: 'or --webhook-secrets-file is required: lighthouse refuses to run without a webhook secret',
      });
    }
    if (s['gitea-token-file']) requireFlag('gitea-api-url', 'with --gitea-token-file');
    if (s['bitbucketserver-token-file']) {
      requireFlag('bitbucketserver-api-url', 'with --bitbucketserver-token-file');
    }
    if (s.metapipeline === 'remote') {
      requireFlag('runner-url', 'in remote mode');
      requireFlag('runner-token-file', 'in remote mode');
    } else {
      requireFlag('meta-step-image', 'in embedded mode');
    }
  });
export type ServeSettings = z.output<typeof ServeSettings>;

/** The settings are wrong; the message names each flag and why. The process exits 2. */
export class SettingsError extends Error {
  override name = 'SettingsError';
}

/** A flag wins over its environment variable, which wins over the default. */
export function parseServeSettings(args: string[], env: Record<string, string | undefined>): ServeSettings {
  const options = Object.fromEntries(
    serveFlags.map((f) => [f.name, { type: f.boolean ? ('boolean' as const) : ('string' as const) }]),
  );
  let values: Record<string, string | boolean | undefined>;
  try {
    ({ values } = parseArgs({ args, options, strict: true }));
  } catch (error) {
    throw new SettingsError((error as Error).message);
  }
  const input = Object.fromEntries(
    serveFlags.map((f) => {
      const given = values[f.name];
      return [f.name, given === undefined ? env[f.env] || f.default : String(given)];
    }),
  );
  const result = ServeSettings.safeParse(input);
  if (result.success) return result.data;
  const lines = result.error.issues.map((issue) => `  ${flagLabel(issue.path[0])}: ${issue.message}`);
  throw new SettingsError(`invalid settings:\n${lines.join('\n')}`);
}

/** A flag whose value cannot be used once read (a file it names, say), as parseServeSettings names it. */
export function flagError(name: string, message: string): SettingsError {
  return new SettingsError(`invalid settings:\n  ${flagLabel(name)}: ${message}`);
}

function flagLabel(name: PropertyKey | undefined): string {
  const flag = serveFlags.find((f) => f.name === name);
  return flag ? `--${flag.name} (${flag.env})` : 'settings';
}

export function serveHelp(): string {
  const rows = serveFlags.map((f) => [`--${f.name}`, f.env, f.default ?? '', f.description]);
  const widths = [0, 1, 2].map((i) => Math.max(...rows.map((r) => r[i]?.length ?? 0)));
  const line = (cells: string[]) => `  ${cells.map((c, i) => c.padEnd(widths[i] ?? 0)).join('  ')}`.trimEnd();
  return [
    'Usage: lighthouse serve [flags]      receive webhooks on POST /hook and start the jobs they ask for',
    '       lighthouse --help',
    '',
    'Flags (each also read from its environment variable; the flag wins):',
    ...rows.map(line),
    '',
  ].join('\n');
}
