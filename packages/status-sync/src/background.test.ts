import type { TestCluster } from '@lighthouse-ts/testenv';
import { testCluster } from '@lighthouse-ts/testenv/vitest';
import { beforeAll, describe, expect, it, onTestFinished, vi } from 'vitest';
import { startBackgroundStatusSync } from './background.ts';

describe('the background status sync', () => {
  let cluster: TestCluster;
  beforeAll(async () => {
    cluster = await testCluster();
  });

  it('is not ready while it cannot start, retries, and is ready once RBAC lets it list', async () => {
    const namespace = await cluster.createNamespace('background-sync');
    const user = `background-sync-${process.pid}`;
    let retries = 0;
    const sync = startBackgroundStatusSync({
      kube: { config: { kubeconfig: await cluster.userKubeconfig(user) }, retry: { attempts: 1 } },
      namespace,
      onRetry: () => retries++,
    });
    onTestFinished(() => sync.stop());

    await vi.waitFor(() => expect(retries).toBeGreaterThanOrEqual(2), { timeout: 30_000 });
    expect(sync.readiness()).toEqual({
      ready: false,
      reason: expect.stringMatching(/^the status sync cannot list \w+s yet: .*cannot list/),
    });

    const rbac = '/apis/rbac.authorization.k8s.io/v1/namespaces';
    await cluster.request('POST', `${rbac}/${namespace}/roles`, {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'Role',
      metadata: { name: 'status-sync' },
      rules: [
        {
          apiGroups: ['lighthouse.jenkins.io', 'tekton.dev'],
          resources: ['*'],
          verbs: ['get', 'list', 'watch', 'update', 'patch'],
        },
      ],
    });
    await cluster.request('POST', `${rbac}/${namespace}/rolebindings`, {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'RoleBinding',
      metadata: { name: 'status-sync' },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'status-sync' },
      subjects: [{ apiGroup: 'rbac.authorization.k8s.io', kind: 'User', name: user }],
    });
    await vi.waitFor(() => expect(sync.readiness()).toEqual({ ready: true }), {
      timeout: 60_000,
      interval: 50,
    });
  }, 120_000);

  it('stops while it is still retrying', async () => {
    const sync = startBackgroundStatusSync({
      kube: {
        config: { kubeconfig: await cluster.userKubeconfig(`background-nobody-${process.pid}`) },
        retry: { attempts: 1 },
      },
      namespace: 'default',
    });
    await vi.waitFor(() => expect(sync.readiness()).toMatchObject({ reason: /cannot list/ }), {
      timeout: 30_000,
    });
    await sync.stop();
    expect(sync.readiness()).toMatchObject({ ready: false });
  });
});
