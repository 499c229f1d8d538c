import type { Brancher, ChangeMatcher, Postsubmit, Presubmit } from '@lighthouse-ts/config';

export interface Verdict {
  run: boolean;
  why: string;
}

/** Changed paths, fetched only if a rule needs them. */
export type ChangedFiles = () => Promise<readonly string[]>;

/** Lighthouse's Brancher: skip_branches beats branches; both are unanchored; none means every branch. */
export function branchVerdict(brancher: Brancher, branch: string): Verdict | undefined {
  const { branches, skipBranches, branchesRegExp, skipBranchesRegExp } = brancher;
  if (skipBranchesRegExp?.regexp.test(branch)) {
    return { run: false, why: `branch ${branch} matches skip_branches [${skipBranches.join(', ')}]` };
  }
  if (branchesRegExp && !branchesRegExp.regexp.test(branch)) {
    return { run: false, why: `branch ${branch} does not match branches [${branches.join(', ')}]` };
  }
  return undefined;
}

export const needsExplicitTrigger = (job: Presubmit) => !job.alwaysRun && !hasChangeRules(job.changes);

const hasChangeRules = (changes: ChangeMatcher) =>
  Boolean(changes.runIfChanged || changes.skipIfOnlyChanged || changes.ignoreChanges);

/**
 * The changed-file rules' verdict, or undefined when the job has none. A file matching ignore_changes is
 * passed over; the job runs if any other file matches run_if_changed, or does not match
 * skip_if_only_changed, or (with only ignore_changes) exists at all.
 */
export async function changesVerdict(
  changes: ChangeMatcher,
  files: ChangedFiles,
): Promise<Verdict | undefined> {
  if (!hasChangeRules(changes)) return undefined;
  const { runIfChanged, skipIfOnlyChanged, ignoreChanges } = changes;
  for (const file of await files()) {
    if (ignoreChanges?.regexp.test(file)) continue;
    if (runIfChanged) {
      if (runIfChanged.regexp.test(file)) return { run: true, why: `${file} matches run_if_changed` };
    } else if (skipIfOnlyChanged) {
      if (!skipIfOnlyChanged.regexp.test(file)) {
        return { run: true, why: `${file} does not match skip_if_only_changed` };
      }
    } else {
      return { run: true, why: `${file} is not ignored by ignore_changes` };
    }
  }
  const ignoring = ignoreChanges
    ? ` (ignoring those matching ignore_changes ${quote(ignoreChanges.source)})`
    : '';
  if (runIfChanged) {
    return {
      run: false,
      why: `no changed file matches run_if_changed ${quote(runIfChanged.source)}${ignoring}`,
    };
  }
  if (skipIfOnlyChanged) {
    return {
      run: false,
      why: `only files matching skip_if_only_changed ${quote(skipIfOnlyChanged.source)} changed${ignoring}`,
    };
  }
  return {
    run: false,
    why: `every changed file matches ignore_changes ${quote(ignoreChanges?.source ?? '')}`,
  };
}

const quote = (text: string) => JSON.stringify(text);

/** How a filter (a comment command, /retest, /test all) asks for a job. */
export interface Request {
  /** Run even if the changed files say no. */
  forced: boolean;
  /** What to do when nothing else decides. */
  defaults: boolean;
  why: string;
}

/** Lighthouse's `Presubmit.ShouldRun`, in its order: branch, changes (unless forced), always_run, forced, default. */
export async function presubmitVerdict(
  job: Presubmit,
  baseBranch: string,
  files: ChangedFiles,
  request: Request,
): Promise<Verdict> {
  const branch = branchVerdict(job.brancher, baseBranch);
  if (branch) return branch;
  if (!request.forced) {
    const changes = await changesVerdict(job.changes, files);
    if (changes) return changes;
  }
  if (job.alwaysRun) return { run: true, why: 'always_run' };
  if (request.forced) return { run: true, why: request.why };
  return request.defaults
    ? { run: true, why: request.why }
    : { run: false, why: 'it does not run by default' };
}

/** Lighthouse's `Postsubmit.ShouldRun`: branch, then changes; postsubmits run by default. */
export async function postsubmitVerdict(
  job: Postsubmit,
  branch: string,
  files: ChangedFiles,
): Promise<Verdict> {
  return (
    branchVerdict(job.brancher, branch) ??
    (await changesVerdict(job.changes, files)) ?? { run: true, why: `a push to ${branch}` }
  );
}
