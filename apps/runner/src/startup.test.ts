import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestCluster } from '@lighthouse-ts/testenv';
import { rawRequest } from '@lighthouse-ts/testenv/http';
import { testCluster } from '@lighthouse-ts/testenv/vitest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { killRunners, spawnRunner, startRunner, trailingLine } from '../test/runner-process.ts';
import { flags } from './config.ts';

describe('starting the runner', () => {
  let cluster: TestCluster;
  let dir: string;
  const image = ['--meta-step-image', 'ghcr.io/lighthouse-ts/runner:test'];

  beforeAll(async () => {
    cluster = await testCluster();
    dir = await mkdtemp(join(tmpdir(), 'runner-startup-'));
  });
  afterAll(killRunners);

  it('refuses to start without a token file, saying how to', async () => {
    const runner = spawnRunner(['serve', '--port', '0', '--kubeconfig', cluster.kubeconfigPath, ...image]);
    expect((await runner.exited).code).toBe(2);
    expect(runner.output()).toContain('--token-file (RUNNER_TOKEN_FILE): is required');
    expect(runner.output()).toContain('--insecure-no-auth');
    expect(runner.logs.some((line) => line.msg === 'listening')).toBe(false);
  });

  it.for([
    ['a missing token file', 'missing', /cannot read the token file .*missing: ENOENT/],
    ['an empty token file', 'empty', /the token file .*empty is empty/],
  ] as const)('refuses %s', async ([, name, message]) => {
    await writeFile(join(dir, 'empty'), ' \n');
    const args = ['serve', '--port', '0', '--token-file', join(dir, name)];
    const runner = spawnRunner([...args, '--kubeconfig', cluster.kubeconfigPath, ...image]);
    expect((await runner.exited).code).toBe(2);
    expect(runner.output()).toMatch(message);
  });

  it('starts with --insecure-no-auth, warns about it, and serves without a token', async () => {
    const namespace = await cluster.createNamespace('insecure');
    const runner = spawnRunner([
      'serve',
      ...['--host', '127.0.0.1', '--port', '0', '--insecure-no-auth'],
      ...['--kubeconfig', cluster.kubeconfigPath, '--namespace', namespace, ...image],
    ]);
    const listening = await runner.waitForLog((line) => line.msg === 'listening', '"listening"');
    const warnings = runner.logs.filter((line) => line.level === 40).map((line) => line.msg);
    expect(warnings).toContainEqual(expect.stringMatching(/authentication is off \(--insecure-no-auth\)/));
    const res = await rawRequest(
      `http://127.0.0.1:${listening.port}/v1/namespaces/${namespace}/metapipelines`,
    );
    expect(res.status).toBe(200);
    expect(res.json()).toEqual({ items: [] });
    expect(await runner.stop()).toEqual({ code: 0, signal: null });
  });

  it('takes its configuration from the environment', async () => {
    await writeFile(join(dir, 'token'), 'from-the-environment\n');
    const runner = await startRunner({ kubeconfig: cluster.kubeconfigPath });
    const fromEnv = spawnRunner(['serve'], {
      RUNNER_PORT: '0',
      RUNNER_HOST: '127.0.0.1',
      RUNNER_TOKEN_FILE: join(dir, 'token'),
      KUBECONFIG: cluster.kubeconfigPath,
      RUNNER_META_STEP_IMAGE: 'ghcr.io/lighthouse-ts/runner:test',
      LOG_LEVEL: 'debug',
    });
    const listening = await fromEnv.waitForLog((line) => line.msg === 'listening', '"listening"');
    expect(listening.port).not.toBe(runner.port);
    const url = `http://127.0.0.1:${listening.port}/v1/namespaces/default/metapipelines`;
    expect(
      (await rawRequest(url, { headers: { authorization: 'Bearer from-the-environment' } })).status,
    ).toBe(200);
    expect((await rawRequest(url, { headers: { authorization: `Bearer ${runner.token}` } })).status).toBe(
      401,
    );
    // LOG_LEVEL=debug took effect: the requests' debug lines come, through stdout, after their answers may.
    await fromEnv.waitForLog((line) => line.level === 20, 'at level debug', trailingLine);
    await Promise.all([runner.stop(), fromEnv.stop()]);
  });

  it.for([
    [['--port', '70000'], '--port (RUNNER_PORT): Too big'],
    [['--port', 'http'], '--port (RUNNER_PORT): must be a whole number, got "http"'],
    [['--log-level', 'loud'], '--log-level (LOG_LEVEL)'],
    [['--max-body-bytes', '0'], '--max-body-bytes (RUNNER_MAX_BODY_BYTES)'],
    [
      ['--namespace', 'Not_A_Namespace'],
      '--namespace (RUNNER_NAMESPACE): must be a Kubernetes namespace name',
    ],
    [['--insecure-no-auth'], '--insecure-no-auth (RUNNER_INSECURE_NO_AUTH): contradicts --token-file'],
    [['--allowed-env', 'http_proxy,*'], '--allowed-env (RUNNER_ALLOWED_ENV): a variable name, or a prefix'],
    [
      ['--allowed-service-accounts', 'lighthouse-meta-step'],
      "--allowed-service-accounts (RUNNER_ALLOWED_SERVICE_ACCOUNTS): must not name the meta step's ServiceAccount",
    ],
    [
      ['--meta-step-memory-limit', '100Mi'],
      '--meta-step-memory-request (RUNNER_META_STEP_MEMORY_REQUEST): 256Mi is more than its limit 100Mi',
    ],
    [['--no-such-flag'], "Unknown option '--no-such-flag'"],
  ] as const)('exits 2 on %j, naming the flag', async ([extra, message]) => {
    await writeFile(join(dir, 'token'), 'token\n');
    const runner = spawnRunner([
      'serve',
      ...['--token-file', join(dir, 'token'), '--kubeconfig', cluster.kubeconfigPath, ...image],
      ...extra,
    ]);
    expect((await runner.exited).code).toBe(2);
    expect(runner.output()).toContain(message);
  });

  it('exits 2 without the meta step image, or without a command', async () => {
    const noImage = spawnRunner(['serve', '--insecure-no-auth', '--kubeconfig', cluster.kubeconfigPath]);
    expect((await noImage.exited).code).toBe(2);
    expect(noImage.output()).toContain('--meta-step-image (RUNNER_META_STEP_IMAGE): is required');
    const noCommand = spawnRunner([]);
    expect((await noCommand.exited).code).toBe(2);
    expect(noCommand.output()).toContain('no command given');
  });

  it('exits 2 when the kubeconfig cannot be read', async () => {
    const args = ['serve', '--insecure-no-auth', '--kubeconfig', join(dir, 'no-such-kubeconfig'), ...image];
    const runner = spawnRunner(args);
    expect((await runner.exited).code).toBe(2);
    expect(runner.output()).toContain('no-such-kubeconfig');
  });

  it.for(['--port', '--metrics-port'])('exits 1 when its %s is taken', async (flag) => {
    const first = await startRunner({ kubeconfig: cluster.kubeconfigPath });
    const second = spawnRunner([
      'serve',
      ...['--host', '127.0.0.1', '--insecure-no-auth'],
      ...(flag === '--port' ? [] : ['--port', '0']),
      ...[flag, String(first.port)],
      ...['--kubeconfig', cluster.kubeconfigPath, ...image],
    ]);
    expect((await second.exited).code).toBe(1);
    expect(second.logs.find((line) => line.level === 60)?.msg).toBe('cannot listen');
    await first.stop();
  });

  it('lists every flag with its variable and default in --help', async () => {
    const runner = spawnRunner(['--help']);
    expect((await runner.exited).code).toBe(0);
    const help = runner.output();
    for (const flag of flags) {
      const line = help
        .split('\n')
        .find((l) => l.trimStart().startsWith(`--${flag.flag} `) || l.trim() === `--${flag.flag}`);
      expect(line, `--${flag.flag}`).toBeDefined();
      expect(line).toContain(flag.env);
      if (flag.default) expect(line).toContain(flag.default);
    }
  });
});
