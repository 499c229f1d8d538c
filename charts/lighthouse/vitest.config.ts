import { defineProject, mergeConfig } from 'vitest/config';
import { lighthouseProject } from '../../vitest.shared.ts';

export default mergeConfig(
  lighthouseProject({ cluster: true }),
  defineProject({ test: { globalSetup: ['src/vitest-setup.ts'] } }),
);
