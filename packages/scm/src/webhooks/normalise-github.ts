import * as z from 'zod';
import { PullRequestAction, type Repo, ReviewState, Sha } from '../events.ts';
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
});

const PullRequest = z.object({
  action: z.string(),
  label: z.object({ name: z.string() }).nullish(),
  repository: Repository,
  pull_request: z.object({
    number: z.number().int().positive(),
    title: z.string(),
    html_url: z.string(),
    user: User,
    author_association: z.string().min(1).optional(),
    draft: z.boolean().optional(),
    merged: z.boolean().nullish(),
    labels: z.array(z.object({ name: z.string() })).optional(),
    base: z.object({ ref: z.string().min(1), sha: Sha }),
    head: z.object({ ref: z.string().min(1), sha: Sha }),
  }),
});

const Comment = z.object({
  id: z.number().int(),
  body: z.string(),
  user: User,
  author_association: z.string().min(1).optional(),
  html_url: z.string(),
});

const IssueComment = z.object({
  repository: Repository,
  issue: z.object({ number: z.number().int().positive(), pull_request: z.unknown().optional() }),
  comment: Comment,
});

const ReviewComment = z.object({
  repository: Repository,
  pull_request: z.object({ number: z.number().int().positive() }),
  comment: Comment,
});

const Review = z.object({
  repository: Repository,
  pull_request: z.object({ number: z.number().int().positive() }),
  review: z.object({
    id: z.number().int(),
    state: z
      .string()
      .transform((state) => state.toLowerCase())
      .pipe(ReviewState),
    body: z.string().nullable(),
    user: User,
    author_association: z.string().min(1).optional(),
    html_url: z.string(),
  }),
});

const Ping = z.object({ repository: Repository.optional() });

// GitHub lists at most 2048 commits in a push; a list that long may be cut short.
const pushCommitLimit = 2048;

export function normaliseGithub(event: string, payload: unknown, delivery: Delivery): NormaliseResult {
  switch (event) {
    case 'push':
      return push(payload, delivery);
    case 'pull_request':
      return pullRequest(payload, delivery);
    case 'issue_comment':
      return onlyCreated(event, payload, () => issueComment(payload, delivery));
    case 'pull_request_review_comment':
      return onlyCreated(event, payload, () => reviewComment(payload, delivery));
    case 'pull_request_review':
      return onlyAction('submitted', event, payload, () => review(payload, delivery));
    case 'ping':
      return ping(payload, delivery);
    default:
      return ignored(`github ${event}`);
  }
}

const onlyCreated = (event: string, payload: unknown, normalise: () => NormaliseResult) =>
  onlyAction('created', event, payload, normalise);

function onlyAction(wanted: string, event: string, payload: unknown, normalise: () => NormaliseResult) {
  const parsed = parsePayload(Action, payload);
  if (!parsed.ok) return parsed.invalid;
  return parsed.data.action === wanted ? normalise() : ignoredAction('github', event, parsed.data.action);
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
  const { ref, before, after, repository, sender, commits } = parsed.data;
  const target = refTarget(ref);
  if (!target) return ignored(`github push to ${ref}, neither a branch nor a tag`);
  const cutShort = (commits?.length ?? 0) >= pushCommitLimit;
  return found({
    type: 'push',
    ...delivery,
    repo: repo(repository),
    ref,
    ...target,
    before,
    after,
    deleted: isZeroSha(after),
    changedFiles: cutShort ? undefined : changedFiles(commits),
    sender: account(sender),
  });
}

function pullRequest(payload: unknown, delivery: Delivery): NormaliseResult {
  const parsedAction = parsePayload(Action, payload);
  if (!parsedAction.ok) return parsedAction.invalid;
  const action = PullRequestAction.safeParse(parsedAction.data.action);
  if (!action.success) return ignoredAction('github', 'pull_request', parsedAction.data.action);
  const parsed = parsePayload(PullRequest, payload);
  if (!parsed.ok) return parsed.invalid;
  const { pull_request: pr, label, repository } = parsed.data;
  return found({
    type: 'pull_request',
    ...delivery,
    action: action.data,
    repo: repo(repository),
    number: pr.number,
    title: pr.title,
    author: account(pr.user),
    authorAssociation: pr.author_association,
    draft: pr.draft ?? false,
    base: { ref: pr.base.ref, sha: pr.base.sha },
    head: { ref: pr.head.ref, sha: pr.head.sha },
    labels: (pr.labels ?? []).map((each) => each.name),
    label: action.data === 'labeled' ? label?.name : undefined,
    merged: pr.merged ?? false,
    link: pr.html_url,
  });
}

const comment = (comment: z.output<typeof Comment>) => ({
  commentId: String(comment.id),
  body: comment.body,
  author: account(comment.user),
  authorAssociation: comment.author_association,
  link: comment.html_url,
});

function issueComment(payload: unknown, delivery: Delivery): NormaliseResult {
  const parsed = parsePayload(IssueComment, payload);
  if (!parsed.ok) return parsed.invalid;
  const { issue, repository } = parsed.data;
  // Comments on pull requests arrive as issue comments; only PR issues carry `pull_request`.
  const onPullRequest = issue.pull_request !== undefined && issue.pull_request !== null;
  return found({
    type: onPullRequest ? 'pull_request_comment' : 'issue_comment',
    ...delivery,
    repo: repo(repository),
    number: issue.number,
    ...comment(parsed.data.comment),
  });
}

function reviewComment(payload: unknown, delivery: Delivery): NormaliseResult {
  const parsed = parsePayload(ReviewComment, payload);
  if (!parsed.ok) return parsed.invalid;
  return found({
    type: 'pull_request_comment',
    ...delivery,
    repo: repo(parsed.data.repository),
    number: parsed.data.pull_request.number,
    ...comment(parsed.data.comment),
  });
}

function review(payload: unknown, delivery: Delivery): NormaliseResult {
  const parsed = parsePayload(Review, payload);
  if (!parsed.ok) return parsed.invalid;
  const { review, pull_request, repository } = parsed.data;
  return found({
    type: 'review',
    ...delivery,
    repo: repo(repository),
    number: pull_request.number,
    commentId: `review-${review.id}`,
    state: review.state,
    body: review.body ?? '',
    author: account(review.user),
    authorAssociation: review.author_association,
    link: review.html_url,
  });
}

function ping(payload: unknown, delivery: Delivery): NormaliseResult {
  const parsed = parsePayload(Ping, payload);
  if (!parsed.ok) return parsed.invalid;
  const { repository } = parsed.data;
  return found({ type: 'ping', ...delivery, repo: repository && repo(repository) });
}
