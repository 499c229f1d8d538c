import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { labels } from '@lighthouse-ts/crds';
import { createKubeClient, type KubeClient } from '@lighthouse-ts/kube';
import type { TestCluster } from '@lighthouse-ts/testenv';
import { testCluster } from '@lighthouse-ts/testenv/vitest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pullRequestRequest } from '../testing/index.ts';
import { createEmbeddedClient } from './index.ts';

const burstScript = join(import.meta.dirname, '../../test/create-burst.ts');

interface Outcome {
  key: string;
  name?: string;
  buildNumber?: number;
  error?: string;
}

/** Runs the embedded client in a process of its own, creating one pipeline per key at once. */
async function burstInProcess(cluster: TestCluster, namespace: string, keys: string[]): Promise<Outcome[]> {
  const { stdout } = await promisify(execFile)(
    process.execPath,
    ['--conditions=@lighthouse-ts/source', burstScript, cluster.kubeconfigPath, namespace, ...keys],
    { maxBuffer: 16 * 1024 * 1024 },
  );
  return stdout
    .trim()
    .split('\n')
    .map((line) => JSON.parse(line) as Outcome);
}

describe('embedded client under concurrency (real API server)', () => {
  let cluster: TestCluster;
  let kube: KubeClient;

  beforeAll(async () => {
    cluster = await testCluster();
    kube = createKubeClient({ config: { kubeconfig: cluster.kubeconfigPath } });
  });
  afterAll(() => kube?.close());

  it('50 concurrent creates carrying 10 distinct keys make exactly 10 jobs and 10 PipelineRuns', async () => {
    const namespace = await cluster.createNamespace('dedupe');
    const client = createEmbeddedClient({
      kube: { config: { kubeconfig: cluster.kubeconfigPath } },
      metaStep: { image: 'runner:test', command: ['runner', 'meta-step'] },
    });
    const requests = Array.from({ length: 10 }, (_, i) => pullRequestRequest(namespace, { number: 100 + i }));
    try {
      const results = await Promise.all(
        Array.from({ length: 50 }, (_, i) => client.create(requests[i % 10] as (typeof requests)[number])),
      );
      for (const [i, result] of results.entries()) {
        expect(result.idempotencyKey).toBe(requests[i % 10]?.idempotencyKey);
      }
    } finally {
      await client.close();
    }
    expect((await kube.lighthouseJobs.list(namespace)).items).toHaveLength(10);
    expect((await kube.pipelineRuns.list(namespace)).items).toHaveLength(10);
  });

  it('the same keys from two processes at once still make one job each', async () => {
    const namespace = await cluster.createNamespace('dedupe2');
    const keys = Array.from({ length: 10 }, (_, i) => `delivery-${i}/unit`);
    const [a, b] = await Promise.all([
      burstInProcess(cluster, namespace, [...keys, ...keys]),
      burstInProcess(cluster, namespace, [...keys, ...keys]),
    ]);
    const outcomes = [...(a ?? []), ...(b ?? [])];
    expect(outcomes.filter((o) => o.error)).toEqual([]);
    const namesByKey = new Map<string, Set<string>>();
    for (const o of outcomes)
      namesByKey.set(o.key, (namesByKey.get(o.key) ?? new Set()).add(o.name as string));
    expect([...namesByKey.values()].every((names) => names.size === 1)).toBe(true);
    expect((await kube.lighthouseJobs.list(namespace)).items).toHaveLength(10);
    expect((await kube.pipelineRuns.list(namespace)).items).toHaveLength(10);
  });

  it('200 concurrent creates for one branch from two processes get 200 distinct build numbers, without gaps', async () => {
    const namespace = await cluster.createNamespace('numbers');
    const keys = Array.from({ length: 200 }, (_, i) => `delivery-${i}/unit`);
    const [a, b] = await Promise.all([
      burstInProcess(cluster, namespace, keys.slice(0, 100)),
      burstInProcess(cluster, namespace, keys.slice(100)),
    ]);
    const outcomes = [...(a ?? []), ...(b ?? [])];
    const failed = outcomes.filter((o) => o.error);
    const numbers = outcomes
      .flatMap((o) => (o.buildNumber === undefined ? [] : [o.buildNumber]))
      .sort((x, y) => x - y);
    expect(new Set(numbers).size).toBe(numbers.length);
    expect(numbers.length + failed.length).toBe(200);
    // Numbers are handed out in order; only a failed attempt may leave one unused.
    const gaps = (numbers.at(-1) ?? 0) - numbers.length;
    expect(gaps).toBeLessThanOrEqual(failed.length);
    expect(failed).toEqual([]);
    const jobs = (await kube.lighthouseJobs.list(namespace)).items;
    expect(new Set(jobs.map((j) => j.metadata.labels?.[labels.buildNum])).size).toBe(200);
  });
});
