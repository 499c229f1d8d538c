import { testPackedInstall } from '../../../scripts/packed-install-test.ts';

testPackedInstall('@lighthouse-ts/scm', {
  packages: ['@lighthouse-ts/scm', 'zod'],
  imported: {
    '@lighthouse-ts/scm': 'loaded',
    '@lighthouse-ts/scm/webhooks': 'loaded',
    '@lighthouse-ts/scm/testing': 'loaded',
  },
});
