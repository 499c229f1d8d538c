import { labels, type PipelineRun } from '@lighthouse-ts/crds';
import { createKubeClient } from '@lighthouse-ts/kube';
import { testCluster } from '@lighthouse-ts/testenv/vitest';
import { describe, expect, it } from 'vitest';
import type { MetaPipeline } from '../schemas.ts';
import { pullRequestRequest } from '../testing/index.ts';
import { createEmbeddedClient } from './index.ts';

const metaStep = { image: 'ghcr.io/lighthouse-ts/runner:test', command: ['runner', 'meta-step'] };

/** A PipelineRun claiming the job's label, owned by the job when given its uid (as the meta step makes it). */
function run(job: MetaPipeline, name: string, ownerUid?: string): PipelineRun {
  return {
    apiVersion: 'tekton.dev/v1',
    kind: 'PipelineRun',
    metadata: {
      name,
      labels: { [labels.id]: job.ref.name },
      ...(ownerUid
        ? {
            ownerReferences: [
              {
                apiVersion: 'lighthouse.jenkins.io/v1alpha1',
                kind: 'LighthouseJob',
                name: job.ref.name,
                uid: ownerUid,
                controller: true,
              },
            ],
          }
        : {}),
    },
    spec: {
      pipelineSpec: { tasks: [{ name: 't', taskSpec: { steps: [{ name: 's', image: 'busybox' }] } }] },
    },
  };
}

describe('cancel, once the meta step has created the build PipelineRun', () => {
  it.for([
    { case: 'owned by the job', owned: true, cancelled: 'Cancelled' },
    { case: 'named as the job’s but not owned by it', owned: false, cancelled: undefined },
  ])(
    'cancels the build PipelineRun $case: $cancelled, and no other run that claims the job’s label',
    async ({ owned, cancelled }) => {
      const cluster = await testCluster();
      const config = { kubeconfig: cluster.kubeconfigPath };
      const namespace = await cluster.createNamespace('cancel');
      const client = createEmbeddedClient({ kube: { config }, metaStep });
      const kube = createKubeClient({ config });
      try {
        const created = await client.create(
          pullRequestRequest(namespace, { idempotencyKey: 'cancel-build' }),
        );
        const job = created.ref.name;
        const uid = created.resources.find((r) => r.kind === 'LighthouseJob')?.uid;
        await kube.pipelineRuns.create(namespace, run(created, `${job}-build`, owned ? uid : undefined));
        await kube.pipelineRuns.create(namespace, run(created, `${job}-impostor`, uid));

        expect(await client.cancel(created.ref)).toMatchObject({ phase: 'cancelled' });
        const status = async (name: string) => (await kube.pipelineRuns.get(namespace, name)).spec.status;
        expect(await status(job)).toBe('Cancelled');
        expect(await status(`${job}-build`)).toBe(cancelled);
        expect(await status(`${job}-impostor`)).toBeUndefined();
      } finally {
        await client.close();
        await kube.close();
      }
    },
  );
});
