import { access, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiRequest } from './api.ts';
import { TestCluster } from './cluster.ts';
import { TestEnv } from './testenv.ts';

const crd = {
  apiVersion: 'apiextensions.k8s.io/v1',
  kind: 'CustomResourceDefinition',
  metadata: { name: 'widgets.testenv.example.com' },
  spec: {
    group: 'testenv.example.com',
    names: { kind: 'Widget', plural: 'widgets', singular: 'widget', listKind: 'WidgetList' },
    scope: 'Namespaced',
    versions: [
      {
        name: 'v1',
        served: true,
        storage: true,
        schema: { openAPIV3Schema: { type: 'object', properties: { spec: { type: 'object' } } } },
      },
    ],
  },
};

describe('TestEnv', () => {
  let env: TestEnv;

  beforeAll(async () => {
    env = await TestEnv.start();
  });
  afterAll(() => env?.stop());

  it('serves the API over TLS to the admin client certificate, with RBAC on', async () => {
    const version = (await env.request('GET', '/version')) as { gitVersion: string };
    expect(version.gitVersion).toMatch(/^v1\.\d+\.\d+/);
    const kubeconfig = JSON.parse(await readFile(env.kubeconfigPath, 'utf8'));
    expect(kubeconfig.clusters[0].cluster.server).toBe(env.server);
  });

  it('issues users whose requests RBAC forbids until a role is bound', async () => {
    await env.userKubeconfig('nobody', ['team-a']);
    const nobody = await env.credentials({
      cert: join(env.pki.dir, 'user-nobody.crt'),
      key: join(env.pki.dir, 'user-nobody.key'),
    });
    const res = await apiRequest(nobody, 'GET', '/api/v1/namespaces');
    expect(res.status).toBe(403);
    expect(JSON.parse(res.body).message).toContain('User "nobody" cannot list resource "namespaces"');
  });

  it('installs CRDs and waits until they are Established', async () => {
    const file = join(env.stateDir, 'widget-crd.json');
    await writeFile(file, JSON.stringify(crd));
    expect(await env.installCrds([file])).toEqual(['widgets.testenv.example.com']);
    const namespace = await env.createNamespace('widgets');
    await env.request('POST', `/apis/testenv.example.com/v1/namespaces/${namespace}/widgets`, {
      apiVersion: 'testenv.example.com/v1',
      kind: 'Widget',
      metadata: { name: 'w' },
      spec: {},
    });
  });

  it('counts the requests its API server has served, by verb and resource', async () => {
    const before = await env.requestCounts();
    await env.createNamespace('counted');
    await env.createNamespace('counted');
    const created = async () =>
      ((await env.requestCounts()).get('POST namespaces') ?? 0) - (before.get('POST namespaces') ?? 0);
    // The server counts a request once its handler returns, which may be just after the answer is sent.
    await expect.poll(created).toBe(2);
  });

  it('restarts the API server on the same port, keeping what etcd holds', async () => {
    const namespace = await env.createNamespace('restart');
    await env.stopApiServer();
    await expect(env.request('GET', `/api/v1/namespaces/${namespace}`)).rejects.toThrow(/ECONNREFUSED/);
    await env.startApiServer();
    expect(await env.request('GET', `/api/v1/namespaces/${namespace}`)).toMatchObject({
      metadata: { name: namespace },
    });
  });

  it('lets another process attach by state directory', async () => {
    const attached = await TestCluster.attach(env.stateDir);
    expect(attached.server).toBe(env.server);
    expect(await attached.request('GET', '/version')).toMatchObject({ major: '1' });
  });

  it('stops what it started and removes its temporary state', async () => {
    const admin = await env.credentials();
    await env.stop();
    await expect(apiRequest(admin, 'GET', '/version')).rejects.toThrow(/ECONNREFUSED/);
    await expect(access(env.stateDir)).rejects.toThrow(/ENOENT/);
  });
});
