import { testPackedInstall } from '../../../scripts/packed-install-test.ts';

testPackedInstall('@lighthouse-ts/config', {
  packages: ['@lighthouse-ts/config', 'yaml', 'zod'],
  imported: { '@lighthouse-ts/config': 'loaded' },
});
