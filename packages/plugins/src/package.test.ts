import { testPackedInstall } from '../../../scripts/packed-install-test.ts';

testPackedInstall('@lighthouse-ts/plugins', {
  // No Kubernetes code: the meta-pipeline client comes without its optional embedded peer.
  packages: [
    '@lighthouse-ts/config',
    '@lighthouse-ts/crds',
    '@lighthouse-ts/metapipeline-client',
    '@lighthouse-ts/plugins',
    '@lighthouse-ts/scm',
    're2js',
    'yaml',
    'zod',
  ],
  imported: { '@lighthouse-ts/plugins': 'loaded' },
});
