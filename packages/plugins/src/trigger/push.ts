import type { PushEvent } from '@lighthouse-ts/scm';
import type { Decision, SkippedJob } from '../contract.ts';
import type { TriggerContext } from './context.ts';
import { allSkipped, nothing } from './decision.ts';
import type { TriggerFacts } from './facts.ts';
import { postsubmitToStart, type SourceRepo, sourceRepo } from './requests.ts';
import type { ChangedFiles } from './should-run.ts';
import { postsubmitVerdict } from './should-run.ts';

/**
 * Lighthouse's `handlePE`: each postsubmit whose branches match and whose changed-file rules (if any) agree.
 * A tag push is matched by its tag name, as Lighthouse does (it strips `refs/tags/` like `refs/heads/`).
 */
export async function decidePush(event: PushEvent, context: TriggerContext): Promise<Decision> {
  const { repo, facts } = context;
  const pushed = `push to ${event.refType} ${event.refName}`;
  if (event.deleted) {
    const why = `the ${event.refType} was deleted`;
    return nothing(`${pushed}: ${why}`, allSkipped(repo.postsubmits, why));
  }
  if (repo.postsubmits.length === 0) {
    return nothing(`${pushed}: no postsubmits for ${repo.owner}/${repo.name}`);
  }
  const files = changedFilesOf(event, facts);

  let source: SourceRepo | undefined;
  const start = [];
  const skip: SkippedJob[] = [];
  for (const job of repo.postsubmits) {
    const verdict = await postsubmitVerdict(job, event.refName, files);
    if (!verdict.run) {
      skip.push({ jobName: job.name, context: job.context, why: verdict.why });
      continue;
    }
    source ??= await sourceRepo(event.repo, facts);
    const push = { repo: source, refName: event.refName, after: event.after };
    start.push(postsubmitToStart(job, push, { event, trigger: repo.trigger }, verdict.why));
  }
  return {
    summary: `${pushed}: ${start.length} of ${repo.postsubmits.length} postsubmits run`,
    start,
    skip,
    cancel: [],
    actions: [],
  };
}

function changedFilesOf(event: PushEvent, facts: TriggerFacts): ChangedFiles {
  const { changedFiles } = event;
  if (changedFiles) return async () => changedFiles;
  const { pushChangedFiles } = facts;
  // Lighthouse matches such a push against the payload's list, which is empty.
  if (!pushChangedFiles) return async () => [];
  const push = {
    repo: { owner: event.repo.owner, name: event.repo.name },
    refName: event.refName,
    before: event.before,
    after: event.after,
  };
  return () => pushChangedFiles.call(facts, push);
}
