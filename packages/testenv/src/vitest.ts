import { inject } from 'vitest';
import { TestCluster } from './cluster.ts';

declare module 'vitest' {
  export interface ProvidedContext {
    /** State directory of the test cluster the globalSetup (`./vitest-setup`) started or found. */
    testenvStateDir: string;
  }
}

/** Inside a test: the cluster of this test run, as `./vitest-setup` provided it. */
export function testCluster(): Promise<TestCluster> {
  return TestCluster.attach(inject('testenvStateDir'));
}
