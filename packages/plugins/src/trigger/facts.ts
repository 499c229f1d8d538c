import type { CommitStatus, Milestone, Review, Team } from '@lighthouse-ts/scm';
import { PermanentError } from '../errors.ts';

/** A repository as providers name it: GitLab owners may hold `/` (group/subgroup). */
export interface RepoKey {
  owner: string;
  name: string;
}

export interface PullRequestKey {
  repo: RepoKey;
  number: number;
}

/** What the provider says about a pull request now. */
export interface PullRequestFacts {
  /** Comments only trigger on open pull requests. */
  open: boolean;
  draft: boolean;
  author: string;
  /** GitHub's `author_association` of the PR author, when the provider has one. */
  authorAssociation?: string;
  title?: string;
  link?: string;
  /** Branch names, not refs. */
  head: { ref: string; sha: string };
  base: { ref: string; sha: string };
  /** Lines added plus lines deleted, where the provider says. */
  changedLines?: number;
}

/** What the provider says about an issue now. */
export interface IssueFacts {
  open: boolean;
  labels: readonly string[];
}

export interface PullRequestComment {
  /** The provider's id of the comment (a delivered comment event's `commentId`). */
  id: string;
  author: string;
  body: string;
  /** When it was written (ISO 8601), where the provider says. */
  at?: string;
}

export interface PushKey {
  repo: RepoKey;
  /** The branch or tag name. */
  refName: string;
  before: string;
  after: string;
}

/**
 * What the trigger may need to ask the provider, when the payload does not say. Implemented against the
 * provider's REST API in production; tests use plain data (`inMemoryFacts`). Each is called only when the
 * decision needs it, at most once per decision. A failure rejects the decision: deciding without a fact
 * could start jobs for someone untrusted, or skip jobs silently.
 */
export interface TriggerFacts {
  isCollaborator(org: string, repo: string, user: string): Promise<boolean>;
  /** Whether `user` administers the repository (who may `/override` a status). */
  isAdmin(org: string, repo: string, user: string): Promise<boolean>;
  isMember(org: string, user: string): Promise<boolean>;
  /** Paths changed by the pull request. */
  changedFiles(pr: PullRequestKey): Promise<readonly string[]>;
  prLabels(pr: PullRequestKey): Promise<readonly string[]>;
  /** The labels the repository may be given (the label plugin adds no other). */
  repoLabels(repo: RepoKey): Promise<readonly string[]>;
  /** The latest status of each context on a commit (what `/retest` reruns). */
  combinedStatus(repo: RepoKey, sha: string): Promise<readonly CommitStatus[]>;
  /** State, head and base of a pull request, for comments (their payloads carry none of it). */
  pullRequest(pr: PullRequestKey): Promise<PullRequestFacts>;
  /**
   * Paths changed by a push whose payload does not list them (too many commits, or Bitbucket Server).
   * Without it such a push is matched against no files, as Lighthouse does.
   */
  pushChangedFiles?(push: PushKey): Promise<readonly string[]>;
  /** The pull request's comments, oldest first (ChatOps plugins read commands given before this event). */
  comments(pr: PullRequestKey): Promise<readonly PullRequestComment[]>;
  /** The pull request's reviews, oldest first. */
  reviews(pr: PullRequestKey): Promise<readonly Review[]>;
  /** Whether `author` has opened a pull request in the repository besides this one, in any state. */
  hasOtherPullRequests(pr: PullRequestKey, author: string): Promise<boolean>;
  /** A file's text at a commit, undefined when there is none (OWNERS files, read at the base). */
  fileAt(repo: RepoKey, sha: string, path: string): Promise<string | undefined>;
  /** The login Lighthouse writes as, to tell its own comments from people's. */
  botLogin(): Promise<string>;
  /** For payloads that do not carry the clone URL (older Bitbucket Server); without it those jobs fail. */
  cloneUrl?(repo: RepoKey): Promise<string>;
  /** An issue's state and labels, where the provider has issues (GitHub, Gitea). */
  issue?(issue: PullRequestKey): Promise<IssueFacts>;
  /** Whether `user` is an active member of the team (who may set milestones), where the provider says. */
  isTeamMember?(org: string, team: Team, user: string): Promise<boolean>;
  /** The repository's open milestones, where the provider has them (GitHub, Gitea). */
  milestones?(repo: RepoKey): Promise<readonly Milestone[]>;
  /** The org's team of this display name, or undefined, where the provider has teams (GitHub, Gitea). */
  teamNamed?(org: string, name: string): Promise<Team | undefined>;
  /** The SHA of the tree a commit records, where the provider says (GitHub, Gitea). */
  treeOf?(repo: RepoKey, sha: string): Promise<string>;
}

/** A fact the decision needs is neither in the payload nor available from any configured source. */
export class MissingFactError extends PermanentError {
  override name = 'MissingFactError';
}
