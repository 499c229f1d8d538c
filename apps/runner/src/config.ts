import { delimiter } from 'node:path';
import { parseArgs } from 'node:util';
import { z } from 'zod';

interface Flag {
  /** The key in RunnerConfig. */
  key: keyof RunnerConfigInput;
  flag: string;
  env: string;
  boolean?: boolean;
  default?: string;
  value?: string;
  description: string;
}

/** Every flag of `runner serve`, with the environment variable that sets it when the flag is absent. */
export const flags: readonly Flag[] = [
  {
    key: 'port',
    flag: 'port',
    env: 'RUNNER_PORT',
    default: '8080',
    value: 'n',
    description: 'TCP port; 0 picks a free one',
  },
  {
    key: 'host',
    flag: 'host',
    env: 'RUNNER_HOST',
    default: '0.0.0.0',
    value: 'addr',
    description: 'address to listen on',
  },
  {
    key: 'tokenFile',
    flag: 'token-file',
    env: 'RUNNER_TOKEN_FILE',
    value: 'path',
    description: 'file holding the bearer token callers must send',
  },
  {
    key: 'insecureNoAuth',
    flag: 'insecure-no-auth',
    env: 'RUNNER_INSECURE_NO_AUTH',
    boolean: true,
    default: 'false',
    description: 'serve without authentication (development only)',
  },
  {
    key: 'kubeconfig',
    flag: 'kubeconfig',
    env: 'KUBECONFIG',
    value: 'path',
    description: 'kubeconfig file; in-cluster service account when unset',
  },
  {
    key: 'namespace',
    flag: 'namespace',
    env: 'RUNNER_NAMESPACE',
    default: 'default',
    value: 'ns',
    description: 'namespace /readyz lists LighthouseJobs and PipelineRuns in',
  },
  {
    key: 'metaStepImage',
    flag: 'meta-step-image',
    env: 'RUNNER_META_STEP_IMAGE',
    value: 'image',
    description: 'image of the meta-pipeline step (required)',
  },
  {
    key: 'metaStepCommand',
    flag: 'meta-step-command',
    env: 'RUNNER_META_STEP_COMMAND',
    default: 'runner meta-step',
    value: 'cmd',
    description: 'command of the meta-pipeline step, split on spaces',
  },
  {
    key: 'kubeQps',
    flag: 'kube-qps',
    env: 'RUNNER_KUBE_QPS',
    default: '50',
    value: 'n',
    description: 'sustained Kubernetes requests per second (client-side limit; a create makes about 6)',
  },
  {
    key: 'kubeBurst',
    flag: 'kube-burst',
    env: 'RUNNER_KUBE_BURST',
    default: '100',
    value: 'n',
    description: 'Kubernetes requests allowed at once above the sustained rate',
  },
  {
    key: 'maxBodyBytes',
    flag: 'max-body-bytes',
    env: 'RUNNER_MAX_BODY_BYTES',
    default: '1048576',
    value: 'n',
    description: 'largest request body accepted (413 above)',
  },
  {
    key: 'shutdownGraceSeconds',
    flag: 'shutdown-grace-seconds',
    env: 'RUNNER_SHUTDOWN_GRACE_SECONDS',
    default: '20',
    value: 's',
    description: 'how long in-flight requests may finish after SIGTERM',
  },
  {
    key: 'logLevel',
    flag: 'log-level',
    env: 'LOG_LEVEL',
    default: 'info',
    value: 'level',
    description: 'fatal, error, warn, info, debug, trace or silent',
  },
];

const integer = (min: number, max: number) =>
  z
    .string()
    .regex(/^\d+$/, 'must be a whole number')
    .transform(Number)
    .pipe(z.number().int().min(min).max(max));

const RunnerConfig = z.strictObject({
  port: integer(0, 65_535),
  host: z.string().min(1),
  tokenFile: z.string().min(1).optional(),
  insecureNoAuth: z
    .enum(['true', 'false', '1', '0', 'yes', 'no'], 'must be true or false')
    .transform((v) => ['true', '1', 'yes'].includes(v)),
  kubeconfig: z
    .string()
    .min(1)
    .refine((path) => !path.includes(delimiter), 'must name one file (the runner does not merge kubeconfigs)')
    .optional(),
  namespace: z
    .string()
    .max(63)
    .regex(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/, 'must be a Kubernetes namespace name'),
  metaStepImage: z.string({ error: 'is required' }).min(1, 'is required'),
  metaStepCommand: z
    .string()
    .transform((command) => command.split(/\s+/).filter(Boolean))
    .pipe(z.array(z.string()).min(1, 'must not be empty')),
  kubeQps: integer(1, 100_000),
  kubeBurst: integer(1, 100_000),
  maxBodyBytes: integer(1, 1024 ** 3),
  shutdownGraceSeconds: integer(0, 3600),
  logLevel: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']),
});
type RunnerConfigInput = z.input<typeof RunnerConfig>;
export type RunnerConfig = z.output<typeof RunnerConfig>;

/** Exit code for a configuration the runner cannot start with. */
export const badConfig = 2;

/** The configuration is wrong; the message says which flag and why. The process exits 2. */
export class ConfigError extends Error {
  override name = 'ConfigError';
}

export type Command = { command: 'help' } | { command: 'serve'; config: RunnerConfig };

/** Reads the command line and the environment; a flag wins over its variable, which wins over the default. */
export function parseCommandLine(args: string[], env: Record<string, string | undefined>): Command {
  let parsed: ReturnType<typeof parseFlags>;
  try {
    parsed = parseFlags(args);
  } catch (error) {
    throw new ConfigError((error as Error).message);
  }
  const { values, positionals } = parsed;
  if (values.help) return { command: 'help' };
  const [command, ...rest] = positionals;
  if (command !== 'serve') {
    throw new ConfigError(command ? `unknown command ${JSON.stringify(command)}` : 'no command given');
  }
  if (rest.length > 0) throw new ConfigError(`unexpected argument ${JSON.stringify(rest[0])}`);

  const input: Record<string, string | undefined> = {};
  for (const flag of flags) {
    const given = values[flag.flag];
    const fromEnv = env[flag.env] === '' ? undefined : env[flag.env];
    input[flag.key] = given === undefined ? (fromEnv ?? flag.default) : String(given);
  }
  const result = RunnerConfig.safeParse(input);
  const issues = [...(result.error?.issues ?? []), ...authIssues(input)];
  if (!result.success || issues.length > 0) {
    const lines = issues.map((issue) => {
      const flag = flags.find((f) => f.key === issue.path[0]);
      const where = flag ? `--${flag.flag} (${flag.env})` : 'configuration';
      const got = flag && input[flag.key] !== undefined ? `, got ${JSON.stringify(input[flag.key])}` : '';
      return `  ${where}: ${issue.message}${got}`;
    });
    throw new ConfigError(`invalid configuration:\n${lines.join('\n')}`);
  }
  return { command: 'serve', config: result.data };
}

/** Serving without authentication takes an explicit flag; serving with both is a mistake. */
function authIssues(input: Record<string, string | undefined>) {
  const insecure = ['true', '1', 'yes'].includes(input.insecureNoAuth ?? '');
  if (!input.tokenFile && !insecure) {
    return [
      {
        path: ['tokenFile'],
        message:
          'is required: the runner refuses to serve without authentication unless --insecure-no-auth is given',
      },
    ];
  }
  if (input.tokenFile && insecure) {
    return [{ path: ['insecureNoAuth'], message: 'contradicts --token-file: give one of them' }];
  }
  return [];
}

function parseFlags(args: string[]) {
  const options: Record<string, { type: 'string' | 'boolean'; short?: string }> = {
    help: { type: 'boolean', short: 'h' },
  };
  for (const flag of flags) options[flag.flag] = { type: flag.boolean ? 'boolean' : 'string' };
  return parseArgs({ args, options, allowPositionals: true, strict: true });
}

export function helpText(): string {
  const rows = flags.map((f) => [
    `--${f.flag}${f.value ? ` <${f.value}>` : ''}`,
    f.env,
    f.default ?? '',
    f.description,
  ]);
  const header = ['flag', 'environment', 'default', ''];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]?.length ?? 0)));
  const line = (cells: string[]) =>
    `  ${cells.map((cell, i) => cell.padEnd(widths[i] ?? 0)).join('  ')}`.trimEnd();
  return [
    'Usage: runner serve [flags]',
    '       runner --help',
    '',
    'Serves the meta-pipeline HTTP contract (the remote side of @lighthouse-ts/metapipeline-client),',
    'writing LighthouseJobs and PipelineRuns to Kubernetes. A flag wins over its environment variable.',
    '',
    line(header),
    ...rows.map(line),
    '',
    'Endpoints: POST /v1/metapipelines, GET /v1/namespaces/{ns}/metapipelines[/{name}],',
    'POST /v1/namespaces/{ns}/metapipelines/{name}/cancel, GET /openapi.json, /healthz, /readyz, /metrics.',
    '',
  ].join('\n');
}
