import { delimiter } from 'node:path';
import {
  boolean,
  type Env,
  type Flag,
  FlagError,
  flagsHelp,
  integer,
  readFlags,
  validated,
} from '@lighthouse-ts/cli';
import {
  ComputeResources,
  defaultBuildServiceAccount,
  defaultMetaStepResources,
  EnvNamePattern,
  networkSourceSchemes,
  Quantity,
  SourceHostPattern,
  SourceSchemePattern,
} from '@lighthouse-ts/metapipeline-client';
import {
  checkProviderSettings,
  providerFlags,
  providerSettingsShape,
  reportFlags,
  reportSettingsShape,
} from '@lighthouse-ts/providers/flags';
import * as z from 'zod';

/** The runner's commands that take flags. */
type CommandName = 'serve' | 'sync' | 'meta-step';

interface RunnerFlag extends Flag {
  /** The key in Settings. */
  key: keyof SettingsInput;
  /** The commands that take it. */
  commands: readonly CommandName[];
}

/** Every flag of the runner's commands, with the environment variable that sets it when the flag is absent. */
export const flags: readonly RunnerFlag[] = [
  {
    key: 'port',
    commands: ['serve'],
    flag: 'port',
    env: 'RUNNER_PORT',
    default: '8080',
    value: 'n',
    description: 'TCP port; 0 picks a free one',
  },
  {
    key: 'host',
    commands: ['serve'],
    flag: 'host',
    env: 'RUNNER_HOST',
    default: '0.0.0.0',
    value: 'addr',
    description: 'address to listen on',
  },
  {
    key: 'tokenFile',
    commands: ['serve'],
    flag: 'token-file',
    env: 'RUNNER_TOKEN_FILE',
    value: 'path',
    description: 'file holding the bearer token callers must send',
  },
  {
    key: 'insecureNoAuth',
    commands: ['serve'],
    flag: 'insecure-no-auth',
    env: 'RUNNER_INSECURE_NO_AUTH',
    boolean: true,
    default: 'false',
    description: 'serve without authentication (development only)',
  },
  {
    key: 'kubeconfig',
    commands: ['serve', 'sync', 'meta-step'],
    flag: 'kubeconfig',
    env: 'KUBECONFIG',
    value: 'path',
    description: 'kubeconfig file; in-cluster service account when unset',
  },
  {
    key: 'namespace',
    commands: ['serve', 'sync'],
    flag: 'namespace',
    env: 'RUNNER_NAMESPACE',
    default: 'default',
    value: 'ns',
    description: 'namespace whose job statuses the status sync keeps, and where /readyz lists',
  },
  {
    key: 'metaStepImage',
    commands: ['serve'],
    flag: 'meta-step-image',
    env: 'RUNNER_META_STEP_IMAGE',
    value: 'image',
    description: 'image of the meta-pipeline step (required)',
  },
  {
    key: 'metaStepCommand',
    commands: ['serve'],
    flag: 'meta-step-command',
    env: 'RUNNER_META_STEP_COMMAND',
    default: 'runner meta-step',
    value: 'cmd',
    description: 'command of the meta-pipeline step, split on spaces',
  },
  {
    key: 'metaStepServiceAccount',
    commands: ['serve'],
    flag: 'meta-step-service-account',
    env: 'RUNNER_META_STEP_SERVICE_ACCOUNT',
    default: 'lighthouse-meta-step',
    value: 'name',
    description: 'ServiceAccount the meta step runs as (builds never do)',
  },
  {
    key: 'metaStepCpuRequest',
    commands: ['serve'],
    flag: 'meta-step-cpu-request',
    env: 'RUNNER_META_STEP_CPU_REQUEST',
    default: defaultMetaStepResources.requests?.cpu,
    value: 'quantity',
    description: 'CPU the meta step is guaranteed',
  },
  {
    key: 'metaStepCpuLimit',
    commands: ['serve'],
    flag: 'meta-step-cpu-limit',
    env: 'RUNNER_META_STEP_CPU_LIMIT',
    value: 'quantity',
    description: 'most CPU the meta step may use (none unless given)',
  },
  {
    key: 'metaStepMemoryRequest',
    commands: ['serve'],
    flag: 'meta-step-memory-request',
    env: 'RUNNER_META_STEP_MEMORY_REQUEST',
    default: defaultMetaStepResources.requests?.memory,
    value: 'quantity',
    description: 'memory the meta step is guaranteed',
  },
  {
    key: 'metaStepMemoryLimit',
    commands: ['serve'],
    flag: 'meta-step-memory-limit',
    env: 'RUNNER_META_STEP_MEMORY_LIMIT',
    default: defaultMetaStepResources.limits?.memory,
    value: 'quantity',
    description: 'most memory the meta step may use (it is stopped above)',
  },
  {
    key: 'allowedNamespaces',
    commands: ['serve'],
    flag: 'allowed-namespaces',
    env: 'RUNNER_ALLOWED_NAMESPACES',
    value: 'list',
    description: 'namespaces callers may use besides --namespace, comma-separated',
  },
  {
    key: 'allowedServiceAccounts',
    commands: ['serve'],
    flag: 'allowed-service-accounts',
    env: 'RUNNER_ALLOWED_SERVICE_ACCOUNTS',
    default: defaultBuildServiceAccount,
    value: 'list',
    description: `ServiceAccounts a request may run its build as (one that names none gets ${defaultBuildServiceAccount})`,
  },
  {
    key: 'allowedSourceHosts',
    commands: ['serve'],
    flag: 'allowed-source-hosts',
    env: 'RUNNER_ALLOWED_SOURCE_HOSTS',
    value: 'list',
    description: 'hosts a request may clone from (github.com, *.example.com); any host when unset',
  },
  {
    key: 'allowedSourceSchemes',
    commands: ['serve'],
    flag: 'allowed-source-schemes',
    env: 'RUNNER_ALLOWED_SOURCE_SCHEMES',
    default: networkSourceSchemes.join(','),
    value: 'list',
    description: "schemes a request may clone over (file reaches into the meta step's pod)",
  },
  {
    key: 'allowedEnv',
    commands: ['serve'],
    flag: 'allowed-env',
    env: 'RUNNER_ALLOWED_ENV',
    value: 'list',
    description: 'variables a request may set: names, or prefixes ending in * (none when unset)',
  },
  {
    key: 'statusSync',
    commands: ['serve'],
    flag: 'status-sync',
    env: 'RUNNER_STATUS_SYNC',
    default: 'true',
    value: 'bool',
    description: 'keep job statuses in step with their PipelineRuns in this process (as runner sync)',
  },
  {
    key: 'kubeQps',
    commands: ['serve', 'sync'],
    flag: 'kube-qps',
    env: 'RUNNER_KUBE_QPS',
    default: '50',
    value: 'n',
    description: 'sustained Kubernetes requests per second (client-side limit; a create makes about 6)',
  },
  {
    key: 'kubeBurst',
    commands: ['serve', 'sync'],
    flag: 'kube-burst',
    env: 'RUNNER_KUBE_BURST',
    default: '100',
    value: 'n',
    description: 'Kubernetes requests allowed at once above the sustained rate',
  },
  // The reporter's, read by the commands that run the status sync, which it runs beside. Their variables
  // are lighthouse's, as lighthouse reads them in embedded mode.
  ...[...reportFlags, ...providerFlags].map((flag) => ({
    ...flag,
    key: flag.flag as keyof SettingsInput,
    commands: ['serve', 'sync'] as const,
  })),
  {
    key: 'metricsPort',
    commands: ['serve'],
    flag: 'metrics-port',
    env: 'RUNNER_METRICS_PORT',
    value: 'n',
    description: 'serve /metrics and /openapi.json on this port instead of --port (0 picks a free one)',
  },
  {
    key: 'maxBodyBytes',
    commands: ['serve'],
    flag: 'max-body-bytes',
    env: 'RUNNER_MAX_BODY_BYTES',
    default: '1048576',
    value: 'n',
    description: 'largest request body accepted (413 above)',
  },
  {
    key: 'shutdownGraceSeconds',
    commands: ['serve'],
    flag: 'shutdown-grace-seconds',
    env: 'RUNNER_SHUTDOWN_GRACE_SECONDS',
    default: '20',
    value: 's',
    description: 'how long in-flight requests may finish after SIGTERM',
  },
  {
    key: 'gitProtocols',
    commands: ['meta-step'],
    flag: 'git-protocols',
    env: 'RUNNER_GIT_PROTOCOLS',
    default: 'https,ssh,http,git',
    value: 'list',
    description: 'transports git may fetch the repository over (file and ext reach into the pod)',
  },
  {
    key: 'logLevel',
    commands: ['serve', 'sync', 'meta-step'],
    flag: 'log-level',
    env: 'LOG_LEVEL',
    default: 'info',
    value: 'level',
    description: 'fatal, error, warn, info, debug, trace or silent',
  },
];

/** A comma-separated list of `item`s, blanks left out; empty when unset. */
const list = (item: z.ZodString) =>
  z
    .string()
    .optional()
    .transform((text = '') =>
      text
        .split(',')
        .map((entry) => entry.trim())
        .filter(Boolean),
    )
    .pipe(z.array(item));

/** Every setting of every command; each command takes its own (serve most of them). */
const Settings = z.strictObject({
  port: integer(0, 65_535),
  host: z.string().min(1),
  tokenFile: z.string().min(1).optional(),
  insecureNoAuth: boolean,
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
  metaStepServiceAccount: z
    .string()
    .regex(/^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/, 'must be a Kubernetes ServiceAccount name'),
  metaStepCpuRequest: Quantity,
  metaStepCpuLimit: Quantity.optional(),
  metaStepMemoryRequest: Quantity,
  metaStepMemoryLimit: Quantity,
  allowedNamespaces: list(
    z
      .string()
      .max(63)
      .regex(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/, 'must be Kubernetes namespace names, comma-separated'),
  ),
  allowedServiceAccounts: list(
    z.string().regex(/^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/, 'must be ServiceAccount names, comma-separated'),
  ).refine((names) => names.length > 0, 'must name at least one ServiceAccount'),
  allowedSourceHosts: list(SourceHostPattern),
  allowedSourceSchemes: list(z.string()).pipe(
    z.array(SourceSchemePattern).min(1, 'must name at least one scheme'),
  ),
  allowedEnv: list(EnvNamePattern),
  metricsPort: integer(0, 65_535).optional(),
  statusSync: boolean,
  gitProtocols: z
    .string()
    .transform((list) =>
      list
        .split(',')
        .map((p) => p.trim())
        .filter(Boolean),
    )
    .pipe(
      z.array(z.string().regex(/^[a-z][a-z0-9+.-]*$/, 'must be git transports such as https,ssh')).min(1),
    ),
  kubeQps: integer(1, 100_000),
  kubeBurst: integer(1, 100_000),
  maxBodyBytes: integer(1, 1024 ** 3),
  shutdownGraceSeconds: integer(0, 3600),
  logLevel: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']),
  ...reportSettingsShape,
  ...providerSettingsShape,
});
type SettingsInput = z.input<typeof Settings>;
const RunnerConfig = Settings.omit({ gitProtocols: true })
  .superRefine(checkProviderSettings)
  .superRefine((config, context) => {
    if (config.allowedServiceAccounts.includes(config.metaStepServiceAccount)) {
      context.addIssue({
        code: 'custom',
        path: ['allowedServiceAccounts'],
        message: `must not name the meta step's ServiceAccount ${config.metaStepServiceAccount}: pull request code would get its rights`,
      });
    }
    const resources = ComputeResources.safeParse(metaStepResources(config));
    for (const issue of resources.error?.issues ?? []) {
      const [kind, resource] = issue.path as ['requests' | 'limits', 'cpu' | 'memory'];
      const key = `metaStep${resource === 'cpu' ? 'Cpu' : 'Memory'}${kind === 'requests' ? 'Request' : 'Limit'}`;
      context.addIssue({ code: 'custom', path: [key], message: issue.message });
    }
  });
export type RunnerConfig = z.output<typeof RunnerConfig>;

/** The meta step's requests and limits, from its four flags. */
export function metaStepResources(
  config: Pick<
    z.output<typeof Settings>,
    'metaStepCpuRequest' | 'metaStepCpuLimit' | 'metaStepMemoryRequest' | 'metaStepMemoryLimit'
  >,
): ComputeResources {
  return {
    requests: { cpu: config.metaStepCpuRequest, memory: config.metaStepMemoryRequest },
    limits: {
      ...(config.metaStepCpuLimit ? { cpu: config.metaStepCpuLimit } : {}),
      memory: config.metaStepMemoryLimit,
    },
  };
}

const reportKeys = Object.fromEntries(
  Object.keys({ ...reportSettingsShape, ...providerSettingsShape }).map((key) => [key, true] as const),
) as { [K in keyof typeof reportSettingsShape | keyof typeof providerSettingsShape]: true };

const SyncConfig = Settings.pick({
  kubeconfig: true,
  namespace: true,
  kubeQps: true,
  kubeBurst: true,
  logLevel: true,
  ...reportKeys,
}).superRefine(checkProviderSettings);
export type SyncConfig = z.output<typeof SyncConfig>;
/** The reporter's settings; `serve` and `sync` take them, as the reporter runs beside the status sync. */
export type ReportConfig = Pick<SyncConfig, keyof typeof reportKeys>;

const MetaStepConfig = Settings.pick({ kubeconfig: true, gitProtocols: true, logLevel: true });
export type MetaStepConfig = z.output<typeof MetaStepConfig>;

/** What the meta PipelineRun gives its step (read by `runner meta-step`, which exits 2 if one is missing). */
export const metaStepEnv = [
  ['REPO_URL', 'the repository to clone'],
  ['PULL_REFS', 'base:sha,number:sha,...: the base commit and the pulls to merge, in order'],
  ['JOB_NAME', "the job's name in the repository's .lighthouse/*/triggers.yaml"],
  ['PIPELINE_KIND', 'pullrequest (a presubmit), release or feature (a postsubmit)'],
  ['LIGHTHOUSE_JOB_NAME', 'the LighthouseJob to create the build for and record it on'],
  ['LIGHTHOUSE_JOB_NAMESPACE', 'its namespace, where the build PipelineRun goes'],
  [
    'LIGHTHOUSE_BUILD_SERVICE_ACCOUNT',
    "the build's service account when its pipeline names none (default tekton-bot)",
  ],
] as const;

/** Exit code for a configuration the runner cannot start with. */
export const badConfig = 2;

export type Command =
  | { command: 'help' }
  | { command: 'serve'; config: RunnerConfig }
  | { command: 'sync'; config: SyncConfig }
  | { command: 'meta-step'; config: MetaStepConfig };

/** Reads the command line and the environment; a flag wins over its variable, which wins over the default. */
export function parseCommandLine(args: string[], env: Env): Command {
  const { input, given, positionals, help } = readFlags(flags, args, env, { positionals: true, help: true });
  if (help) return { command: 'help' };
  const [command, ...rest] = positionals;
  if (command !== 'serve' && command !== 'sync' && command !== 'meta-step') {
    throw new FlagError(command ? `unknown command ${JSON.stringify(command)}` : 'no command given');
  }
  if (rest.length > 0) throw new FlagError(`unexpected argument ${JSON.stringify(rest[0])}`);
  const other = given.find((f) => !f.commands.includes(command));
  if (other) throw new FlagError(`--${other.flag} is not a flag of runner ${command}`);
  const own = flags.filter((f) => f.commands.includes(command));
  if (command === 'sync') return { command, config: validated(own, SyncConfig, input) };
  if (command === 'meta-step') return { command, config: validated(own, MetaStepConfig, input) };
  return { command, config: validated(own, RunnerConfig, input, authIssues(input)) };
}

/** Serving without authentication takes an explicit flag; serving with both is a mistake. */
function authIssues(input: Record<string, string | undefined>) {
  const insecure = boolean.safeParse(input.insecureNoAuth).data === true;
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

export function helpText(): string {
  return [
    'Usage: runner serve [flags]',
    '       runner sync [flags]',
    '       runner meta-step [flags]',
    '       runner --help',
    '',
    'serve  Serves the meta-pipeline HTTP contract (the remote side of @lighthouse-ts/metapipeline-client),',
    '       writing LighthouseJobs and PipelineRuns to Kubernetes, and runs the status sync and the',
    '       reporter unless --status-sync=false.',
    'sync   Keeps the LighthouseJobs of one namespace in step with their PipelineRuns and TaskRuns (state,',
    '       description, times, activity record) until SIGTERM. Safe to run in several processes at once.',
    '       Runs the reporter too.',
    "The reporter writes each job's state to its Git provider (commit statuses, a comment on failure) when",
    'a provider has credentials, unless --report=false; of all the processes running one, the one holding',
    'the Lease lighthouse-reporter in the namespace reports.',
    'meta-step  The step of a meta PipelineRun: clones the repository, merges the pulls, loads the',
    "           job's pipeline from .lighthouse/, creates the build PipelineRun (once) and records it on",
    '           the LighthouseJob. Exits 0 when done, 1 when the step failed (a merge conflict or a bad',
    '           pipeline also fails the job), 2 for a bad configuration. It reads its environment:',
    ...metaStepEnv.map(([name, description]) => `             ${name.padEnd(34)}${description}`),
    '',
    'A flag wins over its environment variable.',
    '',
    ...flagsHelp(flags, { commands: (f) => f.commands.join(', ') }),
    '',
    'Endpoints of serve: POST /v1/metapipelines, GET /v1/namespaces/{ns}/metapipelines[/{name}],',
    'POST /v1/namespaces/{ns}/metapipelines/{name}/cancel, GET /openapi.json, /healthz, /readyz, /metrics',
    '(/metrics and /openapi.json on --metrics-port instead, when given).',
    'serve refuses (403) a request for a namespace, build ServiceAccount, source or variable its',
    '--allowed-* flags do not allow.',
    '',
  ].join('\n');
}
