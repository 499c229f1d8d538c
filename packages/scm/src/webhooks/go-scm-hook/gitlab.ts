import * as z from 'zod';
import { goInt, goSlice, goString, goStrings, goStruct } from './go-json.ts';
import * as scm from './model.ts';

// GitLab's payloads read as go-scm's GitLab driver reads them (scm/driver/gitlab/webhook.go), quirks
// included: a merge request hook's author is the user who acted, its base ref the default branch.

const Project = goStruct({
  id: goInt,
  name: goString,
  namespace: goString,
  web_url: goString,
  git_ssh_url: goString,
  git_http_url: goString,
  path_with_namespace: goString,
  default_branch: goString,
});

const Push = z.object({
  object_kind: goString,
  before: goString,
  after: goString,
  ref: goString,
  checkout_sha: goString,
  user_name: goString,
  user_username: goString,
  user_email: goString,
  user_avatar: goString,
  project: Project,
  commits: goSlice(
    z.object({ message: goString, url: goString, added: goStrings, modified: goStrings, removed: goStrings }),
  ),
});

const HookUser = goStruct({ name: goString, username: goString, avatar_url: goString });

const MergeRequestFields = {
  iid: goInt,
  title: goString,
  description: goString,
  state: goString,
  source_branch: goString,
  target_branch: goString,
  url: goString,
  merge_commit_sha: goString,
  source: Project,
  target: Project,
  last_commit: goStruct({ id: goString }),
};

const MergeRequest = z.object({
  user: HookUser,
  project: Project,
  object_attributes: goStruct({
    ...MergeRequestFields,
    action: goString,
    oldrev: goString,
  }),
});

const Note = z.object({
  user: HookUser,
  project: Project,
  object_attributes: goStruct({
    id: goInt,
    note: goString,
    noteable_type: goString,
    author_id: goInt,
    created_at: goString,
    updated_at: goString,
  }),
  merge_request: goStruct({
    ...MergeRequestFields,
    author_id: goInt,
    created_at: goString,
    updated_at: goString,
  }),
  issue: goStruct({ iid: goInt, title: goString, description: goString, state: goString }),
});

type Parsed<Schema extends z.ZodType> = z.output<Schema>;

const zeroSha = '0000000000000000000000000000000000000000';

/** `path_with_namespace` split at its first slash, as go-scm splits it. */
function repository(from: Parsed<typeof Project>) {
  const path = from.path_with_namespace;
  const slash = path.indexOf('/');
  return scm.repository({
    ID: String(from.id),
    Namespace: slash === -1 ? '' : path.slice(0, slash),
    Name: slash === -1 ? path : path.slice(slash + 1),
    FullName: path,
    Branch: from.default_branch,
    Clone: from.git_http_url,
    CloneSSH: from.git_ssh_url,
    Link: from.web_url,
  });
}

/** go-scm parses GitLab's `2017-12-10 17:01:11 UTC` (any other form is the zero time), at offset 0. */
function gitlabTime(text: string): string {
  const match = /^(\d{4}-\d{2}-\d{2}) (\d{2}:\d{2}:\d{2}) [A-Z]{3,5}$/.exec(text);
  return match ? `${match[1]}T${match[2]}Z` : scm.zeroTime;
}

const stateOf = (state: string) => (state === 'opened' ? 'open' : 'closed');

// The source project's namespace (its owner's name, not always the path's first part) and name.
const fork = (source: Parsed<typeof Project>) => `${source.namespace}/${source.name}`;

function push(payload: Parsed<typeof Push>): scm.GoScmHook {
  const repo = repository(payload.project);
  const sender = scm.user({
    Login: payload.user_username,
    Name: payload.user_name,
    Email: payload.user_email,
    Avatar: payload.user_avatar,
  });
  const created = payload.before === zeroSha;
  const deleted = payload.after === zeroSha;
  if (!created && deleted && (payload.object_kind === 'push' || payload.object_kind === 'tag_push')) {
    const hook = scm.refHook({
      Ref: { Name: payload.ref.replace(/^refs\/(heads|tags)\//, ''), Path: '', Sha: payload.before },
      Repo: repo,
      Action: 'deleted',
      Sender: sender,
    });
    return { kind: payload.object_kind === 'push' ? 'branch' : 'tag', repository: repo.FullName, hook };
  }
  const signer = scm.signature({
    Login: payload.user_username,
    Name: payload.user_name,
    Email: payload.user_email,
    Avatar: payload.user_avatar,
  });
  const commits = payload.commits ?? [];
  const last = commits.at(-1);
  const hook = scm.pushHook({
    Ref: payload.ref.startsWith('refs/') ? payload.ref : `refs/heads/${payload.ref}`,
    Repo: repo,
    After: payload.after,
    Commits: last
      ? commits.map((each) => ({
          ID: each.url,
          Message: each.message,
          Added: each.added,
          Removed: each.removed,
          Modified: each.modified,
        }))
      : null,
    Commit: scm.commit({
      Sha: payload.checkout_sha,
      Message: last?.message ?? '',
      Author: signer,
      Committer: signer,
      Link: last?.url ?? '',
    }),
    Sender: sender,
  });
  return { kind: 'push', repository: repo.FullName, hook };
}

const mergeRequestActions: Readonly<Record<string, string>> = {
  open: 'opened',
  close: 'closed',
  reopen: 'reopened',
  merge: 'merged',
  update: 'updated',
};

function mergeRequest(payload: Parsed<typeof MergeRequest>): scm.GoScmHook | undefined {
  const attributes = payload.object_attributes;
  const given = attributes.action || 'open';
  // go-scm refuses the other actions (approved, unapproved, ...) as unknown webhooks.
  const action = Object.hasOwn(mergeRequestActions, given) ? mergeRequestActions[given] : undefined;
  if (action === undefined) return undefined;
  const repo = repository(payload.project);
  const author = scm.user({
    Login: payload.user.username,
    Name: payload.user.name,
    Avatar: payload.user.avatar_url,
  });
  const sha = attributes.last_commit.id;
  const hook = scm.pullRequestHook({
    Action: action,
    Repo: repo,
    PullRequest: scm.pullRequest({
      Number: attributes.iid,
      Title: attributes.title,
      Body: attributes.description,
      Sha: sha,
      Ref: `refs/merge-requests/${attributes.iid}/head`,
      Source: attributes.source_branch,
      Target: attributes.target_branch,
      Base: scm.pullRequestBranch({ Ref: repo.Branch, Repo: repository(attributes.target) }),
      Head: scm.pullRequestBranch({ Sha: sha, Repo: repository(attributes.source) }),
      Fork: fork(attributes.source),
      State: stateOf(attributes.state),
      Closed: attributes.state !== 'opened',
      Merged: attributes.state === 'merged',
      MergeSha: attributes.merge_commit_sha,
      Author: author,
      Link: attributes.url,
    }),
    Sender: author,
  });
  hook.Changes.Base.Sha.From = attributes.oldrev;
  return { kind: 'pull_request', repository: repo.FullName, hook };
}

function note(payload: Parsed<typeof Note>): scm.GoScmHook | undefined {
  const attributes = payload.object_attributes;
  const repo = repository(payload.project);
  // go-scm asks GitLab's API for the author by id; the hook's user is the note's author, so it is taken
  // from there. Only the API would give the email and profile link.
  const commenter = scm.user({
    ID: attributes.author_id,
    Login: payload.user.username,
    Name: payload.user.name,
    Avatar: payload.user.avatar_url,
  });
  const comment = scm.comment({
    ID: attributes.id,
    Body: attributes.note,
    Author: commenter,
    Created: gitlabTime(attributes.created_at),
    Updated: gitlabTime(attributes.updated_at),
  });
  if (attributes.noteable_type === 'Issue') {
    const { issue } = payload;
    const hook = scm.issueCommentHook({
      Action: 'created',
      Repo: repo,
      Issue: scm.issue({
        Number: issue.iid,
        Title: issue.title,
        Body: issue.description,
        Author: commenter,
        Created: comment.Created,
        Updated: comment.Updated,
        Closed: issue.state !== 'opened',
      }),
      Comment: comment,
      Sender: commenter,
    });
    return { kind: 'issue_comment', repository: repo.FullName, hook };
  }
  if (attributes.noteable_type !== 'MergeRequest') return undefined;
  const request = payload.merge_request;
  const sha = request.last_commit.id;
  const author = request.author_id === attributes.author_id ? commenter : scm.user({ ID: request.author_id });
  const hook = scm.pullRequestCommentHook({
    Action: 'created',
    Repo: repo,
    PullRequest: scm.pullRequest({
      Number: request.iid,
      Title: request.title,
      Body: request.description,
      Sha: sha,
      Ref: `refs/merge-requests/${request.iid}/head`,
      Source: request.source_branch,
      Target: request.target_branch,
      Base: scm.pullRequestBranch({ Ref: request.target_branch, Repo: repository(request.target) }),
      Head: scm.pullRequestBranch({ Ref: request.source_branch, Sha: sha, Repo: repository(request.source) }),
      Fork: fork(request.source),
      State: stateOf(request.state),
      Closed: request.state !== 'opened',
      Merged: request.state === 'merged',
      Author: author,
      Created: gitlabTime(request.created_at),
      Updated: gitlabTime(request.updated_at),
      Link: request.url,
    }),
    Comment: comment,
    Sender: commenter,
  });
  return { kind: 'pull_request_comment', repository: repo.FullName, hook };
}

function converter<Schema extends z.ZodType>(
  kinds: readonly scm.GoScmKind[],
  schema: Schema,
  convert: (payload: z.output<Schema>) => scm.GoScmHook | undefined,
): scm.Converter {
  return {
    kinds,
    build(payload) {
      const parsed = schema.safeParse(payload);
      return parsed.success ? convert(parsed.data) : undefined;
    },
  };
}

// A push's object_kind, not its header, tells a branch's deletion from a tag's.
const pushKinds: readonly scm.GoScmKind[] = ['push', 'branch', 'tag'];

/** go-scm's hook for each GitLab event built here, by event header. */
export const gitlabConverters: ReadonlyMap<string, scm.Converter> = new Map([
  ['Push Hook', converter(pushKinds, Push, push)],
  ['Tag Push Hook', converter(pushKinds, Push, push)],
  ['Merge Request Hook', converter(['pull_request'], MergeRequest, mergeRequest)],
  ['Note Hook', converter(['issue_comment', 'pull_request_comment'], Note, note)],
]);
