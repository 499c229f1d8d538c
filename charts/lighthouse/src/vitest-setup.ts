import type { TestProject } from 'vitest/node';
import { resolveHelm } from './helm.ts';

declare module 'vitest' {
  export interface ProvidedContext {
    /** The helm binary the tests run. */
    helm: string;
  }
}

/** vitest globalSetup: finds helm, building it on the first run (no test timeout applies here). */
export default async function setup(project: TestProject): Promise<void> {
  project.provide('helm', await resolveHelm({ log: (line) => console.error(line) }));
}
