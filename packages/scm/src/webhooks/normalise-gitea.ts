import * as z from 'zod';
import { type PullRequestAction, type Repo, Sha } from '../events.ts';
import { changedFiles, isZeroSha, refTarget } from './git-refs.ts';
import { Action, PushCommits, Repository, User } from './github-like.ts';
import {
  type Delivery,
  found,
  ignored,
  ignoredAction,
  type NormaliseResult,
  parsePayload,
} from './normalise-result.ts';

const Push = z.object({
  ref: z.string(),
  before: Sha,
  after: Sha,
  repository: Repository,
  sender: User,
  commits: PushCommits,
  total_commits: z.number().int().nonnegative().optional(),
});

const PullRequest = z.object({
  repository: Repository,
  pull_request: z.object({
    number: z.number().int().positive(),
    title: z.string(),
    html_url: z.string(),
    user: User,
    draft: z.boolean().optional(),
    merged: z.boolean().nullish(),
    labels: z.array(z.object({ name: z.string() })).nullish(),
    base: z.object({ ref: z.string().min(1), sha: Sha }),
    head: z.object({ ref: z.string().min(1), sha: Sha }),
  }),
});

const Comment = z.object({
  repository: Repository,
  is_pull: z.boolean().optional(),
  issue: z.object({ number: z.number().int().positive(), pull_request: z.unknown().optional() }),
  comment: z.object({ id: z.number().int(), body: z.string(), user: User, html_url: z.string() }),
});

const pullRequestActions: ReadonlyMap<string, PullRequestAction> = new Map([
  ['opened', 'opened'],
  ['reopened', 'reopened'],
  ['synchronized', 'synchronize'],
  ['closed', 'closed'],
  ['edited', 'edited'],
]);

export function normaliseGitea(event: string, payload: unknown, delivery: Delivery): NormaliseResult {
  switch (event) {
    case 'push':
      return push(payload, delivery);
    // Gitea 1.18+ sends pushes to a pull request's branch under their own event name.
    case 'pull_request':
    case 'pull_request_sync':
      return pullRequest(event, payload, delivery);
    // Newer Gitea names comments on pull requests `pull_request_comment`; older ones say `issue_comment`.
    case 'issue_comment':
    case 'pull_request_comment':
      return comment(event, payload, delivery);
    default:
      return ignored(`gitea ${event}`);
  }
}

const repo = (repository: z.output<typeof Repository>): Repo => ({
  owner: repository.owner.login,
  name: repository.name,
  cloneUrl: repository.clone_url,
  link: repository.html_url,
});

const account = (user: z.output<typeof User>) => ({ login: user.login, id: String(user.id) });

function push(payload: unknown, delivery: Delivery): NormaliseResult {
  const parsed = parsePayload(Push, payload);
  if (!parsed.ok) return parsed.invalid;
  const { ref, before, after, repository, sender, commits, total_commits } = parsed.data;
  const target = refTarget(ref);
  if (!target) return ignored(`gitea push to ${ref}, neither a branch nor a tag`);
  return found({
    type: 'push',
    ...delivery,
    repo: repo(repository),
    ref,
    ...target,
    before,
    after,
    deleted: isZeroSha(after),
    changedFiles: changedFiles(commits, total_commits),
    sender: account(sender),
  });
}

function pullRequest(event: string, payload: unknown, delivery: Delivery): NormaliseResult {
  const gate = parsePayload(Action, payload);
  if (!gate.ok) return gate.invalid;
  const action = pullRequestActions.get(gate.data.action);
  if (!action) return ignoredAction('gitea', event, gate.data.action);
  const parsed = parsePayload(PullRequest, payload);
  if (!parsed.ok) return parsed.invalid;
  const { pull_request: pr, repository } = parsed.data;
  return found({
    type: 'pull_request',
    ...delivery,
    action,
    repo: repo(repository),
    number: pr.number,
    title: pr.title,
    author: account(pr.user),
    draft: pr.draft ?? false,
    base: { ref: pr.base.ref, sha: pr.base.sha },
    head: { ref: pr.head.ref, sha: pr.head.sha },
    labels: (pr.labels ?? []).map((label) => label.name),
    merged: pr.merged ?? false,
    link: pr.html_url,
  });
}

function comment(event: string, payload: unknown, delivery: Delivery): NormaliseResult {
  const gate = parsePayload(Action, payload);
  if (!gate.ok) return gate.invalid;
  if (gate.data.action !== 'created') return ignoredAction('gitea', event, gate.data.action);
  const parsed = parsePayload(Comment, payload);
  if (!parsed.ok) return parsed.invalid;
  const { is_pull, issue, comment, repository } = parsed.data;
  const onPullRequest = is_pull ?? (issue.pull_request !== undefined && issue.pull_request !== null);
  return found({
    type: onPullRequest ? 'pull_request_comment' : 'issue_comment',
    ...delivery,
    repo: repo(repository),
    number: issue.number,
    commentId: String(comment.id),
    body: comment.body,
    author: account(comment.user),
    link: comment.html_url,
  });
}
