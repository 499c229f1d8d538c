import type { TestProject } from 'vitest/node';
import { loadConfig } from './config.ts';
import { TestEnv } from './testenv.ts';
import './vitest.ts';

/**
 * vitest globalSetup: reuses the cluster named by TESTENV_STATE_DIR (as `lighthouse-testenv run` sets
 * it, so one `pnpm test` shares one cluster), or starts one for this vitest run and stops it after.
 */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const shared = process.env.TESTENV_STATE_DIR;
  if (shared) {
    project.provide('testenvStateDir', shared);
    return async () => {};
  }
  const { crds } = await loadConfig(project.config.root);
  const env = await TestEnv.start({ crds, log: (line) => console.error(line) });
  project.provide('testenvStateDir', env.stateDir);
  return () => env.stop();
}
