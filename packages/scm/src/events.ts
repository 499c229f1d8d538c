import * as z from 'zod';

export const Provider = z.enum(['github', 'gitlab', 'gitea', 'bitbucketserver']);
export type Provider = z.infer<typeof Provider>;

/** A full commit id: SHA-1, or SHA-256 for repositories in that object format. */
export const Sha = z.string().regex(/^[0-9a-fA-F]{40}(?:[0-9a-fA-F]{24})?$/, 'expected a full commit SHA');

export const Repo = z.object({
  /** GitHub/Gitea owner, GitLab namespace path (may contain `/`), Bitbucket Server project key. */
  owner: z.string().min(1),
  name: z.string().min(1),
  /** Absent when the payload does not carry it (older Bitbucket Server); derive it from the server URL. */
  cloneUrl: z.string().optional(),
  link: z.string().optional(),
});
export type Repo = z.infer<typeof Repo>;

export const Account = z.object({ login: z.string().min(1), id: z.string().min(1) });
export type Account = z.infer<typeof Account>;

/**
 * An account the payload may name only by id: GitLab's merge request hooks give the author's login only
 * when the author is also the actor, and GitLab before 10.x sent pushes without the pusher's login.
 */
export const AccountRef = z.object({ id: z.string().min(1), login: z.string().min(1).optional() });
export type AccountRef = z.infer<typeof AccountRef>;

/** GitHub's `author_association` (OWNER, MEMBER, COLLABORATOR, ...); kept open so a new value is not an error. */
const AuthorAssociation = z.string().min(1);

const delivery = { provider: Provider, deliveryId: z.string().min(1) };

export const PushEvent = z.object({
  type: z.literal('push'),
  ...delivery,
  repo: Repo,
  ref: z.string().min(1),
  refType: z.enum(['branch', 'tag']),
  /** The branch or tag name without its `refs/heads/` or `refs/tags/` prefix. */
  refName: z.string().min(1),
  before: Sha,
  after: Sha,
  deleted: z.boolean(),
  /** Only when the payload lists the files of every pushed commit; otherwise ask the provider. */
  changedFiles: z.array(z.string()).optional(),
  sender: AccountRef,
});
export type PushEvent = z.infer<typeof PushEvent>;

export const PullRequestAction = z.enum([
  'opened',
  'reopened',
  'synchronize',
  'closed',
  'edited',
  'labeled',
  'ready_for_review',
]);
export type PullRequestAction = z.infer<typeof PullRequestAction>;

export const PullRequestEvent = z.object({
  type: z.literal('pull_request'),
  ...delivery,
  action: PullRequestAction,
  repo: Repo,
  number: z.number().int().positive(),
  title: z.string(),
  author: AccountRef,
  authorAssociation: AuthorAssociation.optional(),
  draft: z.boolean(),
  /** Branch names, not refs. GitLab does not send the base SHA. */
  base: z.object({ ref: z.string().min(1), sha: Sha.optional() }),
  head: z.object({ ref: z.string().min(1), sha: Sha }),
  labels: z.array(z.string()),
  /** The label just added, for `labeled`. */
  label: z.string().optional(),
  merged: z.boolean(),
  link: z.string().optional(),
});
export type PullRequestEvent = z.infer<typeof PullRequestEvent>;

/** A comment's or review's id at its provider: one delivery or many of the same comment share it. */
const CommentId = z.string().min(1);

const comment = {
  ...delivery,
  repo: Repo,
  /** The pull request or issue the comment is on. */
  number: z.number().int().positive(),
  commentId: CommentId,
  body: z.string(),
  author: Account,
  authorAssociation: AuthorAssociation.optional(),
  link: z.string().optional(),
};

export const PullRequestCommentEvent = z.object({ type: z.literal('pull_request_comment'), ...comment });
export type PullRequestCommentEvent = z.infer<typeof PullRequestCommentEvent>;

export const IssueCommentEvent = z.object({ type: z.literal('issue_comment'), ...comment });
export type IssueCommentEvent = z.infer<typeof IssueCommentEvent>;

export const ReviewState = z.enum(['approved', 'changes_requested', 'commented', 'dismissed']);
export type ReviewState = z.infer<typeof ReviewState>;

export const ReviewEvent = z.object({ type: z.literal('review'), ...comment, state: ReviewState });
export type ReviewEvent = z.infer<typeof ReviewEvent>;

export const PingEvent = z.object({
  type: z.literal('ping'),
  ...delivery,
  /** Absent for organisation and app hooks and for Bitbucket Server's test delivery. */
  repo: Repo.optional(),
});
export type PingEvent = z.infer<typeof PingEvent>;

export const WebhookEvent = z.discriminatedUnion('type', [
  PushEvent,
  PullRequestEvent,
  PullRequestCommentEvent,
  IssueCommentEvent,
  ReviewEvent,
  PingEvent,
]);
export type WebhookEvent = z.infer<typeof WebhookEvent>;
