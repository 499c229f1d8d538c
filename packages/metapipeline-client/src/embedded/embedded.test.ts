import { testCluster } from '@lighthouse-ts/testenv/vitest';
import { describeMetaPipelineContract } from '../testing/index.ts';
import { createEmbeddedClient } from './index.ts';

export const metaStep = { image: 'ghcr.io/lighthouse-ts/runner:test', command: ['runner', 'meta-step'] };

describeMetaPipelineContract('embedded', async () => {
  const cluster = await testCluster();
  const namespace = await cluster.createNamespace('embedded');
  const kube = { config: { kubeconfig: cluster.kubeconfigPath } };
  return { client: createEmbeddedClient({ kube, metaStep, policy: { namespaces: [namespace] } }), namespace };
});
