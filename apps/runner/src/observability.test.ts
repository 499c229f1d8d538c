import { readFile, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { createRemoteClient, UnavailableError } from '@lighthouse-ts/metapipeline-client';
import { pullRequestRequest } from '@lighthouse-ts/metapipeline-client/testing';
import type { TestCluster } from '@lighthouse-ts/testenv';
import { rawRequest, sample } from '@lighthouse-ts/testenv/http';
import { testCluster } from '@lighthouse-ts/testenv/vitest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { killRunners, type ServingRunner, startRunner } from '../test/runner-process.ts';

/** A local port nothing listens on: bound once, then released. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

describe('probes, metrics and logs', () => {
  let cluster: TestCluster;
  let namespace: string;
  let runner: ServingRunner;
  const auth = () => ({ authorization: `Bearer ${runner.token}` });

  beforeAll(async () => {
    cluster = await testCluster();
    namespace = await cluster.createNamespace('observe');
    runner = await startRunner({ kubeconfig: cluster.kubeconfigPath, namespace });
  });
  afterAll(killRunners);

  it('is alive and ready, without a token, when Kubernetes serves both resources', async () => {
    expect((await rawRequest(`${runner.url}/healthz`)).status).toBe(200);
    const ready = await rawRequest(`${runner.url}/readyz`);
    expect(ready.status, ready.text).toBe(200);
    const doc = await rawRequest(`${runner.url}/openapi.json`);
    expect(doc.status).toBe(200);
    expect(doc.json()).toMatchObject({ openapi: '3.1.0', paths: { '/v1/metapipelines': { post: {} } } });
  });

  it('is alive but not ready when the API server cannot be reached', async () => {
    const config = JSON.parse(await readFile(cluster.kubeconfigPath, 'utf8')) as {
      clusters: { cluster: { server: string } }[];
    };
    for (const entry of config.clusters) entry.cluster.server = `https://127.0.0.1:${await closedPort()}`;
    const kubeconfig = join(cluster.stateDir, `unreachable-${process.pid}.kubeconfig`);
    await writeFile(kubeconfig, JSON.stringify(config), { mode: 0o600 });
    const cut = await startRunner({ kubeconfig, namespace });

    expect((await rawRequest(`${cut.url}/healthz`)).status).toBe(200);
    const ready = await rawRequest(`${cut.url}/readyz`);
    expect(ready.status).toBe(503);
    expect(ready.headers['content-type']).toBe('application/problem+json');
    expect(ready.json()).toMatchObject({
      status: 503,
      detail: expect.stringMatching(/Kubernetes unreachable/),
    });

    // A call fails the same typed way through the remote client, and is counted by kind.
    const client = createRemoteClient({ url: cut.url, token: cut.token, attempts: 1 });
    await expect(client.create(pullRequestRequest(namespace))).rejects.toBeInstanceOf(UnavailableError);
    const metrics = (await rawRequest(`${cut.url}/metrics`)).text;
    expect(
      sample(metrics, 'runner_kube_errors_total', { kind: 'KubeUnavailableError' }),
    ).toBeGreaterThanOrEqual(2);
    await cut.stop();
  });

  it('is not ready when Kubernetes refuses to let it list', async () => {
    const kubeconfig = await cluster.userKubeconfig(`runner-without-rights-${process.pid}`);
    const refused = await startRunner({ kubeconfig, namespace });
    const ready = await rawRequest(`${refused.url}/readyz`);
    expect(ready.status).toBe(503);
    expect(ready.json()).toMatchObject({
      detail: expect.stringMatching(/Kubernetes refused to list LighthouseJobs/),
    });
    await refused.stop();
  });

  it('counts requests by route template, method and code, and meta-pipelines created and cancelled', async () => {
    const client = createRemoteClient({ url: runner.url, token: runner.token });
    const created = await client.create(pullRequestRequest(namespace));
    await client.get(created.ref);
    await client.cancel(created.ref);
    await client.list({ namespace });
    await expect(client.get({ namespace, name: 'no-such-pipeline' })).rejects.toThrow();
    await rawRequest(`${runner.url}/v1/metapipelines`, { method: 'POST', headers: auth() });

    const res = await rawRequest(`${runner.url}/metrics`);
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toMatch(/^text\/plain/);
    const text = res.text;
    const requests = (route: string, method: string, code: string) =>
      sample(text, 'runner_http_requests_total', { route, method, code });
    const item = '/v1/namespaces/{namespace}/metapipelines/{name}';
    expect(requests('/v1/metapipelines', 'POST', '200')).toBe(1);
    expect(requests('/v1/metapipelines', 'POST', '415')).toBe(1);
    expect(requests(item, 'GET', '200')).toBe(1);
    expect(requests(item, 'GET', '404')).toBe(1);
    expect(requests(`${item}/cancel`, 'POST', '200')).toBe(1);
    expect(requests('/v1/namespaces/{namespace}/metapipelines', 'GET', '200')).toBe(1);
    // Route templates, never raw paths: no label names the namespace or the pipeline.
    expect(text).not.toContain(namespace);
    expect(text).not.toContain(created.ref.name);
    expect(sample(text, 'runner_http_request_duration_seconds_count', { route: '/v1/metapipelines' })).toBe(
      2,
    );
    expect(sample(text, 'runner_metapipelines_created_total')).toBe(1);
    expect(sample(text, 'runner_metapipelines_cancelled_total')).toBe(1);
    expect(sample(text, 'runner_kube_errors_total', { kind: 'KubeNotFoundError' })).toBe(1);
    // prom-client's default metrics are in the same registry.
    expect(text).toMatch(/^process_cpu_user_seconds_total \d/m);
    expect(text).toMatch(/^nodejs_eventloop_lag_seconds \d/m);
  });

  it("logs each request with its requestId and traceId, keeping the caller's", async () => {
    const traceId = '4bf92f3577b34da6a3ce929d0e0e4736';
    const given = await rawRequest(`${runner.url}/v1/namespaces/${namespace}/metapipelines`, {
      headers: {
        ...auth(),
        traceparent: `00-${traceId}-00f067aa0ba902b7-01`,
        'x-request-id': 'given-request-id',
      },
    });
    expect(given.headers['x-request-id']).toBe('given-request-id');
    const line = await runner.waitForLog(
      (l) => l.requestId === 'given-request-id' && l.msg === 'request',
      'of it',
    );
    expect(line).toMatchObject({ traceId, route: '/v1/namespaces/{namespace}/metapipelines', status: 200 });

    const fresh = await rawRequest(`${runner.url}/v1/namespaces/${namespace}/metapipelines`, {
      headers: { ...auth(), traceparent: `00-${'0'.repeat(32)}-00f067aa0ba902b7-01` },
    });
    const requestId = fresh.headers['x-request-id'] as string;
    expect(requestId).toMatch(/^[0-9a-f]{16}$/);
    const freshLine = await runner.waitForLog(
      (l) => l.requestId === requestId && l.msg === 'request',
      'of it',
    );
    expect(freshLine.traceId).toMatch(/^[0-9a-f]{32}$/);
    expect(freshLine.traceId).not.toBe('0'.repeat(32));

    // The remote client's traceparent reaches the runner's log.
    const client = createRemoteClient({ url: runner.url, token: runner.token });
    const remoteTrace = '5e9d7a1c3b2f4e6a8d0c1b2a3f4e5d6c';
    await client.create(pullRequestRequest(namespace), {
      traceparent: `00-${remoteTrace}-${'c'.repeat(16)}-01`,
    });
    await runner.waitForLog(
      (l) => l.traceId === remoteTrace && l.route === '/v1/metapipelines',
      'with its trace',
    );

    const requestLines = runner.logs.filter((l) => l.msg === 'request');
    expect(requestLines.length).toBeGreaterThan(3);
    for (const l of requestLines) {
      expect(l.requestId).toEqual(expect.any(String));
      expect(l.traceId).toMatch(/^[0-9a-f]{32}$/);
    }
    expect(runner.output()).not.toContain(runner.token);
  });
});
