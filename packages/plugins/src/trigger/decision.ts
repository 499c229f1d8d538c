import type { Postsubmit, Presubmit } from '@lighthouse-ts/config';
import type { Decision, ProviderAction, SkippedJob } from '../contract.ts';

export const nothing = (
  summary: string,
  skip: SkippedJob[] = [],
  actions: ProviderAction[] = [],
): Decision => ({
  summary,
  start: [],
  skip,
  cancel: [],
  actions,
});

export const allSkipped = (jobs: readonly (Presubmit | Postsubmit)[], why: string): SkippedJob[] =>
  jobs.map((job) => ({ jobName: job.name, context: job.context, why }));
