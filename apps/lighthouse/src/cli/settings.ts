import { boolean, type Env, type Flag, flagsHelp, integer, parseFlags } from '@lighthouse-ts/cli';
import {
  checkProviderSettings,
  providerFlags,
  providerSettingsShape,
  reportFlags,
  reportSettingsShape,
} from '@lighthouse-ts/providers/flags';
import * as z from 'zod';

/** Every flag of `lighthouse serve`; each is also read from its environment variable. */
export const serveFlags: readonly Flag[] = [
  { flag: 'port', env: 'LIGHTHOUSE_PORT', default: '8080', description: 'TCP port; 0 picks a free one' },
  { flag: 'host', env: 'LIGHTHOUSE_HOST', default: '0.0.0.0', description: 'address to listen on' },
  {
    flag: 'webhook-secret-file',
    env: 'LIGHTHOUSE_WEBHOOK_SECRET_FILE',
    description: 'file with the webhook secret for every repository; one per line while rotating',
  },
  {
    flag: 'webhook-secrets-file',
    env: 'LIGHTHOUSE_WEBHOOK_SECRETS_FILE',
    description:
      "YAML of secrets by '*', org or org/repo (Prow's hmac format); this or the above is required",
  },
  {
    flag: 'allow-sha1',
    env: 'LIGHTHOUSE_ALLOW_SHA1',
    boolean: true,
    default: 'false',
    description: "accept GitHub's SHA-1 signature when no SHA-256 one is sent",
  },
  { flag: 'config-file', env: 'LIGHTHOUSE_CONFIG_FILE', description: 'config.yaml (required)' },
  { flag: 'plugins-file', env: 'LIGHTHOUSE_PLUGINS_FILE', description: 'plugins.yaml (required)' },
  { flag: 'namespace', env: 'LIGHTHOUSE_NAMESPACE', default: 'jx', description: 'where jobs run' },
  {
    flag: 'metapipeline',
    env: 'LIGHTHOUSE_METAPIPELINE',
    default: 'embedded',
    description: 'embedded (write to Kubernetes in-process) or remote (call a runner)',
  },
  { flag: 'runner-url', env: 'LIGHTHOUSE_RUNNER_URL', description: 'the runner, in remote mode' },
  {
    flag: 'runner-token-file',
    env: 'LIGHTHOUSE_RUNNER_TOKEN_FILE',
    description: "the runner's bearer token file",
  },
  { flag: 'kubeconfig', env: 'KUBECONFIG', description: 'embedded mode: kubeconfig; in-cluster when unset' },
  {
    flag: 'meta-step-image',
    env: 'LIGHTHOUSE_META_STEP_IMAGE',
    description: 'embedded mode: the runner image that runs the meta step (required)',
  },
  {
    flag: 'meta-step-service-account',
    env: 'LIGHTHOUSE_META_STEP_SERVICE_ACCOUNT',
    default: 'lighthouse-meta-step',
    description: 'embedded mode: the ServiceAccount the meta step runs as (builds never do)',
  },
  ...(
    [
      ['cpu-request', '100m'],
      ['memory-request', '256Mi'],
      ['cpu-limit', undefined],
      ['memory-limit', '1Gi'],
    ] as const
  ).map(([name, fallback]) => ({
    flag: `meta-step-${name}`,
    env: `LIGHTHOUSE_META_STEP_${name.toUpperCase().replace('-', '_')}`,
    description: `embedded mode: the meta step's ${name.replace('-', ' ')} (a Kubernetes quantity)${fallback ? '' : '; none by default'}`,
    ...(fallback ? { default: fallback } : {}),
  })),
  {
    flag: 'status-sync',
    env: 'LIGHTHOUSE_STATUS_SYNC',
    default: 'true',
    description: "embedded mode: keep jobs' status in step with their PipelineRuns, in-process",
  },
  {
    flag: 'kube-qps',
    env: 'LIGHTHOUSE_KUBE_QPS',
    default: '50',
    description: 'embedded mode: sustained Kubernetes requests per second (a job takes about 6)',
  },
  {
    flag: 'kube-burst',
    env: 'LIGHTHOUSE_KUBE_BURST',
    default: '100',
    description: 'embedded mode: Kubernetes requests allowed at once above that rate',
  },
  ...providerFlags,
  ...reportFlags,
  { flag: 'bot-name', env: 'LIGHTHOUSE_BOT_NAME', description: "the bot's own login (always trusted)" },
  {
    flag: 'budget-seconds',
    env: 'LIGHTHOUSE_BUDGET_SECONDS',
    default: '8',
    description: 'longest a provider waits for an answer; past it 202 and the work goes on',
  },
  {
    flag: 'pending-dir',
    env: 'LIGHTHOUSE_PENDING_DIR',
    description:
      'keeps deliveries answered 202 here until their jobs exist, so a restart resumes them; unset: in memory only',
  },
  {
    flag: 'max-body-bytes',
    env: 'LIGHTHOUSE_MAX_BODY_BYTES',
    default: String(25 * 1024 * 1024),
    description: "largest webhook body accepted (413 above); default GitHub's own cap, 25 MiB",
  },
  {
    flag: 'body-budget-bytes',
    env: 'LIGHTHOUSE_BODY_BUDGET_BYTES',
    default: String(128 * 1024 * 1024),
    description: 'bytes of bodies read at once across deliveries; a body that would go over gets 503',
  },
  {
    flag: 'max-connections',
    env: 'LIGHTHOUSE_MAX_CONNECTIONS',
    default: '1024',
    description: 'connections held at once; more are closed as they arrive',
  },
  {
    flag: 'shutdown-grace-seconds',
    env: 'LIGHTHOUSE_SHUTDOWN_GRACE_SECONDS',
    default: '20',
    description: 'how long deliveries in flight may finish after SIGTERM',
  },
  {
    flag: 'ui-port',
    env: 'LIGHTHOUSE_UI_PORT',
    description:
      'serve the read-only web page of deliveries and jobs on this port (0 picks one); unset: none',
  },
  {
    flag: 'ui-host',
    env: 'LIGHTHOUSE_UI_HOST',
    default: '0.0.0.0',
    description: 'address the web page listens on',
  },
  {
    flag: 'ui-url',
    env: 'LIGHTHOUSE_UI_URL',
    description:
      "the web page's address as people reach it; commit statuses link to its job pages unless --report-target-url says otherwise",
  },
  {
    flag: 'ui-deliveries',
    env: 'LIGHTHOUSE_UI_DELIVERIES',
    default: '500',
    description:
      'verified deliveries the web page keeps (in memory, per replica); a quarter as many refused ones',
  },
  {
    flag: 'ui-log-url',
    env: 'LIGHTHOUSE_UI_LOG_URL',
    description:
      "a job's logs, e.g. https://HOST/#/namespaces/{namespace}/pipelineruns/{pipelineRun}; also {job} {build} {owner} {repo}",
  },
  {
    flag: 'log-level',
    env: 'LOG_LEVEL',
    default: 'info',
    description: 'fatal, error, warn, info, debug or trace',
  },
];

const seconds = z.coerce.number().positive().max(3600);

const fields = z.object({
  port: integer(0, 65_535),
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
  // Quantities, checked when the client is made (it knows Kubernetes' forms).
  'meta-step-cpu-request': z.string(),
  'meta-step-memory-request': z.string(),
  'meta-step-cpu-limit': z.string().optional(),
  'meta-step-memory-limit': z.string(),
  'status-sync': boolean,
  'kube-qps': integer(1, 100_000),
  'kube-burst': integer(1, 100_000),
  ...providerSettingsShape,
  ...reportSettingsShape,
  'bot-name': z.string().optional(),
  'budget-seconds': seconds,
  'pending-dir': z.string().min(1).optional(),
  'max-body-bytes': integer(1024, 1024 ** 3),
  'body-budget-bytes': integer(1024, 64 * 1024 ** 3),
  'max-connections': integer(1, 1_000_000),
  'shutdown-grace-seconds': seconds,
  'ui-port': integer(0, 65_535).optional(),
  'ui-host': z.string().min(1),
  'ui-url': z.url({ protocol: /^https?$/, error: 'must be an http or https URL' }).optional(),
  'ui-deliveries': integer(1, 5000),
  // Its placeholders are checked by serve (with the web page's code, which check-config does not load).
  'ui-log-url': z.string().optional(),
  'log-level': z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace']),
});
const ServeSettings = fields.superRefine((s, context) => {
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
  checkProviderSettings(s, context);
  if (s['body-budget-bytes'] < s['max-body-bytes']) {
    context.addIssue({
      code: 'custom',
      path: ['body-budget-bytes'],
      message: 'must be at least --max-body-bytes, or the largest body would always be refused',
    });
  }
  if (s.metapipeline === 'remote') {
    requireFlag('runner-url', 'in remote mode');
    requireFlag('runner-token-file', 'in remote mode');
  } else {
    requireFlag('meta-step-image', 'in embedded mode');
  }
});
export type ServeSettings = z.output<typeof ServeSettings>;

/** A flag wins over its environment variable, which wins over the default. */
export const parseServeSettings = (args: string[], env: Env): ServeSettings =>
  parseFlags(serveFlags, ServeSettings, args, env);

/** `check-config` reads the config as `serve` would: the same flags, variables and defaults. */
export const checkConfigFlags = serveFlags.filter((f) =>
  ['config-file', 'plugins-file', 'namespace'].includes(f.flag),
);
const CheckConfigSettings = fields.pick({ 'config-file': true, 'plugins-file': true, namespace: true });

export const parseCheckConfigSettings = (args: string[], env: Env) =>
  parseFlags(checkConfigFlags, CheckConfigSettings, args, env);

/** `plugins` reads the plugins as `serve` would, for one repository. */
export const pluginsFlags: readonly Flag[] = [
  ...serveFlags.filter((f) => ['config-file', 'plugins-file'].includes(f.flag)),
  {
    flag: 'repo',
    env: 'LIGHTHOUSE_REPO',
    description: 'the repository, org/repo (GitLab: group/subgroup/repo) (required)',
  },
  { flag: 'json', env: 'LIGHTHOUSE_JSON', boolean: true, default: 'false', description: 'print JSON' },
];
const PluginsSettings = fields.pick({ 'config-file': true, 'plugins-file': true }).extend({
  repo: z.string({ error: 'is required' }).regex(/^[^/\s]+(\/[^/\s]+)*\/[^/\s]+$/, 'must be org/repo'),
  json: boolean,
});

export const parsePluginsSettings = (args: string[], env: Env) =>
  parseFlags(pluginsFlags, PluginsSettings, args, env);

export function serveHelp(): string {
  return [
    'Usage: lighthouse serve [flags]      receive webhooks on POST /hook and start the jobs they ask for',
    '       lighthouse --help',
    '',
    'Flags (each also read from its environment variable; the flag wins):',
    ...flagsHelp(serveFlags),
    '',
  ].join('\n');
}
