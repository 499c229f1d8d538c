import { execFile } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import type { MetaPipeline, MetaPipelineRequest } from '@lighthouse-ts/metapipeline-client';
import type { TestCluster } from '@lighthouse-ts/testenv';
import { testCluster } from '@lighthouse-ts/testenv/vitest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createMetaPipelineClient, type MetaPipelineSettings } from './metapipeline.ts';

const run = promisify(execFile);

/**
 * Runs in a fresh Node process: records the URL of every module loaded from then on, creates the client
 * through createMetaPipelineClient, makes one call, and prints the result with the list.
 *
 * Why a load hook: `module.registerHooks` hooks run in the loading thread for every module, ESM and
 * CommonJS (`require` included) alike, so any way @kubernetes/client-node could arrive
 * (static import, dynamic import, require from a CJS dependency) passes through it. `require.cache`
 * would miss ESM, and `process.moduleLoadList` lists only Node's built-ins. The embedded case checks the
 * hook does see client-node when it is loaded, so an empty list cannot pass by accident.
 */
const probeScript = `
import { registerHooks } from 'node:module';
const loaded = [];
registerHooks({
  load(url, context, nextLoad) {
    loaded.push(url);
    return nextLoad(url, context);
  },
});
const { createMetaPipelineClient } = await import(process.env.PROBE_MODULE);
const settings = JSON.parse(process.env.PROBE_SETTINGS);
const client = await createMetaPipelineClient(settings);
const result =
  settings.mode === 'remote'
    ? await client.create(JSON.parse(process.env.PROBE_REQUEST), { traceparent: process.env.PROBE_TRACEPARENT })
    : await client.list({ namespace: process.env.PROBE_NAMESPACE });
await client.close();
process.stdout.write(JSON.stringify({ result, loaded }));
`;

async function probe(settings: MetaPipelineSettings, env: Record<string, string>) {
  const { stdout } = await run(
    process.execPath,
    ['--conditions=@lighthouse-ts/source', '--input-type=module', '--eval', probeScript],
    {
      cwd: import.meta.dirname,
      env: {
        PATH: process.env.PATH ?? '',
        PROBE_MODULE: pathToFileURL(join(import.meta.dirname, 'metapipeline.ts')).href,
        PROBE_SETTINGS: JSON.stringify(settings),
        ...env,
      },
    },
  );
  return JSON.parse(stdout) as { result: unknown; loaded: string[] };
}

const kubernetesClient = /[\\/]node_modules[\\/]@kubernetes[\\/]client-node[\\/]/;

const request: MetaPipelineRequest = {
  idempotencyKey: 'github:72d3162e-cc78-11e3-81ab-4c9367dc0958:unit',
  namespace: 'jx',
  kind: 'pullrequest',
  jobName: 'unit',
  pullRefs: {
    sourceUrl: 'https://github.com/Codertocat/Hello-World.git',
    owner: 'Codertocat',
    repo: 'Hello-World',
    baseBranch: 'master',
    baseSha: 'f95f852bd8fca8fcc58a9a2d6c842781e32a215e',
    pulls: [{ number: 2, sha: 'ec26c3e57ca3a959ca5aad62de7213c562f8c821' }],
  },
};

async function tokenFile(content: string): Promise<string> {
  const path = join(await mkdtemp(join(tmpdir(), 'lighthouse-token-')), 'token');
  await writeFile(path, content, { mode: 0o600 });
  return path;
}

describe('createMetaPipelineClient', () => {
  let cluster: TestCluster;
  let namespace: string;

  // A stand-in runner: answers creates as the runner's contract does, and keeps what it was sent.
  const received: { headers: IncomingHttpHeaders; body: unknown }[] = [];
  const runner = createServer(async (req, res) => {
    let text = '';
    for await (const chunk of req) text += chunk;
    const sent = JSON.parse(text) as MetaPipelineRequest;
    received.push({ headers: req.headers, body: sent });
    const created: MetaPipeline = {
      ref: { namespace: sent.namespace, name: 'codertocat-hello-world-pr-2-unit-1' },
      idempotencyKey: sent.idempotencyKey,
      kind: sent.kind,
      jobName: sent.jobName,
      context: sent.jobName,
      owner: sent.pullRefs.owner,
      repo: sent.pullRefs.repo,
      branch: 'PR-2',
      buildNumber: 1,
      resources: [],
      phase: 'pending',
      description: '',
    };
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(created));
  });
  let runnerUrl: string;

  beforeAll(async () => {
    runner.listen(0, '127.0.0.1');
    await once(runner, 'listening');
    runnerUrl = `http://127.0.0.1:${(runner.address() as AddressInfo).port}`;
    cluster = await testCluster();
    namespace = await cluster.createNamespace('lh-mode');
  });
  afterAll(() => new Promise((resolve) => runner.close(resolve)));

  it('remote: calls the runner with the token and the trace, and never loads @kubernetes/client-node', async () => {
    const traceparent = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';
    const { result, loaded } = await probe(
      { mode: 'remote', runnerUrl, runnerTokenFile: await tokenFile('s3cret-token\n') },
      { PROBE_REQUEST: JSON.stringify(request), PROBE_TRACEPARENT: traceparent },
    );
    expect(result).toMatchObject({ ref: { name: 'codertocat-hello-world-pr-2-unit-1' }, buildNumber: 1 });
    expect(received.at(-1)?.headers).toMatchObject({ authorization: 'Bearer s3cret-token', traceparent });
    expect(received.at(-1)?.body).toMatchObject({ idempotencyKey: request.idempotencyKey });

    // The hook saw the modules that were loaded (so an empty list cannot pass by accident)...
    expect(loaded.some((url) => url.endsWith('/packages/metapipeline-client/src/remote.ts'))).toBe(true);
    // ...and none of the Kubernetes stack.
    expect(loaded.filter((url) => kubernetesClient.test(url))).toEqual([]);
    expect(loaded.filter((url) => url.includes('/packages/kube/') || url.includes('/embedded/'))).toEqual([]);
  });

  it('embedded: loads @kubernetes/client-node (the same check, seeing it) and talks to the cluster', async () => {
    const { result, loaded } = await probe(
      {
        mode: 'embedded',
        kubeconfig: cluster.kubeconfigPath,
        metaStepImage: 'ghcr.io/lighthouse-ts/runner:test',
      },
      { PROBE_NAMESPACE: namespace },
    );
    expect(result).toEqual([]);
    expect(loaded.some((url) => kubernetesClient.test(url))).toBe(true);
  });

  it('fails clearly on settings it cannot use', async () => {
    const remote = (runnerTokenFile: string) =>
      createMetaPipelineClient({ mode: 'remote', runnerUrl, runnerTokenFile });
    await expect(remote('/nonexistent/token')).rejects.toMatchObject({
      name: 'MetaPipelineSettingsError',
      setting: 'runnerTokenFile',
      message: 'cannot read the runner token file /nonexistent/token: ENOENT',
    });
    const empty = await tokenFile(' \n');
    await expect(remote(empty)).rejects.toThrow(`the runner token file ${empty} is empty`);
    const spaced = await tokenFile('two words\n');
    await expect(remote(spaced)).rejects.toThrow(/holds whitespace inside the token/);
    await expect(
      createMetaPipelineClient({
        mode: 'embedded',
        kubeconfig: '/nonexistent/kubeconfig',
        metaStepImage: 'i',
      }),
    ).rejects.toThrow(/cannot load the Kubernetes configuration from \/nonexistent\/kubeconfig: .*ENOENT/);
    const resources = (metaStepResources: { requests?: object; limits?: object }) =>
      createMetaPipelineClient({ mode: 'embedded', metaStepImage: 'i', metaStepResources });
    await expect(resources({ limits: { memory: 'lots' } })).rejects.toMatchObject({
      name: 'MetaPipelineSettingsError',
      setting: 'meta-step-memory-limit',
      message: expect.stringMatching(/^must be a Kubernetes quantity/),
    });
    await expect(resources({ requests: { cpu: '2' }, limits: { cpu: '500m' } })).rejects.toMatchObject({
      setting: 'meta-step-cpu-request',
      message: 'must be 2 is more than its limit 500m',
    });
  });
});
