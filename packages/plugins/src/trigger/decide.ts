import type { WebhookEvent } from '@lighthouse-ts/scm';
import type { Decision } from '../contract.ts';
import { decideComment } from './comment.ts';
import type { TriggerContext } from './context.ts';
import { allSkipped, nothing } from './decision.ts';
import { memoisedFacts } from './memoised-facts.ts';
import { decidePullRequest } from './pull-request.ts';
import { decidePush } from './push.ts';

/**
 * What the trigger plugin would do for an event: the jobs to start, those it would not start and why, the
 * runs a new push supersedes, and what it would post. Asks `context.facts` what the payload does not say;
 * changes nothing itself.
 */
export async function decide(event: WebhookEvent, context: TriggerContext): Promise<Decision> {
  if (event.type === 'ping') return nothing('a ping starts nothing');
  const { repo } = context;
  if (repo.owner !== event.repo.owner || repo.name !== event.repo.name) {
    throw new Error(
      `the config given is for ${repo.owner}/${repo.name}, the event for ${event.repo.owner}/${event.repo.name}`,
    );
  }
  const jobs = event.type === 'push' ? repo.postsubmits : repo.presubmits;
  if (!repo.plugins.includes('trigger')) {
    const why = `the trigger plugin is not enabled for ${repo.owner}/${repo.name}`;
    return nothing(why, allSkipped(jobs, why));
  }
  const asked = { ...context, facts: memoisedFacts(context.facts) };
  switch (event.type) {
    case 'push':
      return decidePush(event, asked);
    case 'pull_request':
      return decidePullRequest(event, asked);
    case 'pull_request_comment':
      return decideComment(event, asked);
    case 'issue_comment': {
      const why = 'a comment on an issue, not a pull request, starts nothing';
      return nothing(why, allSkipped(jobs, why));
    }
    case 'review': {
      const why = 'a review starts nothing: the trigger answers created comments only';
      return nothing(why, allSkipped(jobs, why));
    }
  }
}
