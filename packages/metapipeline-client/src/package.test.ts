import { testPackedInstall } from '../../../scripts/packed-install-test.ts';

testPackedInstall('@lighthouse-ts/metapipeline-client', {
  // No Kubernetes client libraries: the embedded entry needs the optional peer @lighthouse-ts/kube.
  packages: ['@lighthouse-ts/crds', '@lighthouse-ts/metapipeline-client', 'zod'],
  imported: {
    '@lighthouse-ts/metapipeline-client': 'loaded',
    '@lighthouse-ts/metapipeline-client/embedded': 'ERR_MODULE_NOT_FOUND',
  },
});
