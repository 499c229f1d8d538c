import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestCluster } from '@lighthouse-ts/testenv';
import { testCluster } from '@lighthouse-ts/testenv/vitest';
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import { createKubeClient, type KubeClient } from './client.ts';
import { kubeReadiness } from './readiness.ts';

describe('kubeReadiness', () => {
  let cluster: TestCluster;
  let kube: KubeClient;
  let namespace: string;

  beforeAll(async () => {
    cluster = await testCluster();
    kube = createKubeClient({ config: { kubeconfig: cluster.kubeconfigPath } });
    namespace = await cluster.createNamespace('readiness');
  });
  afterAll(() => kube?.close());

  it('is ready when both resources can be listed', async () => {
    expect(await kubeReadiness(kube, { namespace })()).toEqual({ ready: true });
  });

  it('says so, and counts the failure, when RBAC refuses the list', async () => {
    const nobody = createKubeClient({
      config: { kubeconfig: await cluster.userKubeconfig(`readiness-nobody-${process.pid}`) },
      retry: { attempts: 1 },
    });
    const errors: unknown[] = [];
    try {
      const state = await kubeReadiness(nobody, { namespace, onError: (e) => errors.push(e) })();
      expect(state).toEqual({
        ready: false,
        reason: expect.stringMatching(/^Kubernetes refused to list LighthouseJobs in readiness/),
      });
      expect(errors).toHaveLength(1);
    } finally {
      await nobody.close();
    }
  });

  it('says Kubernetes is unreachable when nothing answers', async () => {
    // The same credentials, for an API server on a port where nothing listens.
    const kubeconfig = join(await mkdtemp(join(tmpdir(), 'readiness-')), 'kubeconfig');
    const config = JSON.parse(await readFile(cluster.kubeconfigPath, 'utf8'));
    for (const entry of config.clusters) entry.cluster.server = 'https://127.0.0.1:1';
    await writeFile(kubeconfig, JSON.stringify(config));
    const nowhere = createKubeClient({ config: { kubeconfig }, retry: { attempts: 1 } });
    onTestFinished(() => nowhere.close());
    const state = await kubeReadiness(nowhere, { namespace, timeoutMs: 2000 })();
    expect(state).toMatchObject({ ready: false, reason: expect.stringMatching(/^Kubernetes unreachable: /) });
  });
});
