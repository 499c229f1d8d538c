// go-scm's hook structs (github.com/jenkins-x/go-scm/scm) as Go's encoding/json writes them: every
// field, in declaration order, named as declared, zero values included. Receivers decode them into
// those structs, so a field that is left out reads as its zero value there.

/** A struct's constructor: its zero value, with the fields given. */
function struct<T extends object>(zero: () => T) {
  return (fields: Partial<T> = {}): T => ({ ...zero(), ...fields });
}

/** Go's zero time.Time, as encoding/json writes it. */
export const zeroTime = '0001-01-01T00:00:00Z';

/** go-scm's action for a payload's, from a driver's table; go-scm leaves one it does not know empty. */
export const actionOf = (table: Readonly<Record<string, string>>, action: string): string =>
  Object.hasOwn(table, action) ? (table[action] ?? '') : '';

/** go-scm's `scm.WebhookKind` of the hooks built here. */
export type GoScmKind =
  | 'push'
  | 'branch'
  | 'tag'
  | 'pull_request'
  | 'issue_comment'
  | 'pull_request_comment'
  | 'review';

export interface Perm {
  Pull: boolean;
  Push: boolean;
  Admin: boolean;
}

export const repository = struct(() => ({
  ID: '',
  Namespace: '',
  Name: '',
  FullName: '',
  Perm: null as Perm | null,
  Branch: '',
  Private: false,
  Archived: false,
  Clone: '',
  CloneSSH: '',
  Link: '',
  Created: zeroTime,
  Updated: zeroTime,
}));
export type Repository = ReturnType<typeof repository>;

export const user = struct(() => ({
  ID: 0,
  Login: '',
  Name: '',
  Email: '',
  Avatar: '',
  Link: '',
  // `json:"isAdmin,omitempty"`: written only when true, as JSON.stringify leaves undefined out.
  isAdmin: undefined as true | undefined,
  Created: zeroTime,
  Updated: zeroTime,
}));
export type User = ReturnType<typeof user>;

export const label = struct(() => ({
  ID: 0,
  URL: '',
  Name: '',
  Description: '',
  Color: '',
}));
export type Label = ReturnType<typeof label>;

export const pullRequestBranch = struct(() => ({
  Ref: '',
  Sha: '',
  Repo: repository(),
}));
export type PullRequestBranch = ReturnType<typeof pullRequestBranch>;

const milestone = () => ({
  Number: 0,
  ID: 0,
  Title: '',
  Description: '',
  Link: '',
  State: '',
  DueDate: null,
});

export const pullRequest = struct(() => ({
  Number: 0,
  Title: '',
  Body: '',
  Labels: null as Label[] | null,
  Sha: '',
  Ref: '',
  Source: '',
  Target: '',
  Base: pullRequestBranch(),
  Head: pullRequestBranch(),
  Fork: '',
  State: '',
  Closed: false,
  Draft: false,
  Merged: false,
  Mergeable: false,
  Rebaseable: false,
  MergeableState: '',
  MergeSha: '',
  Author: user(),
  Assignees: null as User[] | null,
  Reviewers: null as User[] | null,
  Milestone: milestone(),
  Created: zeroTime,
  Updated: zeroTime,
  Link: '',
  DiffLink: '',
}));
export type PullRequest = ReturnType<typeof pullRequest>;

export const issue = struct(() => ({
  Number: 0,
  Title: '',
  Body: '',
  Link: '',
  State: '',
  Labels: null as string[] | null,
  Closed: false,
  Locked: false,
  Author: user(),
  Assignees: null as User[] | null,
  ClosedBy: null as User | null,
  PullRequest: null as PullRequest | null,
  Created: zeroTime,
  Updated: zeroTime,
}));
export type Issue = ReturnType<typeof issue>;

export const comment = struct(() => ({
  ID: 0,
  Body: '',
  Author: user(),
  Link: '',
  Version: 0,
  Created: zeroTime,
  Updated: zeroTime,
}));
export type Comment = ReturnType<typeof comment>;

export const review = struct(() => ({
  ID: 0,
  Body: '',
  Sha: '',
  Link: '',
  State: '',
  Author: user(),
  Created: zeroTime,
  Updated: zeroTime,
}));
export type Review = ReturnType<typeof review>;

export const signature = struct(() => ({
  Name: '',
  Email: '',
  Date: zeroTime,
  Login: '',
  Avatar: '',
}));
export type Signature = ReturnType<typeof signature>;

export const commit = struct(() => ({
  Sha: '',
  Message: '',
  Tree: { Sha: '', Link: '' },
  Author: signature(),
  Committer: signature(),
  Link: '',
}));
export type Commit = ReturnType<typeof commit>;

export interface PushCommit {
  ID: string;
  Message: string;
  Added: string[] | null;
  Removed: string[] | null;
  Modified: string[] | null;
}

export interface InstallationRef {
  ID: number;
  NodeID: string;
}

export const pushHook = struct(() => ({
  Ref: '',
  BaseRef: '',
  Repo: repository(),
  Before: '',
  After: '',
  Created: false,
  Deleted: false,
  Forced: false,
  Compare: '',
  Commits: null as PushCommit[] | null,
  Commit: commit(),
  Sender: user(),
  GUID: '',
  Installation: null as InstallationRef | null,
}));
export type PushHook = ReturnType<typeof pushHook>;

/** BranchHook and TagHook: a branch or tag created or deleted. */
export const refHook = struct(() => ({
  Ref: { Name: '', Path: '', Sha: '' },
  Repo: repository(),
  Action: '',
  Sender: user(),
  Installation: null as InstallationRef | null,
}));
export type RefHook = ReturnType<typeof refHook>;

const hookBranchChange = () => ({ Ref: { From: '' }, Sha: { From: '' }, Repo: repository() });

export const pullRequestHook = struct(() => ({
  Action: '',
  Repo: repository(),
  Label: label(),
  PullRequest: pullRequest(),
  Sender: user(),
  Changes: { Base: hookBranchChange() },
  GUID: '',
  Installation: null as InstallationRef | null,
}));
export type PullRequestHook = ReturnType<typeof pullRequestHook>;

export const issueCommentHook = struct(() => ({
  Action: '',
  Repo: repository(),
  Issue: issue(),
  Comment: comment(),
  Sender: user(),
  GUID: '',
  Installation: null as InstallationRef | null,
}));
export type IssueCommentHook = ReturnType<typeof issueCommentHook>;

export const pullRequestCommentHook = struct(() => ({
  Action: '',
  Repo: repository(),
  PullRequest: pullRequest(),
  Comment: comment(),
  Sender: user(),
  GUID: '',
  Installation: null as InstallationRef | null,
}));
export type PullRequestCommentHook = ReturnType<typeof pullRequestCommentHook>;

export const reviewHook = struct(() => ({
  Action: '',
  PullRequest: pullRequest(),
  Repo: repository(),
  Review: review(),
  Installation: null as InstallationRef | null,
  GUID: '',
}));
export type ReviewHook = ReturnType<typeof reviewHook>;

export type GoScmHookBody =
  | PushHook
  | RefHook
  | PullRequestHook
  | IssueCommentHook
  | PullRequestCommentHook
  | ReviewHook;

/** A hook as Lighthouse forwards it: its kind (the `X-Lighthouse-Webhook-Kind` header) and its body. */
export interface GoScmHook {
  kind: GoScmKind;
  /** `Repo.FullName`: what Lighthouse picks the external plugins by. */
  repository: string;
  hook: GoScmHookBody;
}

/** Builds one provider event's hook: `kinds` are those it can become, so a caller can skip the parse. */
export interface Converter {
  kinds: readonly GoScmKind[];
  /** Undefined for a payload go-scm could not read either. */
  build(payload: unknown, guid: string): GoScmHook | undefined;
}
