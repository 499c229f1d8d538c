import * as z from 'zod';
import { goBool, goInt, goSlice, goString, goStrings, goStruct, goTime } from './go-json.ts';
import * as scm from './model.ts';

// GitHub's payloads read as go-scm's GitHub driver reads them (scm/driver/github/webhook.go).

const User = goStruct({
  id: goInt,
  login: goString,
  name: goString,
  email: goString,
  avatar_url: goString,
  html_url: goString,
  created_at: goTime,
  updated_at: goTime,
});

/** A user as issues, comments and reviews carry them: go-scm keeps the login and avatar only. */
const ShortUser = goStruct({ login: goString, avatar_url: goString });

const repositoryFields = {
  id: goInt,
  owner: goStruct({ login: goString }),
  name: goString,
  full_name: goString,
  private: goBool,
  html_url: goString,
  ssh_url: goString,
  clone_url: goString,
  default_branch: goString,
};

const Repository = goStruct({
  ...repositoryFields,
  archived: goBool,
  created_at: goTime,
  updated_at: goTime,
  permissions: goStruct({ admin: goBool, push: goBool, pull: goBool }),
});

/** A push's repository: its timestamps are Unix seconds there, and go-scm does not read them. */
const PushRepository = goStruct(repositoryFields);

const Installation = z
  .object({ id: goInt, node_id: goString })
  .nullish()
  .transform((value): scm.InstallationRef | null => (value ? { ID: value.id, NodeID: value.node_id } : null));

const Label = goStruct({ url: goString, name: goString, description: goString, color: goString });

const Branch = goStruct({ ref: goString, sha: goString, repo: Repository });

const PullRequest = goStruct({
  number: goInt,
  state: goString,
  title: goString,
  body: goString,
  labels: goSlice(Label),
  diff_url: goString,
  html_url: goString,
  user: User,
  requested_reviewers: goSlice(User),
  assignees: goSlice(User),
  head: Branch,
  base: Branch,
  draft: goBool,
  merged: goBool,
  mergeable: goBool,
  mergeable_state: goString,
  rebaseable: goBool,
  merge_commit_sha: goString,
  created_at: goTime,
  updated_at: goTime,
});

const Author = goStruct({ name: goString, email: goString, username: goString });

const Push = z.object({
  ref: goString,
  base_ref: goString,
  before: goString,
  after: goString,
  compare: goString,
  created: goBool,
  deleted: goBool,
  forced: goBool,
  head_commit: goStruct({ id: goString, message: goString, author: Author, committer: Author }),
  commits: goSlice(
    z.object({ url: goString, message: goString, added: goStrings, removed: goStrings, modified: goStrings }),
  ),
  repository: PushRepository,
  sender: User,
  installation: Installation,
});

const PullRequestEvent = z.object({
  action: goString,
  pull_request: PullRequest,
  repository: Repository,
  label: Label,
  sender: User,
  changes: goStruct({
    base: goStruct({ ref: goStruct({ from: goString }), sha: goStruct({ from: goString }) }),
  }),
  installation: Installation,
});

const IssueComment = z.object({
  action: goString,
  issue: goStruct({
    html_url: goString,
    number: goInt,
    state: goString,
    title: goString,
    body: goString,
    user: ShortUser,
    closed_by: z.object({ login: goString, avatar_url: goString }).nullish(),
    labels: goSlice(goStruct({ name: goString })),
    assignees: goSlice(User),
    locked: goBool,
    created_at: goTime,
    updated_at: goTime,
    pull_request: z.object({ diff_url: goString, html_url: goString }).nullish(),
  }),
  repository: Repository,
  comment: goStruct({
    id: goInt,
    html_url: goString,
    user: ShortUser,
    body: goString,
    created_at: goTime,
    updated_at: goTime,
  }),
  sender: User,
  installation: Installation,
});

const ReviewComment = z.object({
  pull_request: PullRequest,
  repository: Repository,
  comment: goStruct({ id: goInt, user: User, body: goString, created_at: goTime, updated_at: goTime }),
  installation: Installation,
});

const Review = z.object({
  action: goString,
  review: goStruct({
    id: goInt,
    body: goString,
    user: ShortUser,
    submitted_at: goTime,
    commit_id: goString,
    state: goString,
    html_url: goString,
  }),
  pull_request: PullRequest,
  repository: Repository,
  installation: Installation,
});

type Parsed<Schema extends z.ZodType> = z.output<Schema>;

const user = (from: Parsed<typeof User>) =>
  scm.user({
    ID: from.id,
    Login: from.login,
    Name: from.name,
    Email: from.email,
    Avatar: from.avatar_url,
    Link: from.html_url,
    Created: from.created_at,
    Updated: from.updated_at,
  });

const shortUser = (from: Parsed<typeof ShortUser>) =>
  scm.user({ Login: from.login, Avatar: from.avatar_url });

/** go-scm drops the users without a login, and writes none as nil. */
function users(from: Parsed<typeof User>[] | null) {
  const kept = (from ?? []).filter(({ login }) => login !== '').map(user);
  return kept.length > 0 ? kept : null;
}

/** The repository as go-scm's hooks build it inline: no permissions or timestamps. */
const hookRepository = (from: Parsed<typeof PushRepository>) =>
  scm.repository({
    ID: String(from.id),
    Namespace: from.owner.login,
    Name: from.name,
    FullName: from.full_name,
    Branch: from.default_branch,
    Private: from.private,
    Clone: from.clone_url,
    CloneSSH: from.ssh_url,
    Link: from.html_url,
  });

const repository = (from: Parsed<typeof Repository>) =>
  scm.repository({
    ...hookRepository(from),
    Perm: { Pull: from.permissions.pull, Push: from.permissions.push, Admin: from.permissions.admin },
    Archived: from.archived,
    Created: from.created_at,
    Updated: from.updated_at,
  });

const label = (from: Parsed<typeof Label>) =>
  scm.label({ URL: from.url, Name: from.name, Description: from.description, Color: from.color });

function mergeableState(state: string): string {
  const lower = state.toLowerCase();
  if (['clean', 'mergeable', 'can_be_merged'].includes(lower)) return 'mergeable';
  if (['dirty', 'conflict', 'conflicting', 'cannot_be_merged'].includes(lower)) return 'conflicting';
  return '';
}

const branch = (from: Parsed<typeof Branch>) =>
  scm.pullRequestBranch({ Ref: from.ref, Sha: from.sha, Repo: repository(from.repo) });

function pullRequest(from: Parsed<typeof PullRequest>) {
  const labels = (from.labels ?? []).map(label);
  return scm.pullRequest({
    Number: from.number,
    Title: from.title,
    Body: from.body,
    Labels: labels.length > 0 ? labels : null,
    Sha: from.head.sha,
    Ref: `refs/pull/${from.number}/head`,
    Source: from.head.ref,
    Target: from.base.ref,
    Base: branch(from.base),
    Head: branch(from.head),
    Fork: from.head.repo.full_name,
    State: from.state,
    Closed: from.state !== 'open',
    Draft: from.draft,
    Merged: from.merged,
    Mergeable: from.mergeable,
    Rebaseable: from.rebaseable,
    MergeableState: mergeableState(from.mergeable_state),
    MergeSha: from.merge_commit_sha,
    Author: user(from.user),
    Assignees: users(from.assignees),
    Reviewers: users(from.requested_reviewers),
    Created: from.created_at,
    Updated: from.updated_at,
    Link: from.html_url,
    DiffLink: from.diff_url,
  });
}

const pullRequestActions: Readonly<Record<string, string>> = {
  assigned: 'assigned',
  unassigned: 'unassigned',
  review_requested: 'review_requested',
  review_request_removed: 'review_request_removed',
  labeled: 'labeled',
  unlabeled: 'unlabeled',
  opened: 'opened',
  edited: 'updated',
  closed: 'closed',
  reopened: 'reopened',
  synchronize: 'synchronized',
  ready_for_review: 'ready_for_review',
  converted_to_draft: 'converted_to_draft',
};

const commentActions: Readonly<Record<string, string>> = {
  created: 'created',
  deleted: 'deleted',
  edited: 'updated',
};

const reviewActions: Readonly<Record<string, string>> = {
  submitted: 'submitted',
  edited: 'edited',
  dismissed: 'dismissed',
};

function push(payload: Parsed<typeof Push>, guid: string): scm.PushHook {
  const head = payload.head_commit;
  // go-scm takes a tag push's commit from head_commit: `after` is the tag object's id.
  const after = payload.ref.startsWith('refs/tags/') && head.id !== '' ? head.id : payload.after;
  const commits = (payload.commits ?? []).map(
    (each): scm.PushCommit => ({
      ID: each.url,
      Message: each.message,
      Added: each.added,
      Removed: each.removed,
      Modified: each.modified,
    }),
  );
  const signer = (author: Parsed<typeof Author>) =>
    scm.signature({ Name: author.name, Email: author.email, Login: author.username });
  return scm.pushHook({
    Ref: payload.ref,
    BaseRef: payload.base_ref,
    Repo: hookRepository(payload.repository),
    Before: payload.before,
    After: after,
    Created: payload.created,
    Deleted: payload.deleted,
    Forced: payload.forced,
    Compare: payload.compare,
    Commits: commits.length > 0 ? commits : null,
    Commit: scm.commit({
      Sha: after,
      Message: head.message,
      Author: signer(head.author),
      Committer: signer(head.committer),
      Link: payload.compare,
    }),
    Sender: user(payload.sender),
    GUID: guid,
    Installation: payload.installation,
  });
}

function pullRequestHook(payload: Parsed<typeof PullRequestEvent>, guid: string): scm.PullRequestHook {
  const hook = scm.pullRequestHook({
    Action: scm.actionOf(pullRequestActions, payload.action),
    Repo: hookRepository(payload.repository),
    Label: label(payload.label),
    PullRequest: pullRequest(payload.pull_request),
    Sender: user(payload.sender),
    GUID: guid,
    Installation: payload.installation,
  });
  hook.Changes.Base.Ref.From = payload.changes.base.ref.from;
  hook.Changes.Base.Sha.From = payload.changes.base.sha.from;
  return hook;
}

function issueCommentHook(payload: Parsed<typeof IssueComment>, guid: string): scm.IssueCommentHook {
  const { issue, comment } = payload;
  const labels = (issue.labels ?? []).map(({ name }) => name);
  return scm.issueCommentHook({
    Action: scm.actionOf(commentActions, payload.action),
    Repo: repository(payload.repository),
    Issue: scm.issue({
      Number: issue.number,
      Title: issue.title,
      Body: issue.body,
      Link: issue.html_url,
      State: issue.state,
      Labels: labels.length > 0 ? labels : null,
      Closed: issue.state === 'closed',
      Locked: issue.locked,
      Author: shortUser(issue.user),
      Assignees: users(issue.assignees),
      ClosedBy: issue.closed_by ? shortUser(issue.closed_by) : null,
      PullRequest: issue.pull_request
        ? scm.pullRequest({ DiffLink: issue.pull_request.diff_url, Link: issue.pull_request.html_url })
        : null,
      Created: issue.created_at,
      Updated: issue.updated_at,
    }),
    Comment: scm.comment({
      ID: comment.id,
      Body: comment.body,
      Author: shortUser(comment.user),
      Link: comment.html_url,
      Created: comment.created_at,
      Updated: comment.updated_at,
    }),
    Sender: user(payload.sender),
    GUID: guid,
    Installation: payload.installation,
  });
}

function reviewCommentHook(payload: Parsed<typeof ReviewComment>, guid: string): scm.PullRequestCommentHook {
  const { comment } = payload;
  return scm.pullRequestCommentHook({
    Repo: hookRepository(payload.repository),
    PullRequest: pullRequest(payload.pull_request),
    Comment: scm.comment({
      ID: comment.id,
      Body: comment.body,
      Author: user(comment.user),
      Created: comment.created_at,
      Updated: comment.updated_at,
    }),
    Sender: user(comment.user),
    GUID: guid,
    Installation: payload.installation,
  });
}

function reviewHook(payload: Parsed<typeof Review>, guid: string): scm.ReviewHook {
  const { review } = payload;
  return scm.reviewHook({
    Action: scm.actionOf(reviewActions, payload.action),
    PullRequest: pullRequest(payload.pull_request),
    Repo: repository(payload.repository),
    Review: scm.review({
      ID: review.id,
      Body: review.body,
      Sha: review.commit_id,
      Link: review.html_url,
      State: review.state,
      Author: shortUser(review.user),
      Created: review.submitted_at,
    }),
    Installation: payload.installation,
    GUID: guid,
  });
}

function converter<Schema extends z.ZodType>(
  kind: scm.GoScmKind,
  schema: Schema,
  convert: (payload: z.output<Schema>, guid: string) => scm.GoScmHookBody & { Repo: scm.Repository },
): scm.Converter {
  return {
    kinds: [kind],
    build(payload, guid) {
      const parsed = schema.safeParse(payload);
      if (!parsed.success) return undefined;
      const hook = convert(parsed.data, guid);
      return { kind, repository: hook.Repo.FullName, hook };
    },
  };
}

/** go-scm's hook for each GitHub event built here, by event header. */
export const githubConverters: ReadonlyMap<string, scm.Converter> = new Map([
  ['push', converter('push', Push, push)],
  ['pull_request', converter('pull_request', PullRequestEvent, pullRequestHook)],
  ['issue_comment', converter('issue_comment', IssueComment, issueCommentHook)],
  ['pull_request_review_comment', converter('pull_request_comment', ReviewComment, reviewCommentHook)],
  ['pull_request_review', converter('review', Review, reviewHook)],
]);
