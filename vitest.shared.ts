import { fileURLToPath } from 'node:url';
import { defineProject } from 'vitest/config';

// Tests read every workspace package's src/ through this export condition, so nothing is built first.
const conditions = ['@lighthouse-ts/source', 'module', 'node', 'development|production'];
const clusterSetup = fileURLToPath(new URL('./packages/testenv/src/vitest-setup.ts', import.meta.url));

/** Test data written by others (webhook payloads, CRDs, expected outputs), kept outside the repository. */
const fixturesDir = fileURLToPath(new URL('../shared/fixtures', import.meta.url));

declare module 'vitest' {
  export interface ProvidedContext {
    fixturesDir: string;
  }
}

/** The vitest project every package and app uses; `cluster` adds the shared real test cluster. */
export function lighthouseProject({ cluster = false }: { cluster?: boolean } = {}) {
  return defineProject({
    resolve: { conditions },
    ssr: { resolve: { conditions } },
    test: {
      include: ['src/**/*.test.ts'],
      globalSetup: cluster ? [clusterSetup] : [],
      provide: { fixturesDir },
      testTimeout: 30_000,
      hookTimeout: 120_000,
    },
  });
}
