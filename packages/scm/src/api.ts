/** One Git provider's REST API: what the trigger may ask (ProviderReads) and what Lighthouse writes back. */
export interface ProviderApi extends ProviderReads, ProviderWrites {}

/** What the trigger may need to ask a Git provider when a webhook's payload does not say it. */
export interface ProviderReads {
  /** Whether `user` may push to the repository (GitHub collaborator; GitLab member with Developer or above). */
  isCollaborator(owner: string, repo: string, user: string): Promise<boolean>;
  /**
   * Whether `user` administers the repository, as Lighthouse's `HasPermission(admin)` decides it: GitHub's
   * and Gitea's `admin` permission (Gitea's `owner` too); GitLab's Owner (Maintainer is only write to
   * go-scm); on Bitbucket Server REPO_ADMIN, held directly or through the project or a group.
   */
  isAdmin(owner: string, repo: string, user: string): Promise<boolean>;
  /** Whether `user` belongs to the organisation (GitHub org; GitLab group, inherited membership included). */
  isOrgMember(org: string, user: string): Promise<boolean>;
  pullRequest(owner: string, repo: string, number: number): Promise<PullRequest>;
  /** Every path the pull request touches, old and new names of renames included. */
  changedFiles(owner: string, repo: string, number: number): Promise<string[]>;
  /** The latest status of each context on a commit. */
  commitStatuses(owner: string, repo: string, sha: string): Promise<CommitStatus[]>;
  /**
   * The names of the labels the repository may be given: its own and, on GitLab, its groups'. None where
   * pull requests have no labels (Bitbucket Server).
   */
  repoLabels(owner: string, repo: string): Promise<string[]>;
  /** The HTTP clone URL, for providers whose payloads may lack it (Bitbucket Server pushes). */
  cloneUrl?(owner: string, repo: string): Promise<string>;
  /**
   * The text of the file at `path` in the repository at `ref` (normally a full commit SHA); undefined when
   * there is no file there (no such path, or a directory). Whoever pushes decides what a file holds, so one
   * larger than 256 KiB is refused with a `ProviderError`. Answers at a full SHA are kept: they never change.
   */
  fileContent(owner: string, repo: string, path: string, ref: string): Promise<string | undefined>;
  /**
   * The reviews of a pull request, oldest first, pending ones left out. GitLab has approvals only, each an
   * `approved` review without a body; Bitbucket Server has each reviewer's verdict (approved or needs work),
   * without a body or an order.
   */
  reviews(owner: string, repo: string, number: number): Promise<Review[]>;
  /**
   * Whether `author` has opened a pull request in the repository besides `number`, in any state: asked
   * of the provider's own filter by author, two pull requests at most, never by listing them all.
   */
  hasOtherPullRequests(owner: string, repo: string, author: string, number: number): Promise<boolean>;
  /** An issue's state and labels (GitHub and Gitea, whose pull requests are issues too). */
  issue?(owner: string, repo: string, number: number): Promise<Issue>;
  /** Whether `user` is an active member of the team (GitHub and Gitea). */
  isTeamMember?(org: string, team: Team, user: string): Promise<boolean>;
  /** The repository's open milestones (GitHub and Gitea). */
  milestones?(owner: string, repo: string): Promise<Milestone[]>;
  /** The org's team of this display name, as Lighthouse finds it, or undefined (GitHub and Gitea). */
  teamNamed?(org: string, name: string): Promise<Team | undefined>;
  /** The SHA of the tree a commit records: two commits with the same files share it (GitHub and Gitea). */
  treeOf?(owner: string, repo: string, sha: string): Promise<string>;
}

export interface Issue {
  number: number;
  state: 'open' | 'closed';
  labels: string[];
}

/**
 * A team as plugins.yaml names it: GitHub finds it by its slug in the org, or by id without one; Gitea by
 * id only.
 */
export interface Team {
  id: number;
  slug: string;
}

export interface Milestone {
  /** What sets it on an issue: GitHub's milestone number, Gitea's id. */
  id: number;
  title: string;
}

/** A review of a pull request, as `ProviderReads.reviews` gives it. */
export interface Review {
  author: string;
  state: 'approved' | 'changes_requested' | 'commented' | 'dismissed';
  body: string;
  /** When it was submitted (ISO 8601): GitHub's and Gitea's; GitLab's and Bitbucket's verdicts have none. */
  at?: string;
}

export interface PullRequest {
  number: number;
  author: string;
  state: 'open' | 'closed' | 'merged';
  draft: boolean;
  labels: string[];
  baseRef: string;
  baseSha: string;
  headRef: string;
  headSha: string;
  /** Lines added plus lines deleted, where the provider says (GitHub, Gitea). */
  changedLines?: number;
}

export type StatusState = 'success' | 'pending' | 'failure' | 'error';

export interface CommitStatus {
  context: string;
  state: StatusState;
  /** Where the status links to (a build's log), when it links anywhere. */
  targetUrl?: string;
}

/** A status's link as providers give it: a missing or empty one is none. */
export const statusLink = (url: string | null | undefined): Pick<CommitStatus, 'targetUrl'> =>
  url ? { targetUrl: url } : {};

/** The provider could not be asked (network, 5xx, rate limit): the delivery should fail and be redelivered. */
export class ProviderUnavailableError extends Error {
  override name = 'ProviderUnavailableError';
  /**
   * How long to wait before asking again, when that is known: the provider said so (`Retry-After`, a rate
   * limit's reset) or the wait needed was longer than the client may wait. A caller may queue the work.
   */
  readonly retryAfterMs: number | undefined;

  constructor(message: string, options?: ErrorOptions & { retryAfterMs?: number }) {
    super(message, options);
    this.retryAfterMs = options?.retryAfterMs;
  }
}

/** The provider refused or did not understand us (bad token, missing scope, unknown repository). */
export class ProviderError extends Error {
  override name = 'ProviderError';
  readonly status: number;

  constructor(message: string, status: number) {
    super(message);
    this.status = status;
  }
}

/**
 * A job's state as it is reported; each provider maps it to its own names (GitHub has no `running` and
 * no `aborted`; GitLab's are `running`, `failed`, `canceled`; Bitbucket's `INPROGRESS`, `CANCELLED` ...).
 */
export type ReportState = 'pending' | 'running' | 'success' | 'failure' | 'error' | 'aborted';

export interface StatusInput {
  /** What names the check: GitHub's and Gitea's `context`, GitLab's `name`, Bitbucket's `key`. */
  context: string;
  state: ReportState;
  /** Cut to the provider's limit (GitHub's is 140 characters) by the client. */
  description: string;
  targetUrl?: string;
}

/** A comment on a pull request (GitHub and Gitea issue comments, GitLab notes, Bitbucket comments). */
export interface Comment {
  id: number;
  author: string;
  body: string;
  /** When it was written (ISO 8601), where the provider says. */
  at?: string;
}

export interface CreateCommentOptions {
  /**
   * A duplicate comment does no harm (the caller finds its comments by a marker and removes extra copies),
   * so a create whose outcome is unknown (a timeout, a 500, 502 or 504) may be sent again. Without it only
   * answers that prove nothing was created (429, 503, a refused connection) are retried.
   */
  safeToRetry?: boolean;
}

/** What Lighthouse writes to a Git provider: commit statuses, comments and labels on pull requests. */
export interface ProviderWrites {
  createStatus(owner: string, repo: string, sha: string, status: StatusInput): Promise<void>;
  /** Every comment on the pull request, oldest first. */
  comments(owner: string, repo: string, number: number): Promise<Comment[]>;
  createComment(
    owner: string,
    repo: string,
    number: number,
    body: string,
    options?: CreateCommentOptions,
  ): Promise<Comment>;
  editComment(owner: string, repo: string, number: number, id: number, body: string): Promise<void>;
  /** Deleting a comment that is already gone succeeds. */
  deleteComment(owner: string, repo: string, number: number, id: number): Promise<void>;
  /** Whether pull requests have labels; where they do not (Bitbucket Server), adding and removing do nothing. */
  readonly hasLabels: boolean;
  /** Adding a label the pull request has, or removing one it lacks, succeeds. */
  addLabel(owner: string, repo: string, number: number, label: string): Promise<void>;
  removeLabel(owner: string, repo: string, number: number, label: string): Promise<void>;
  /** Whether pull requests have assignees; where they do not (Bitbucket Server), every assignee is refused. */
  readonly hasAssignees: boolean;
  /** The login the credentials act as, to tell Lighthouse's own comments from others'. */
  whoAmI(): Promise<string>;
  /**
   * Assigns the pull request to these logins, or (`reviewers`) asks them for a review; resolves to the
   * logins the provider would not take (unknown, or not allowed on the repository; every assignee on
   * Bitbucket Server, whose pull requests have reviewers only).
   */
  assign(owner: string, repo: string, number: number, logins: string[], as: PeopleRole): Promise<string[]>;
  /** Unassigns these logins, or takes back their review requests; one not assigned is no error. */
  unassign(owner: string, repo: string, number: number, logins: string[], as: PeopleRole): Promise<void>;
  /** Sets the issue's or pull request's milestone (a `Milestone.id`), or clears it with null (GitHub and Gitea). */
  setMilestone?(owner: string, repo: string, number: number, milestone: number | null): Promise<void>;
}

/** Whom a pull request names: those it is assigned to, or those asked for a review. */
export type PeopleRole = 'assignees' | 'reviewers';

/**
 * Where a client gets its token for each request, so a rotated token file or a GitHub App's installation
 * tokens take effect without a new client. A plain string is a token that never changes.
 */
export interface Credentials {
  /**
   * The token for a request about `owner`'s repositories (`repo` when the request is about one). `owner` is
   * empty for a request about no repository (`whoAmI` when `login` is absent).
   */
  token(owner: string, repo?: string): Promise<string>;
  /** The login the tokens act as, when the credentials know it without asking (a GitHub App's bot). */
  login?(): Promise<string>;
}
