import { testPackedInstall } from '../../../scripts/packed-install-test.ts';

testPackedInstall('@lighthouse-ts/config', {
  packages: ['@lighthouse-ts/config', 're2js', 'yaml', 'zod'],
  imported: {
    '@lighthouse-ts/config': 'loaded',
    // The schemas are exported: a JSON module stops only for want of `with { type: 'json' }`, which the
    // harness does not pass; a missing export would say ERR_PACKAGE_PATH_NOT_EXPORTED.
    '@lighthouse-ts/config/schema/config.schema.json': 'ERR_IMPORT_ATTRIBUTE_MISSING',
    '@lighthouse-ts/config/schema/plugins.schema.json': 'ERR_IMPORT_ATTRIBUTE_MISSING',
  },
});
