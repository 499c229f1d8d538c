import { createRemoteClient } from '@lighthouse-ts/metapipeline-client';
import { describeMetaPipelineContract } from '@lighthouse-ts/metapipeline-client/testing';
import { testCluster } from '@lighthouse-ts/testenv/vitest';
import { expect } from 'vitest';
import { startRunner } from '../test/runner-process.ts';

// The remote client against a real runner process backed by the real test cluster: the same suite the
// embedded implementation passes.
describeMetaPipelineContract('remote', async () => {
  const cluster = await testCluster();
  const namespace = await cluster.createNamespace('remote');
  const runner = await startRunner({ kubeconfig: cluster.kubeconfigPath, namespace });
  return {
    client: createRemoteClient({ url: runner.url, token: runner.token }),
    namespace,
    cleanup: async () => {
      expect(await runner.stop()).toEqual({ code: 0, signal: null });
    },
  };
});
