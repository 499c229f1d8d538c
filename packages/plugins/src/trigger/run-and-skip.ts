import type { Decision, ProviderAction } from '../contract.ts';
import type { FilteredPresubmits } from './filters.ts';
import { type JobOrigin, type PullToBuild, presubmitToStart } from './requests.ts';

/**
 * Lighthouse's `RunAndSkipJobs`: start what runs, and report a `Skipped.` status for each job that was asked
 * for but should not run, unless the job skips reporting or the repo elides skipped contexts.
 */
export async function runAndSkip(
  filtered: FilteredPresubmits,
  pull: () => Promise<PullToBuild>,
  headSha: string,
  origin: JobOrigin,
): Promise<Pick<Decision, 'start' | 'skip' | 'actions'>> {
  const { trigger } = origin;
  // Resolving the pull may ask the provider (base SHA, clone URL): only when something starts.
  const resolved = filtered.run.length > 0 ? await pull() : undefined;
  const start = resolved
    ? filtered.run.map(({ job, why }) => presubmitToStart(job, resolved, origin, why))
    : [];
  const actions: ProviderAction[] = trigger.elideSkippedContexts
    ? []
    : filtered.skippedContexts
        .filter((job) => !job.skipReport)
        .map((job) => ({
          type: 'status',
          sha: headSha,
          context: job.context,
          state: 'success',
          description: 'Skipped.',
        }));
  return { start, skip: filtered.skip, actions };
}
