import * as z from 'zod';
import { goBool, goInt, goSlice, goString, goStruct, goTime } from './go-json.ts';
import * as scm from './model.ts';

// Gitea's payloads read as go-scm's Gitea driver reads them (scm/driver/gitea/webhook.go), quirks
// included: a pull request's Fork is its base repository, and hooks other than push and comments carry
// no GUID. Where go-scm dereferences a nil it makes (a user without a login, a repository without an
// owner, a pull request without a title or timestamps) it fails, so such a payload gives no hook here.

const User = z.object({
  id: goInt,
  login: z.string().min(1),
  full_name: goString,
  email: goString,
  avatar_url: goString,
  is_admin: goBool,
});

const Repository = z.object({
  id: goInt,
  owner: z.object({ login: goString }),
  name: goString,
  full_name: goString,
  private: goBool,
  html_url: goString,
  ssh_url: goString,
  clone_url: goString,
  default_branch: goString,
  created_at: goTime,
  updated_at: goTime,
  permissions: z.object({ admin: goBool, push: goBool, pull: goBool }).nullish(),
});

const Label = z.object({ id: goInt, name: goString, color: goString, description: goString, url: goString });

const Branch = z.object({ label: goString, ref: goString, sha: goString, repo: Repository });

const PullRequest = z.object({
  number: goInt,
  user: User,
  title: z.string().min(1),
  body: goString,
  labels: goSlice(Label),
  assignees: goSlice(User),
  state: goString,
  html_url: goString,
  diff_url: goString,
  mergeable: goBool,
  merged: goBool,
  merge_commit_sha: goString,
  base: Branch,
  head: Branch,
  created_at: z.string(),
  updated_at: z.string(),
});

const Signature = goStruct({ name: goString, email: goString, username: goString });

const Push = z.object({
  ref: goString,
  before: goString,
  after: goString,
  compare_url: goString,
  commits: goSlice(
    goStruct({ message: goString, author: Signature, committer: Signature, timestamp: goTime }),
  ),
  repository: Repository,
  pusher: goStruct({ login: goString, full_name: goString, email: goString }),
  sender: User,
});

/** The `create` and `delete` events. */
const Ref = z.object({
  ref: goString,
  ref_type: goString,
  sha: goString,
  repository: Repository,
  sender: User,
});

const PullRequestEvent = z.object({
  action: goString,
  pull_request: PullRequest,
  repository: Repository,
  sender: User,
});

const IssueComment = z.object({
  action: goString,
  issue: z.object({
    number: goInt,
    user: User,
    title: goString,
    body: goString,
    url: goString,
    html_url: goString,
    labels: goSlice(Label),
    assignees: goSlice(User),
    state: goString,
    created_at: goTime,
    updated_at: goTime,
    pull_request: z.object({ merged: goBool }).nullish(),
  }),
  comment: z.object({ id: goInt, user: User, body: goString, created_at: goTime, updated_at: goTime }),
  repository: Repository,
  sender: User,
});

const Review = z.object({
  pull_request: PullRequest,
  repository: Repository,
  sender: User,
  review: goStruct({ type: goString, content: goString }),
});

type Parsed<Schema extends z.ZodType> = z.output<Schema>;

const user = (from: Parsed<typeof User>) =>
  scm.user({
    ID: from.id,
    Login: from.login,
    Name: from.full_name,
    Email: from.email,
    Avatar: from.avatar_url,
    isAdmin: from.is_admin || undefined,
  });

function users(from: Parsed<typeof User>[] | null) {
  const all = (from ?? []).map(user);
  return all.length > 0 ? all : null;
}

const repository = (from: Parsed<typeof Repository>) =>
  scm.repository({
    ID: String(from.id),
    Namespace: from.owner.login,
    Name: from.name,
    FullName: from.full_name,
    Perm: from.permissions
      ? { Pull: from.permissions.pull, Push: from.permissions.push, Admin: from.permissions.admin }
      : null,
    Branch: from.default_branch,
    Private: from.private,
    Clone: from.clone_url,
    CloneSSH: from.ssh_url,
    Link: from.html_url,
    Created: from.created_at,
    Updated: from.updated_at,
  });

function labels(from: Parsed<typeof Label>[] | null) {
  const all = (from ?? []).map((each) =>
    scm.label({
      ID: each.id,
      URL: each.url,
      Name: each.name,
      Description: each.description,
      Color: each.color,
    }),
  );
  return all.length > 0 ? all : null;
}

const branch = (from: Parsed<typeof Branch>) =>
  scm.pullRequestBranch({ Ref: from.ref, Sha: from.sha, Repo: repository(from.repo) });

const pullRequest = (from: Parsed<typeof PullRequest>) =>
  scm.pullRequest({
    Number: from.number,
    Title: from.title,
    Body: from.body,
    Labels: labels(from.labels),
    Sha: from.head.sha,
    Ref: `refs/pull/${from.number}/head`,
    Source: from.head.label,
    Target: from.base.label,
    Base: branch(from.base),
    Head: branch(from.head),
    Fork: from.base.repo.full_name,
    State: from.state,
    Closed: from.state === 'closed',
    Merged: from.merged,
    Mergeable: from.mergeable,
    MergeSha: from.merge_commit_sha,
    Author: user(from.user),
    Assignees: users(from.assignees),
    Created: from.created_at,
    Updated: from.updated_at,
    Link: from.html_url,
    DiffLink: from.diff_url,
  });

const actions: Readonly<Record<string, string>> = {
  create: 'created',
  created: 'created',
  delete: 'deleted',
  deleted: 'deleted',
  update: 'updated',
  updated: 'updated',
  edit: 'updated',
  edited: 'updated',
  open: 'opened',
  opened: 'opened',
  reopen: 'reopened',
  reopened: 'reopened',
  close: 'closed',
  closed: 'closed',
  label: 'labeled',
  labeled: 'labeled',
  label_updated: 'labeled',
  unlabel: 'unlabeled',
  unlabeled: 'unlabeled',
  label_cleared: 'unlabeled',
  merge: 'merged',
  merged: 'merged',
  synchronize: 'synchronized',
  synchronized: 'synchronized',
  assigned: 'assigned',
  unassigned: 'unassigned',
  reviewed: 'submitted',
};

/** A review's action, by its type. */
const reviewActions: Readonly<Record<string, string>> = {
  pull_request_review_approved: 'submitted',
  pull_request_review_comment: 'edited',
  pull_request_review_rejected: 'dismissed',
};

const built = (kind: scm.GoScmKind, hook: scm.GoScmHookBody): scm.GoScmHook => ({
  kind,
  repository: hook.Repo.FullName,
  hook,
});

function push(payload: Parsed<typeof Push>, guid: string): scm.GoScmHook {
  const first = payload.commits?.[0];
  // Without commits, go-scm signs the push with the pusher.
  const pusher = {
    name: payload.pusher.full_name,
    email: payload.pusher.email,
    username: payload.pusher.login,
  };
  const signer = ({ name, email, username }: Parsed<typeof Signature>) =>
    scm.signature({ Name: name, Email: email, Date: first?.timestamp ?? scm.zeroTime, Login: username });
  return built(
    'push',
    scm.pushHook({
      Ref: payload.ref,
      Repo: repository(payload.repository),
      Before: payload.before,
      After: payload.after,
      Compare: payload.compare_url,
      Commit: scm.commit({
        Sha: payload.after,
        Message: first?.message ?? '',
        Author: signer(first?.author ?? pusher),
        Committer: signer(first?.committer ?? pusher),
        Link: payload.compare_url,
      }),
      Sender: user(payload.sender),
      GUID: guid,
    }),
  );
}

const refEvent =
  (action: string) =>
  ({ ref, ref_type: kind, sha, repository: repo, sender }: Parsed<typeof Ref>): scm.GoScmHook | undefined => {
    if (kind !== 'branch' && kind !== 'tag') return undefined;
    return built(
      kind,
      scm.refHook({
        // go-scm keeps a tag's sha only.
        Ref: { Name: ref, Path: '', Sha: kind === 'tag' ? sha : '' },
        Repo: repository(repo),
        Action: action,
        Sender: user(sender),
      }),
    );
  };

const pullRequestHook = (payload: Parsed<typeof PullRequestEvent>) =>
  built(
    'pull_request',
    scm.pullRequestHook({
      Action: scm.actionOf(actions, payload.action),
      Repo: repository(payload.repository),
      PullRequest: pullRequest(payload.pull_request),
      Sender: user(payload.sender),
    }),
  );

function issueComment(payload: Parsed<typeof IssueComment>, guid: string): scm.GoScmHook {
  const { issue } = payload;
  const comment = scm.comment({
    ID: payload.comment.id,
    Body: payload.comment.body,
    Author: user(payload.comment.user),
    Created: payload.comment.created_at,
    Updated: payload.comment.updated_at,
  });
  const common = {
    Action: scm.actionOf(actions, payload.action),
    Repo: repository(payload.repository),
    Comment: comment,
    Sender: user(payload.sender),
    GUID: guid,
  };
  const closed = issue.state === 'closed';
  if (!issue.pull_request) {
    return built(
      'issue_comment',
      scm.issueCommentHook({
        ...common,
        Issue: scm.issue({
          Number: issue.number,
          Title: issue.title,
          Body: issue.body,
          Link: issue.url,
          Labels: labels(issue.labels)?.map(({ Name }) => Name) ?? null,
          Closed: closed,
          Author: user(issue.user),
          Assignees: users(issue.assignees),
          Created: issue.created_at,
          Updated: issue.updated_at,
        }),
      }),
    );
  }
  // go-scm asks Gitea's API for the pull request; what the payload's issue shares with it is taken from
  // there. Its branches, commits, mergeability and diff link only the API gives.
  return built(
    'pull_request_comment',
    scm.pullRequestCommentHook({
      ...common,
      PullRequest: scm.pullRequest({
        Number: issue.number,
        Title: issue.title,
        Body: issue.body,
        Labels: labels(issue.labels),
        Ref: `refs/pull/${issue.number}/head`,
        State: issue.state,
        Closed: closed,
        Merged: issue.pull_request.merged,
        Author: user(issue.user),
        Assignees: users(issue.assignees),
        Created: issue.created_at,
        Updated: issue.updated_at,
        Link: issue.html_url,
      }),
    }),
  );
}

const reviewHook = (payload: Parsed<typeof Review>) =>
  built(
    'review',
    scm.reviewHook({
      Action: scm.actionOf(reviewActions, payload.review.type),
      PullRequest: pullRequest(payload.pull_request),
      Repo: repository(payload.repository),
      Review: scm.review({ Body: payload.review.content, Author: user(payload.sender) }),
    }),
  );

function converter<Schema extends z.ZodType>(
  kinds: readonly scm.GoScmKind[],
  schema: Schema,
  convert: (payload: z.output<Schema>, guid: string) => scm.GoScmHook | undefined,
): scm.Converter {
  return {
    kinds,
    build(payload, guid) {
      const parsed = schema.safeParse(payload);
      return parsed.success ? convert(parsed.data, guid) : undefined;
    },
  };
}

// A `create` or `delete` event's ref_type, not its header, tells a branch from a tag.
const refKinds: readonly scm.GoScmKind[] = ['branch', 'tag'];

/**
 * go-scm's hook for each Gitea event built here, by event header. Gitea names a review's event
 * `pull_request_approved`, `pull_request_rejected` or `pull_request_comment`, which go-scm does not know:
 * it reads reviews under `reviewed` (their action) only.
 */
export const giteaConverters: ReadonlyMap<string, scm.Converter> = new Map([
  ['push', converter(['push'], Push, push)],
  ['create', converter(refKinds, Ref, refEvent('created'))],
  ['delete', converter(refKinds, Ref, refEvent('deleted'))],
  ['pull_request', converter(['pull_request'], PullRequestEvent, pullRequestHook)],
  ['issue_comment', converter(['issue_comment', 'pull_request_comment'], IssueComment, issueComment)],
  ['reviewed', converter(['review'], Review, reviewHook)],
]);
