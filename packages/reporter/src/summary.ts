import { labels, ownLabels, reportWishes } from '@lighthouse-ts/crds';
import type { ProviderWrites } from '@lighthouse-ts/scm';
import type { ReportedJob, TargetUrl } from './report.ts';

/** Ends the summary comment, so it is found again among the pull request's comments (Prow's marker too). */
export const summaryMarker = '<!-- test report -->';

/** One pull request's summary comment: where it goes and whom it speaks to. */
export interface PullRequestRef {
  provider: string | undefined;
  owner: string;
  repo: string;
  number: number;
  author: string;
}

export interface FailedJob {
  context: string;
  sha: string;
  url: string | undefined;
  rerunCommand: string;
}

/** The pull request a job reports its failure to, for a presubmit of one pull request that wants the comment. */
export function summaryPullRequest(job: ReportedJob): PullRequestRef | undefined {
  const refs = job.spec?.refs;
  const pulls = refs?.pulls ?? [];
  const pull = pulls[0];
  const wishes = reportWishes(job.metadata.labels?.[ownLabels.report]);
  if (!refs || !pull || pulls.length !== 1 || (job.spec?.type ?? 'presubmit') !== 'presubmit')
    return undefined;
  if (!wishes.status || !wishes.comment) return undefined;
  return {
    provider: job.metadata.labels?.[ownLabels.provider],
    owner: refs.org,
    repo: refs.repo,
    number: pull.number,
    author: pull.author,
  };
}

/** The key that serialises one pull request's comment updates. */
export function pullRequestKey(pr: Pick<PullRequestRef, 'provider' | 'owner' | 'repo' | 'number'>): string {
  return `${pr.provider ?? ''}/${pr.owner}/${pr.repo}#${pr.number}`;
}

/** The states that say how a context's test went; an aborted run (superseded, cancelled) says nothing. */
const results = new Set(['success', 'failure', 'error']);

/**
 * The failed jobs of one pull request: of the jobs for each context that have a result, the newest (its
 * last result, whichever commit it ran on), if that is failure or error. A context whose last result is
 * a pass is not listed; one being run again keeps its row until the new run has a result.
 */
export function failedJobs(jobs: readonly ReportedJob[], targetUrl: TargetUrl): FailedJob[] {
  const newest = new Map<string, ReportedJob>();
  for (const job of jobs.filter((j) => results.has(j.status?.state ?? ''))) {
    const context = contextOf(job);
    const seen = newest.get(context);
    if (!seen || order(job) > order(seen)) newest.set(context, job);
  }
  return [...newest.entries()]
    .filter(([, job]) => job.status?.state === 'failure' || job.status?.state === 'error')
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([context, job]) => ({
      context,
      sha: job.spec?.refs?.pulls?.[0]?.sha ?? '',
      url: targetUrl(job),
      rerunCommand: job.spec?.rerun_command || `/test ${job.spec?.job ?? context}`,
    }));
}

const contextOf = (job: ReportedJob) => job.spec?.context || job.spec?.job || job.metadata.name;

/** Runs of one job order by build number (creation times tie within a second). */
function order(job: ReportedJob): number {
  const build = Number(job.metadata.labels?.[labels.buildNum]);
  return Number.isFinite(build) ? build : Date.parse(job.metadata.creationTimestamp ?? '') || 0;
}

/** Bitbucket Server mentions a user by a quoted name (names may hold dots and spaces); others by login. */
function mention(pr: PullRequestRef): string {
  return pr.provider === 'bitbucketserver' ? `@"${pr.author}"` : `@${pr.author}`;
}

/** The comment's text for these failures; with none, the note that what failed before now passes. */
export function summaryBody(pr: PullRequestRef, failed: readonly FailedJob[]): string {
  if (failed.length === 0) {
    return `${mention(pr)}: every test that failed on this pull request now passes.\n\n${summaryMarker}`;
  }
  const plural = failed.length === 1 ? 'test' : 'tests';
  const rows = failed.map(
    (f) => `${cell(f.context)} | ${f.sha} | ${f.url ? `[link](${f.url})` : ''} | \`${cell(f.rerunCommand)}\``,
  );
  return [
    `${mention(pr)}: The following ${plural} **failed**, say \`/retest\` to rerun them all:`,
    '',
    'Test name | Commit | Details | Rerun command',
    '--- | --- | --- | ---',
    ...rows,
    '',
    summaryMarker,
  ].join('\n');
}

/** A table cell's text: a `|` or a line break would end the cell or the row. */
const cell = (text: string) => text.replace(/[|\r\n`]/g, ' ');

export type SummaryOutcome = 'created' | 'edited' | 'unchanged';

/**
 * Brings the pull request's summary comment in line with `failed`: the one comment of ours with the
 * marker is edited when its text differs; without one, a comment is made, but only if something failed.
 * Extra marked comments of ours (two replicas of an older version, a crash between two writes) are
 * deleted, the oldest kept. Only comments written by `botLogin` are touched, so quoting the marker in a
 * comment of one's own changes nothing. Writing the same text again is a no-op, so this is safe to repeat.
 */
export async function updateSummary(
  api: ProviderWrites,
  pr: PullRequestRef,
  failed: readonly FailedJob[],
  botLogin: string,
): Promise<SummaryOutcome> {
  const { owner, repo, number } = pr;
  const bot = botLogin.toLowerCase();
  const ours = (await api.comments(owner, repo, number)).filter(
    (c) => c.author.toLowerCase() === bot && c.body.includes(summaryMarker),
  );
  const [kept, ...extra] = ours;
  for (const comment of extra) await api.deleteComment(owner, repo, number, comment.id);
  const body = summaryBody(pr, failed);
  if (!kept) {
    if (failed.length === 0) return 'unchanged';
    // A duplicate from a retry after an unknown outcome is deleted on the next update, as above.
    await api.createComment(owner, repo, number, body, { safeToRetry: true });
    return 'created';
  }
  if (kept.body.trim() === body.trim()) return 'unchanged';
  await api.editComment(owner, repo, number, kept.id, body);
  return 'edited';
}
