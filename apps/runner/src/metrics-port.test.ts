// --metrics-port: Prometheus scrapes a port of its own, and the API's port serves only callers with the
// token (and the probes), so a NetworkPolicy can let lighthouse reach the one and the scraper the other.
import { createRemoteClient } from '@lighthouse-ts/metapipeline-client';
import { pullRequestRequest } from '@lighthouse-ts/metapipeline-client/testing';
import { rawRequest, refusesConnections, sample } from '@lighthouse-ts/testenv/http';
import { testCluster } from '@lighthouse-ts/testenv/vitest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { killRunners, type ServingRunner, startRunner } from '../test/runner-process.ts';

describe('the runner with --metrics-port', () => {
  let runner: ServingRunner;
  let namespace: string;
  let metricsPort: number;
  let metricsUrl: string;

  beforeAll(async () => {
    const cluster = await testCluster();
    namespace = await cluster.createNamespace('metrics-port');
    runner = await startRunner({
      kubeconfig: cluster.kubeconfigPath,
      namespace,
      args: ['--metrics-port', '0'],
    });
    const listening = runner.logs.find((line) => line.msg === 'listening');
    expect(listening?.metricsPort).toEqual(expect.any(Number));
    expect(listening?.metricsPort).not.toBe(runner.port);
    metricsPort = Number(listening?.metricsPort);
    metricsUrl = `http://127.0.0.1:${metricsPort}`;
  });
  afterAll(killRunners);

  it('serves /metrics and /openapi.json there, without a token, and not on the API port', async () => {
    const client = createRemoteClient({ url: runner.url, token: runner.token });
    await client.create(pullRequestRequest(namespace));
    await client.close();

    const metrics = await rawRequest(`${metricsUrl}/metrics`);
    expect(metrics.status).toBe(200);
    expect(sample(metrics.text, 'runner_metapipelines_created_total')).toBe(1);
    const document = await rawRequest(`${metricsUrl}/openapi.json`);
    expect(document.status).toBe(200);
    expect(document.json()).toMatchObject({ openapi: '3.1.0' });

    for (const path of ['/metrics', '/openapi.json']) {
      const res = await rawRequest(`${runner.url}${path}`, {
        headers: { authorization: `Bearer ${runner.token}` },
      });
      expect(res.status, path).toBe(404);
    }
  });

  it('answers nothing else there: neither the API nor the probes', async () => {
    const create = await rawRequest(`${metricsUrl}/v1/metapipelines`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${runner.token}` },
      body: JSON.stringify(pullRequestRequest(namespace)),
    });
    expect(create.status).toBe(404);
    expect(create.headers['content-type']).toBe('application/problem+json');
    expect((await rawRequest(`${metricsUrl}/readyz`)).status).toBe(404);
    // The probes stay on the API port, without a token.
    expect((await rawRequest(`${runner.url}/readyz`)).status).toBe(200);
  });

  it('closes both ports on SIGTERM and exits 0', async () => {
    expect(await runner.stop()).toEqual({ code: 0, signal: null });
    expect(await refusesConnections(metricsPort)).toBe(true);
    expect(await refusesConnections(runner.port)).toBe(true);
  });
});
