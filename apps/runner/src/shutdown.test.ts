import { once } from 'node:events';
import { Agent, type IncomingMessage, request } from 'node:http';
import { createKubeClient } from '@lighthouse-ts/kube';
import { pullRequestRequest } from '@lighthouse-ts/metapipeline-client/testing';
import type { TestCluster } from '@lighthouse-ts/testenv';
import { halfSentRequest, readAll, refusesConnections, requestInTwoParts } from '@lighthouse-ts/testenv/http';
import { testCluster } from '@lighthouse-ts/testenv/vitest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { killRunners, type ServingRunner, startRunner } from '../test/runner-process.ts';

/** A create whose body is sent in two parts: it stays in flight until `finish()`. */
function slowCreate(runner: ServingRunner, namespace: string, requestId: string) {
  return requestInTwoParts(`${runner.url}/v1/metapipelines`, {
    headers: {
      authorization: `Bearer ${runner.token}`,
      'content-type': 'application/json',
      'x-request-id': requestId,
    },
    body: Buffer.from(JSON.stringify(pullRequestRequest(namespace))),
    firstBytes: 40,
  });
}

describe('shutdown', () => {
  let cluster: TestCluster;
  let namespace: string;

  beforeAll(async () => {
    cluster = await testCluster();
    namespace = await cluster.createNamespace('shutdown');
  });
  afterAll(killRunners);

  it('on SIGTERM: turns unready at once, stops accepting, finishes the request in flight, exits 0', async () => {
    const runner = await startRunner({
      kubeconfig: cluster.kubeconfigPath,
      namespace,
      args: ['--log-level', 'debug'],
    });
    const probe = await halfSentRequest(runner.port, '/readyz');
    const create = slowCreate(runner, namespace, 'in-flight-create');
    await runner.waitForLog(
      (l) => l.requestId === 'in-flight-create' && l.msg === 'request received',
      'for it',
    );

    runner.child.kill('SIGTERM');
    await runner.waitForLog((l) => l.msg === 'shutting down', '"shutting down"');

    probe.write('\r\n');
    const answer = await readAll(probe);
    expect(answer).toMatch(/^HTTP\/1\.1 503 /);
    expect(answer).toMatch(/^connection: close$/im);
    expect(answer).toContain('"detail":"not ready: shutting down"');
    expect(await refusesConnections(runner.port)).toBe(true);

    create.finish();
    const { status, headers, text } = await create.response;
    expect(status, text).toBe(200);
    expect(headers.connection).toBe('close');
    const created = JSON.parse(text) as { ref: { name: string } };

    expect(await runner.exited).toEqual({ code: 0, signal: null });
    expect(runner.logs.at(-1)?.msg).toBe('stopped');
    expect(runner.logs.some((l) => l.msg.startsWith('grace period over'))).toBe(false);
    const kube = createKubeClient({ config: { kubeconfig: cluster.kubeconfigPath } });
    try {
      expect((await kube.lighthouseJobs.get(namespace, created.ref.name)).metadata.name).toBe(
        created.ref.name,
      );
    } finally {
      await kube.close();
    }
  });

  it('does not wait for idle keep-alive connections', async () => {
    const runner = await startRunner({
      kubeconfig: cluster.kubeconfigPath,
      namespace,
      args: ['--shutdown-grace-seconds', '1'],
    });
    const agent = new Agent({ keepAlive: true, keepAliveMsecs: 60_000 });
    const res = await new Promise<IncomingMessage>((resolve, reject) =>
      request(`${runner.url}/healthz`, { agent }, resolve).on('error', reject).end(),
    );
    res.resume();
    await once(res, 'end');
    expect(res.headers.connection).toBe('keep-alive');

    runner.child.kill('SIGTERM');
    expect(await runner.exited).toEqual({ code: 0, signal: null });
    // Node's keep-alive timeout (5 s) is longer than the grace (1 s): had the idle connection been left
    // open, the grace period would have run out.
    expect(runner.logs.some((l) => l.msg.startsWith('grace period over'))).toBe(false);
    agent.destroy();
  });

  it('cuts requests still open when the grace period is over, and still exits 0', async () => {
    const runner = await startRunner({
      kubeconfig: cluster.kubeconfigPath,
      namespace,
      args: ['--shutdown-grace-seconds', '1', '--log-level', 'debug'],
    });
    const stuck = slowCreate(runner, namespace, 'never-finished');
    await runner.waitForLog(
      (l) => l.requestId === 'never-finished' && l.msg === 'request received',
      'for it',
    );
    runner.child.kill('SIGTERM');
    expect(await runner.exited).toEqual({ code: 0, signal: null });
    expect(runner.logs.some((l) => l.msg.startsWith('grace period over'))).toBe(true);
    await expect(stuck.response).rejects.toThrow(/socket hang up|ECONNRESET/);
  });
});
