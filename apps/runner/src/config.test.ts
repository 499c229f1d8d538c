import { describe, expect, it } from 'vitest';
import { ConfigError, flags, helpText, parseCommandLine } from './config.ts';

const required = ['--token-file', '/run/secrets/token', '--meta-step-image', 'runner:1'];

function serve(args: string[], env: Record<string, string> = {}) {
  const command = parseCommandLine(['serve', ...args], env);
  if (command.command !== 'serve') throw new Error('expected serve');
  return command.config;
}

function problem(args: string[], env: Record<string, string> = {}): string {
  try {
    parseCommandLine(args, env);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as Error).message;
  }
  throw new Error('expected a ConfigError');
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
      kubeQps: 50,
      kubeBurst: 100,
      maxBodyBytes: 1024 * 1024,
      shutdownGraceSeconds: 20,
      logLevel: 'info',
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
      RUNNER_KUBE_QPS: '20',
      RUNNER_KUBE_BURST: '40',
      RUNNER_MAX_BODY_BYTES: '2048',
      RUNNER_SHUTDOWN_GRACE_SECONDS: '5',
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
      kubeQps: 20,
      kubeBurst: 40,
      maxBodyBytes: 2048,
      shutdownGraceSeconds: 5,
      logLevel: 'debug',
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

  it('refuses a KUBECONFIG that lists several files', () => {
    expect(problem(['serve', ...required], { KUBECONFIG: '/a:/b' })).toContain(
      '--kubeconfig (KUBECONFIG): must name one file',
    );
  });

  it('knows one command, serve, and --help', () => {
    expect(parseCommandLine(['--help'], {})).toEqual({ command: 'help' });
    expect(parseCommandLine(['serve', '-h'], {})).toEqual({ command: 'help' });
    expect(problem([])).toBe('no command given');
    expect(problem(['run'])).toBe('unknown command "run"');
    expect(problem(['serve', 'extra', ...required])).toBe('unexpected argument "extra"');
    expect(problem(['serve', '--verbose'])).toContain("Unknown option '--verbose'");
  });

  it('documents every flag in --help', () => {
    const help = helpText();
    for (const flag of flags) {
      expect(help).toContain(`--${flag.flag}`);
      expect(help).toContain(flag.env);
    }
  });
});
