import { mkdir, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { type AddressInfo, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestCluster } from '@lighthouse-ts/testenv';
import { testCluster } from '@lighthouse-ts/testenv/vitest';
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { createKubeClient, type KubeClient } from './client.ts';
import { loadKubeConfig } from './config.ts';
import { KubeForbiddenError, KubeUnavailableError } from './errors.ts';

describe('connection settings', () => {
  let cluster: TestCluster;
  let namespace: string;
  const clients: KubeClient[] = [];
  const connect = (options: Parameters<typeof createKubeClient>[0]) => {
    const client = createKubeClient(options);
    clients.push(client);
    return client;
  };

  beforeAll(async () => {
    cluster = await testCluster();
    namespace = await cluster.createNamespace('config');
  });
  afterEach(async () => {
    await Promise.all(clients.splice(0).map((c) => c.close()));
  });

  it('reads a kubeconfig file and refuses a context it does not have', async () => {
    const kube = connect({ config: { kubeconfig: cluster.kubeconfigPath } });
    expect(kube.server).toBe(cluster.server);
    expect((await kube.lighthouseJobs.list(namespace)).items).toEqual([]);
    expect(() => loadKubeConfig({ kubeconfig: cluster.kubeconfigPath, context: 'missing' })).toThrow(
      /no current cluster/,
    );
  });

  it('takes explicit options', async () => {
    const kube = connect({
      config: {
        options: {
          clusters: [
            { name: 'c', server: cluster.server, caFile: cluster.pki.ca.cert, skipTLSVerify: false },
          ],
          users: [{ name: 'u', certFile: cluster.admin.cert, keyFile: cluster.admin.key }],
          contexts: [{ name: 'x', cluster: 'c', user: 'u' }],
          currentContext: 'x',
        },
      },
    });
    expect((await kube.pipelineRuns.list(namespace)).items).toEqual([]);
  });

  it('runs in-cluster as a service account, with only what RBAC grants it', async () => {
    await cluster.request('POST', `/api/v1/namespaces/${namespace}/serviceaccounts`, {
      apiVersion: 'v1',
      kind: 'ServiceAccount',
      metadata: { name: 'lighthouse' },
    });
    const { status } = (await cluster.request(
      'POST',
      `/api/v1/namespaces/${namespace}/serviceaccounts/lighthouse/token`,
      { apiVersion: 'authentication.k8s.io/v1', kind: 'TokenRequest', spec: { expirationSeconds: 3600 } },
    )) as { status: { token: string } };
    const root = await mkdtemp(join(tmpdir(), 'in-cluster-'));
    const mount = join(root, 'var/run/secrets/kubernetes.io/serviceaccount');
    await mkdir(mount, { recursive: true });
    await writeFile(join(mount, 'token'), status.token);
    await writeFile(join(mount, 'ca.crt'), await readFile(cluster.pki.ca.cert));
    const { hostname, port } = new URL(cluster.server);
    Object.assign(process.env, { KUBERNETES_SERVICE_HOST: hostname, KUBERNETES_SERVICE_PORT: port });

    const kube = connect({ config: { inCluster: true, root } });
    const denied = await kube.lighthouseJobs.list(namespace).catch((e: unknown) => e);
    expect(denied).toBeInstanceOf(KubeForbiddenError);
    expect((denied as Error).message).toContain(`system:serviceaccount:${namespace}:lighthouse`);

    await cluster.request('POST', `/apis/rbac.authorization.k8s.io/v1/namespaces/${namespace}/roles`, {
      metadata: { name: 'read-jobs' },
      rules: [{ apiGroups: ['lighthouse.jenkins.io'], resources: ['lighthousejobs'], verbs: ['list'] }],
    });
    await cluster.request('POST', `/apis/rbac.authorization.k8s.io/v1/namespaces/${namespace}/rolebindings`, {
      metadata: { name: 'read-jobs' },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'read-jobs' },
      subjects: [{ kind: 'ServiceAccount', name: 'lighthouse', namespace }],
    });
    // The API server's authorizer learns of the new binding from its own cache, a moment later: wait for it.
    await vi.waitFor(async () => expect((await kube.lighthouseJobs.list(namespace)).items).toEqual([]), {
      timeout: 30_000,
      interval: 100,
    });
    await expect(kube.pipelineRuns.list(namespace)).rejects.toBeInstanceOf(KubeForbiddenError);
  });

  it('reports an unreachable server as Unavailable after its retries', async () => {
    const closedPort = await new Promise<number>((resolve) => {
      const server = createServer().listen(0, '127.0.0.1', () => {
        const { port } = server.address() as AddressInfo;
        server.close(() => resolve(port));
      });
    });
    const kube = connect({
      config: {
        options: {
          clusters: [
            {
              name: 'c',
              server: `https://127.0.0.1:${closedPort}`,
              caFile: cluster.pki.ca.cert,
              skipTLSVerify: false,
            },
          ],
          users: [{ name: 'u', certFile: cluster.admin.cert, keyFile: cluster.admin.key }],
          contexts: [{ name: 'x', cluster: 'c', user: 'u' }],
          currentContext: 'x',
        },
      },
      retry: { attempts: 2, baseDelayMs: 1 },
    });
    const error = await kube.lighthouseJobs.get(namespace, 'x').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(KubeUnavailableError);
    expect((error as Error).message).toMatch(/ECONNREFUSED/);
  });
});
