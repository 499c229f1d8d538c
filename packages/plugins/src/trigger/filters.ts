import type { Presubmit } from '@lighthouse-ts/config';
import type { SkippedJob } from '../contract.ts';
import { triggerMatches } from './commands.ts';
import { type ChangedFiles, needsExplicitTrigger, presubmitVerdict, type Request } from './should-run.ts';

export type FilterResult = ({ matches: true } & Request) | { matches: false; why: string };

/** Lighthouse's jobutil Filter: whether a job is asked for, and how. */
export type Filter = (job: Presubmit) => FilterResult;

const asksOnlyWhenAsked = (job: Presubmit) =>
  job.trigger ? `it runs only when asked (${job.rerunCommand})` : 'it runs only when asked';

/** What runs without being named: always_run jobs and jobs with changed-file rules. */
export const testAllFilter: Filter = (job) =>
  needsExplicitTrigger(job)
    ? { matches: false, why: asksOnlyWhenAsked(job) }
    : { matches: true, forced: false, defaults: false, why: 'it runs on every change' };

/** `/test <job>`: the jobs whose trigger matches the comment, whatever their changed files say. */
export const commandFilter =
  (body: string): Filter =>
  (job) =>
    triggerMatches(job, body)
      ? { matches: true, forced: true, defaults: true, why: 'the comment asks for it' }
      : { matches: false, why: 'the comment does not ask for it' };

/** `/retest`: jobs whose context failed, and automatic jobs whose context has not reported at all. */
export const retestFilter =
  (failedContexts: ReadonlySet<string>, allContexts: ReadonlySet<string>): Filter =>
  (job) => {
    if (failedContexts.has(job.context)) {
      return { matches: true, forced: false, defaults: true, why: `its context ${job.context} failed` };
    }
    if (!needsExplicitTrigger(job) && !allContexts.has(job.context)) {
      return {
        matches: true,
        forced: false,
        defaults: true,
        why: `its context ${job.context} has not reported`,
      };
    }
    return {
      matches: false,
      why: allContexts.has(job.context) ? `its context ${job.context} did not fail` : asksOnlyWhenAsked(job),
    };
  };

/** The first filter that matches wins (the order says which is most specific). */
export const aggregateFilter =
  (filters: readonly Filter[]): Filter =>
  (job) => {
    const misses: string[] = [];
    for (const filter of filters) {
      const result = filter(job);
      if (result.matches) return result;
      misses.push(result.why);
    }
    return { matches: false, why: misses.join('; ') };
  };

export interface FilteredPresubmits {
  run: { job: Presubmit; why: string }[];
  skip: SkippedJob[];
  /** Skipped jobs that were asked for but should not run: Lighthouse reports them as skipped. */
  skippedContexts: Presubmit[];
}

/** Lighthouse's `FilterPresubmits` + `determineSkippedPresubmits`. */
export async function filterPresubmits(
  filter: Filter,
  files: ChangedFiles,
  baseBranch: string,
  presubmits: readonly Presubmit[],
): Promise<FilteredPresubmits> {
  const run: FilteredPresubmits['run'] = [];
  const notRun: { job: Presubmit; why: string; asked: boolean }[] = [];
  for (const job of presubmits) {
    const asked = filter(job);
    if (!asked.matches) {
      notRun.push({ job, why: asked.why, asked: false });
      continue;
    }
    const verdict = await presubmitVerdict(job, baseBranch, files, asked);
    if (verdict.run) run.push({ job, why: verdict.why });
    else notRun.push({ job, why: verdict.why, asked: true });
  }
  // A skipped status would overwrite the context a triggered job is about to report.
  const triggered = new Map(run.map(({ job }) => [job.context, job.name]));
  const skippedContexts: Presubmit[] = [];
  const skip = notRun.map(({ job, why, asked }): SkippedJob => {
    const sharedWith = triggered.get(job.context);
    if (asked && sharedWith === undefined) skippedContexts.push(job);
    const shared = asked && sharedWith !== undefined ? `; its context is reported by ${sharedWith}` : '';
    return { jobName: job.name, context: job.context, why: `${why}${shared}` };
  });
  return { run, skip, skippedContexts };
}
