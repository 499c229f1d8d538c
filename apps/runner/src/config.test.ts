import { FlagError } from '@lighthouse-ts/cli';
import { stepEnvNames } from '@lighthouse-ts/meta-step';
import { describe, expect, it } from 'vitest';
import { flags, helpText, metaStepEnv, parseCommandLine } from './config.ts';

const required = ['--token-file', '/run/secrets/token', '--meta-step-image', 'runner:1'];
/** The reporter's defaults: it reports, to the public GitHub and GitLab once given their tokens. */
const reportDefaults = {
  report: true,
  'github-api-url': 'https://api.github.com',
  'gitlab-api-url': 'https://gitlab.com/api/v4',
};

/** What a caller may ask for, and what the meta step gets, unless told otherwise. */
const secureDefaults = {
  metaStepCpuRequest: '100m',
  metaStepMemoryRequest: '256Mi',
  metaStepMemoryLimit: '1Gi',
  allowedNamespaces: [],
  allowedServiceAccounts: ['tekton-bot'],
  allowedSourceHosts: [],
  allowedSourceSchemes: ['https', 'http', 'ssh', 'git'],
  allowedEnv: [],
};

function serve(args: string[], env: Record<string, string> = {}) {
  const command = parseCommandLine(['serve', ...args], env);
  if (command.command !== 'serve') throw new Error('expected serve');
  return command.config;
}

function problem(args: string[], env: Record<string, string> = {}): string {
  try {
    parseCommandLine(args, env);
  } catch (error) {
    expect(error).toBeInstanceOf(FlagError);
    return (error as Error).message;
  }
  throw new Error('expected a FlagError');
}

describe('configuration', () => {
  it('has defaults for everything but the token file and the meta step image', () => {
    expect(serve(required)).toEqual({
      port: 8080,
      host: '0.0.0.0',
      tokenFile: '/run/secrets/token',
      insecureNoAuth: false,
      namespace: 'default',
      metaStepImage: 'runner:1',
      metaStepCommand: ['runner', 'meta-step'],
      metaStepServiceAccount: 'lighthouse-meta-step',
      ...secureDefaults,
      statusSync: true,
      kubeQps: 50,
      kubeBurst: 100,
      maxBodyBytes: 1024 * 1024,
      shutdownGraceSeconds: 20,
      logLevel: 'info',
      ...reportDefaults,
    });
  });

  it('reads each setting from its environment variable, and a flag wins over it', () => {
    const env = {
      RUNNER_PORT: '9000',
      RUNNER_HOST: '127.0.0.1',
      RUNNER_TOKEN_FILE: '/env/token',
      KUBECONFIG: '/env/kubeconfig',
      RUNNER_NAMESPACE: 'jx',
      RUNNER_META_STEP_IMAGE: 'env:1',
      RUNNER_META_STEP_COMMAND: '/bin/runner  meta-step --verbose',
      RUNNER_STATUS_SYNC: 'false',
      RUNNER_KUBE_QPS: '20',
      RUNNER_KUBE_BURST: '40',
      RUNNER_MAX_BODY_BYTES: '2048',
      RUNNER_SHUTDOWN_GRACE_SECONDS: '5',
      RUNNER_META_STEP_SERVICE_ACCOUNT: 'meta-sa',
      LOG_LEVEL: 'debug',
    };
    expect(serve([], env)).toEqual({
      port: 9000,
      host: '127.0.0.1',
      tokenFile: '/env/token',
      insecureNoAuth: false,
      kubeconfig: '/env/kubeconfig',
      namespace: 'jx',
      metaStepImage: 'env:1',
      metaStepCommand: ['/bin/runner', 'meta-step', '--verbose'],
      metaStepServiceAccount: 'meta-sa',
      ...secureDefaults,
      statusSync: false,
      kubeQps: 20,
      kubeBurst: 40,
      maxBodyBytes: 2048,
      shutdownGraceSeconds: 5,
      logLevel: 'debug',
      ...reportDefaults,
    });
    expect(serve(['--port', '0', '--log-level', 'warn'], env)).toMatchObject({ port: 0, logLevel: 'warn' });
    // An empty variable counts as unset.
    expect(serve(required, { RUNNER_PORT: '' }).port).toBe(8080);
  });

  it('serves without a token file only when told to, and not with both', () => {
    expect(problem(['serve', '--meta-step-image', 'x'])).toContain(
      '--token-file (RUNNER_TOKEN_FILE): is required: the runner refuses to serve without authentication',
    );
    expect(serve(['--meta-step-image', 'x', '--insecure-no-auth'])).toMatchObject({ insecureNoAuth: true });
    expect(serve(['--meta-step-image', 'x'], { RUNNER_INSECURE_NO_AUTH: 'true' }).insecureNoAuth).toBe(true);
    expect(problem(['serve', ...required, '--insecure-no-auth'])).toContain('contradicts --token-file');
    expect(problem(['serve', '--meta-step-image', 'x'], { RUNNER_INSECURE_NO_AUTH: 'maybe' })).toContain(
      '--insecure-no-auth (RUNNER_INSECURE_NO_AUTH): must be true or false, got "maybe"',
    );
  });

  it('names every wrong setting at once', () => {
    const message = problem(['serve', '--port=-1', '--shutdown-grace-seconds', '1.5', '--host', '']);
    expect(message.split('\n').slice(1)).toEqual([
      expect.stringContaining('--port (RUNNER_PORT): must be a whole number, got "-1"'),
      expect.stringContaining('--host (RUNNER_HOST)'),
      expect.stringContaining('--meta-step-image (RUNNER_META_STEP_IMAGE): is required'),
      expect.stringContaining(
        '--shutdown-grace-seconds (RUNNER_SHUTDOWN_GRACE_SECONDS): must be a whole number',
      ),
      expect.stringContaining('--token-file (RUNNER_TOKEN_FILE): is required'),
    ]);
  });

  it('takes the allow-lists of what callers may ask for, from flags or variables, and checks each entry', () => {
    const env = {
      RUNNER_ALLOWED_NAMESPACES: 'ci-jobs, team-a',
      RUNNER_ALLOWED_SERVICE_ACCOUNTS: 'tekton-bot,builder',
      RUNNER_ALLOWED_SOURCE_HOSTS: 'github.com,*.example.com',
      RUNNER_ALLOWED_ENV: 'GO*,MAVEN_OPTS',
      RUNNER_ALLOWED_SOURCE_SCHEMES: 'https,file',
    };
    expect(serve(required, env)).toMatchObject({
      allowedNamespaces: ['ci-jobs', 'team-a'],
      allowedServiceAccounts: ['tekton-bot', 'builder'],
      allowedSourceHosts: ['github.com', '*.example.com'],
      allowedEnv: ['GO*', 'MAVEN_OPTS'],
      allowedSourceSchemes: ['https', 'file'],
    });
    expect(problem(['serve', ...required, '--allowed-source-schemes', 'https,ext'])).toContain(
      '--allowed-source-schemes (RUNNER_ALLOWED_SOURCE_SCHEMES): not ext, which runs a command',
    );
    expect(serve([...required, '--allowed-env', 'NPM_CONFIG_REGISTRY'], env).allowedEnv).toEqual([
      'NPM_CONFIG_REGISTRY',
    ]);
    expect(problem(['serve', ...required, '--allowed-env', '*'])).toContain(
      '--allowed-env (RUNNER_ALLOWED_ENV): a variable name, or a prefix of one ending in *',
    );
    expect(problem(['serve', ...required, '--allowed-source-hosts', 'https://github.com'])).toContain(
      '--allowed-source-hosts (RUNNER_ALLOWED_SOURCE_HOSTS): a host name such as github.com',
    );
    expect(problem(['serve', ...required, '--allowed-namespaces', 'Team_A'])).toContain(
      '--allowed-namespaces (RUNNER_ALLOWED_NAMESPACES): must be Kubernetes namespace names',
    );
    expect(problem(['serve', ...required, '--allowed-service-accounts', ' , '])).toContain(
      '--allowed-service-accounts (RUNNER_ALLOWED_SERVICE_ACCOUNTS): must name at least one ServiceAccount',
    );
  });

  it("refuses the meta step's ServiceAccount as a build's", () => {
    expect(
      problem(['serve', ...required, '--allowed-service-accounts', 'tekton-bot,lighthouse-meta-step']),
    ).toContain(
      "--allowed-service-accounts (RUNNER_ALLOWED_SERVICE_ACCOUNTS): must not name the meta step's ServiceAccount lighthouse-meta-step",
    );
  });

  it("takes the meta step's requests and limits, and refuses a request above its limit, naming the flag", () => {
    expect(
      serve([...required, '--meta-step-cpu-limit', '2'], {
        RUNNER_META_STEP_CPU_REQUEST: '500m',
        RUNNER_META_STEP_MEMORY_REQUEST: '512Mi',
        RUNNER_META_STEP_MEMORY_LIMIT: '2Gi',
      }),
    ).toMatchObject({
      metaStepCpuRequest: '500m',
      metaStepCpuLimit: '2',
      metaStepMemoryRequest: '512Mi',
      metaStepMemoryLimit: '2Gi',
    });
    expect(problem(['serve', ...required, '--meta-step-memory-request', '2Gi'])).toContain(
      '--meta-step-memory-request (RUNNER_META_STEP_MEMORY_REQUEST): 2Gi is more than its limit 1Gi',
    );
    expect(problem(['serve', ...required, '--meta-step-cpu-limit', 'lots'])).toContain(
      '--meta-step-cpu-limit (RUNNER_META_STEP_CPU_LIMIT): a Kubernetes quantity',
    );
  });

  it('serves /metrics on a port of its own when given one', () => {
    expect(serve(required).metricsPort).toBeUndefined();
    expect(serve([...required, '--metrics-port', '9090']).metricsPort).toBe(9090);
    expect(serve(required, { RUNNER_METRICS_PORT: '0' }).metricsPort).toBe(0);
  });

  it('refuses a KUBECONFIG that lists several files', () => {
    expect(problem(['serve', ...required], { KUBECONFIG: '/a:/b' })).toContain(
      '--kubeconfig (KUBECONFIG): must name one file',
    );
  });

  it('turns the in-process status sync off with --status-sync=false', () => {
    expect(serve([...required, '--status-sync=false']).statusSync).toBe(false);
    expect(serve([...required, '--status-sync', 'true'], { RUNNER_STATUS_SYNC: 'false' }).statusSync).toBe(
      true,
    );
    expect(problem(['serve', ...required, '--status-sync=off'])).toContain(
      '--status-sync (RUNNER_STATUS_SYNC): must be true or false, got "off"',
    );
  });

  it('configures runner sync from the flags it shares with serve, and refuses the others', () => {
    const env = { KUBECONFIG: '/env/kubeconfig', RUNNER_NAMESPACE: 'jx', RUNNER_PORT: '9000' };
    expect(parseCommandLine(['sync', '--kube-qps', '10'], env)).toEqual({
      command: 'sync',
      config: {
        kubeconfig: '/env/kubeconfig',
        namespace: 'jx',
        kubeQps: 10,
        kubeBurst: 100,
        logLevel: 'info',
        ...reportDefaults,
      },
    });
    expect(problem(['sync', '--port', '9000'])).toBe('--port is not a flag of runner sync');
    expect(problem(['sync', '--namespace', 'Not_A_Namespace'])).toContain(
      '--namespace (RUNNER_NAMESPACE): must be a Kubernetes namespace name',
    );
  });

  it("takes the reporter's flags in serve and sync, from lighthouse's variables, with their rules", () => {
    const env = {
      LIGHTHOUSE_GITEA_TOKEN_FILE: '/run/gitea/token',
      LIGHTHOUSE_GITEA_API_URL: 'https://gitea.example.com/api/v1',
    };
    const reporting = ['--report-target-url', 'https://dashboard.example.com/{job}'];
    expect(serve([...required, ...reporting], env)).toMatchObject({
      'gitea-token-file': '/run/gitea/token',
      'gitea-api-url': 'https://gitea.example.com/api/v1',
      'report-target-url': 'https://dashboard.example.com/{job}',
    });
    expect(parseCommandLine(['sync', '--report', 'false'], env)).toMatchObject({
      config: { report: false, 'gitea-token-file': '/run/gitea/token' },
    });
    expect(problem(['sync', '--gitea-token-file', '/run/gitea/token'])).toContain(
      '--gitea-api-url (LIGHTHOUSE_GITEA_API_URL): is required with --gitea-token-file',
    );
    expect(problem(['serve', ...required, '--github-app-id', '12'])).toContain(
      '--github-app-key-file (LIGHTHOUSE_GITHUB_APP_KEY_FILE): is required with --github-app-id',
    );
    expect(problem(['meta-step', '--github-token-file', '/t'])).toBe(
      '--github-token-file is not a flag of runner meta-step',
    );
  });

  it('knows two commands, serve and sync, and --help', () => {
    expect(parseCommandLine(['--help'], {})).toEqual({ command: 'help' });
    expect(parseCommandLine(['serve', '-h'], {})).toEqual({ command: 'help' });
    expect(problem([])).toBe('no command given');
    expect(problem(['run'])).toBe('unknown command "run"');
    expect(problem(['serve', 'extra', ...required])).toBe('unexpected argument "extra"');
    expect(problem(['serve', '--verbose'])).toContain("Unknown option '--verbose'");
  });

  it('configures runner meta-step from --kubeconfig, --git-protocols and --log-level, and documents what it reads from its environment', () => {
    const env = { KUBECONFIG: '/var/run/kubeconfig', RUNNER_PORT: '9000', REPO_URL: 'https://x/y.git' };
    expect(parseCommandLine(['meta-step', '--log-level', 'debug'], env)).toEqual({
      command: 'meta-step',
      config: {
        kubeconfig: '/var/run/kubeconfig',
        gitProtocols: ['https', 'ssh', 'http', 'git'],
        logLevel: 'debug',
      },
    });
    expect(parseCommandLine(['meta-step', '--git-protocols', 'https, file'], env)).toMatchObject({
      config: { gitProtocols: ['https', 'file'] },
    });
    expect(problem(['meta-step', '--git-protocols', 'https;rm'])).toContain('--git-protocols');
    expect(problem(['meta-step', '--namespace', 'jx'])).toBe('--namespace is not a flag of runner meta-step');
    expect(metaStepEnv.map(([name]) => name)).toEqual(stepEnvNames);
    const help = helpText();
    expect(help).toContain('runner meta-step [flags]');
    for (const name of stepEnvNames) expect(help).toContain(name);
  });

  it('documents every flag in --help', () => {
    const help = helpText();
    for (const flag of flags) {
      expect(help).toContain(`--${flag.flag}`);
      expect(help).toContain(flag.env);
    }
  });
});
