import { ConfigMap, configMapType } from '@lighthouse-ts/crds';
import { createKubeClient, type KubeClient, type ResourceClient } from '@lighthouse-ts/kube';
import type { TestCluster } from '@lighthouse-ts/testenv';
import { testCluster } from '@lighthouse-ts/testenv/vitest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BuildNumbers } from './build-numbers.ts';

/** The ConfigMap client, with each call it makes to the API server written down by method. */
function counted(configMaps: ResourceClient<ConfigMap>) {
  const calls: string[] = [];
  const client = new Proxy(configMaps, {
    get(target, property, receiver) {
      const value = Reflect.get(target, property, receiver);
      if (typeof value !== 'function') return value;
      return (...args: unknown[]) => {
        calls.push(String(property));
        return value.apply(target, args);
      };
    },
  });
  return { client, calls };
}

describe('build numbers (real API server)', () => {
  let cluster: TestCluster;
  let kube: KubeClient;

  beforeAll(async () => {
    cluster = await testCluster();
    kube = createKubeClient({ config: { kubeconfig: cluster.kubeconfigPath } });
  });
  afterAll(() => kube?.close());

  const branch = (namespace: string) => ({ namespace, owner: 'o', repo: 'r', branch: 'PR-1' });

  it('writes once per number on a branch this process counts, reading nothing', async () => {
    const namespace = await cluster.createNamespace('numbers-writes');
    const { client, calls } = counted(kube.resource(configMapType, ConfigMap));
    const numbers = new BuildNumbers(client);
    const handedOut = [];
    for (let i = 0; i < 3; i++) handedOut.push(await numbers.next(branch(namespace)));
    expect(handedOut).toEqual([1, 2, 3]);
    expect(calls).toEqual(['create', 'replace', 'replace']);
  });

  it('reads a counter again once another process has advanced it, and carries on from there', async () => {
    const namespace = await cluster.createNamespace('numbers-shared');
    const { client, calls } = counted(kube.resource(configMapType, ConfigMap));
    const ours = new BuildNumbers(client);
    const theirs = new BuildNumbers(kube.resource(configMapType, ConfigMap));
    expect(await ours.next(branch(namespace))).toBe(1);
    expect(await theirs.next(branch(namespace))).toBe(2);
    expect(await theirs.next(branch(namespace))).toBe(3);
    expect(await ours.next(branch(namespace))).toBe(4);
    expect(calls).toEqual(['create', 'replace', 'get', 'replace']);
  });

  it('recovers when its counter was deleted under it: counting starts again, as on a new branch', async () => {
    const namespace = await cluster.createNamespace('numbers-deleted');
    const configMaps = kube.resource(configMapType, ConfigMap);
    const numbers = new BuildNumbers(configMaps);
    expect(await numbers.next(branch(namespace))).toBe(1);
    const [counter] = (await configMaps.list(namespace)).items;
    await configMaps.delete(namespace, counter?.metadata.name as string);
    expect(await numbers.next(branch(namespace))).toBe(1);
  });

  it('serves the callers that arrive while a write is under way with one more write', async () => {
    const namespace = await cluster.createNamespace('numbers-batch');
    const { client, calls } = counted(kube.resource(configMapType, ConfigMap));
    const numbers = new BuildNumbers(client);
    await numbers.next(branch(namespace));
    calls.length = 0;
    const together = await Promise.all(Array.from({ length: 5 }, () => numbers.next(branch(namespace))));
    expect(together).toEqual([2, 3, 4, 5, 6]);
    // The first is served at once; the four that queue behind its write share the next.
    expect(calls).toEqual(['replace', 'replace']);
  });
});
