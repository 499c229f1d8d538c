import { labels, type PipelineRun } from '@lighthouse-ts/crds';
import { createKubeClient } from '@lighthouse-ts/kube';
import { testCluster } from '@lighthouse-ts/testenv/vitest';
import { describe, expect, it } from 'vitest';
import { pullRequestRequest } from '../testing/index.ts';
import { createEmbeddedClient } from './index.ts';

const metaStep = { image: 'ghcr.io/lighthouse-ts/runner:test', command: ['runner', 'meta-step'] };

describe('cancel, once the meta step has created the build PipelineRun', () => {
  it("cancels the build PipelineRun too, and no other run that claims the job's label", async () => {
    const cluster = await testCluster();
    const config = { kubeconfig: cluster.kubeconfigPath };
    const namespace = await cluster.createNamespace('cancel');
    const client = createEmbeddedClient({ kube: { config }, metaStep });
    const kube = createKubeClient({ config });
    try {
      const created = await client.create(pullRequestRequest(namespace, { idempotencyKey: 'cancel-build' }));
      const job = created.ref.name;
      const run = (name: string): PipelineRun => ({
        apiVersion: 'tekton.dev/v1',
        kind: 'PipelineRun',
        metadata: { name, labels: { [labels.id]: job } },
        spec: {
          pipelineSpec: { tasks: [{ name: 't', taskSpec: { steps: [{ name: 's', image: 'busybox' }] } }] },
        },
      });
      await kube.pipelineRuns.create(namespace, run(`${job}-build`));
      await kube.pipelineRuns.create(namespace, run(`${job}-impostor`));

      expect(await client.cancel(created.ref)).toMatchObject({ phase: 'cancelled' });
      const status = async (name: string) => (await kube.pipelineRuns.get(namespace, name)).spec.status;
      expect(await status(job)).toBe('Cancelled');
      expect(await status(`${job}-build`)).toBe('Cancelled');
      expect(await status(`${job}-impostor`)).toBeUndefined();
    } finally {
      await client.close();
      await kube.close();
    }
  });
});
