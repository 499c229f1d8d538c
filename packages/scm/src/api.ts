/** What the trigger may need to ask a Git provider when a webhook's payload does not say it. */
export interface ProviderApi {
  /** Whether `user` may push to the repository (GitHub collaborator; GitLab member with Developer or above). */
  isCollaborator(owner: string, repo: string, user: string): Promise<boolean>;
  /** Whether `user` belongs to the organisation (GitHub org; GitLab group, inherited membership included). */
  isOrgMember(org: string, user: string): Promise<boolean>;
  pullRequest(owner: string, repo: string, number: number): Promise<PullRequest>;
  /** Every path the pull request touches, old and new names of renames included. */
  changedFiles(owner: string, repo: string, number: number): Promise<string[]>;
  /** The latest status of each context on a commit. */
  commitStatuses(owner: string, repo: string, sha: string): Promise<CommitStatus[]>;
  /** The HTTP clone URL, for providers whose payloads may lack it (Bitbucket Server pushes). */
  cloneUrl?(owner: string, repo: string): Promise<string>;
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
}

export type StatusState = 'success' | 'pending' | 'failure' | 'error';

export interface CommitStatus {
  context: string;
  state: StatusState;
}

/** The provider could not be asked (network, 5xx, rate limit): the delivery should fail and be redelivered. */
export class ProviderUnavailableError extends Error {
  override name = 'ProviderUnavailableError';
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
