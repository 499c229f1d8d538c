import * as z from 'zod';
import { type PullRequestAction, type Repo, Sha } from '../events.ts';
import { changedFiles, isZeroSha, refTarget } from './git-refs.ts';
import { RepoPath } from './names.ts';
import {
  type Delivery,
  found,
  ignored,
  ignoredAction,
  type NormaliseResult,
  parsePayload,
} from './normalise-result.ts';

const Project = z.object({
  path_with_namespace: RepoPath,
  git_http_url: z.string(),
  web_url: z.string(),
});

const Push = z.object({
  ref: z.string(),
  before: Sha,
  after: Sha,
  user_username: z.string().min(1).optional(),
  user_id: z.number(),
  project: Project,
  commits: z
    .array(
      z.object({
        added: z.array(z.string()).nullish(),
        removed: z.array(z.string()).nullish(),
        modified: z.array(z.string()).nullish(),
      }),
    )
    .nullish(),
  total_commits_count: z.number().int().nonnegative().optional(),
});

const MergeRequestAction = z.object({
  object_attributes: z.object({ action: z.string().nullish(), oldrev: z.string().nullish() }),
});

const MergeRequest = z.object({
  user: z.object({ username: z.string().min(1), id: z.number().optional() }),
  project: Project,
  labels: z.array(z.object({ title: z.string() })).nullish(),
  object_attributes: z.object({
    iid: z.number().int().positive(),
    title: z.string(),
    url: z.string(),
    author_id: z.number(),
    state: z.string(),
    source_branch: z.string().min(1),
    target_branch: z.string().min(1),
    last_commit: z.object({ id: Sha }),
    draft: z.boolean().optional(),
    work_in_progress: z.boolean().optional(),
  }),
});

const NoteKind = z.object({
  object_attributes: z.object({ noteable_type: z.string(), action: z.string().nullish() }),
});

const Note = z.object({
  user: z.object({ username: z.string().min(1) }),
  project: Project,
  object_attributes: z.object({
    id: z.number().int(),
    note: z.string(),
    author_id: z.number(),
    url: z.string(),
  }),
});

const Iid = z.object({ iid: z.number().int().positive() });
const NoteOnMergeRequest = Note.extend({ merge_request: Iid });
const NoteOnIssue = Note.extend({ issue: Iid });

export function normaliseGitlab(event: string, payload: unknown, delivery: Delivery): NormaliseResult {
  switch (event) {
    // A deleted tag arrives as a Push Hook, so both hooks go through the same ref-based parsing.
    case 'Push Hook':
    case 'Tag Push Hook':
      return push(payload, delivery);
    case 'Merge Request Hook':
      return mergeRequest(payload, delivery);
    case 'Note Hook':
      return note(payload, delivery);
    default:
      return ignored(`gitlab ${event}`);
  }
}

function repo(project: z.output<typeof Project>): Repo {
  const path = project.path_with_namespace;
  const slash = path.lastIndexOf('/');
  return {
    owner: path.slice(0, slash),
    name: path.slice(slash + 1),
    cloneUrl: project.git_http_url,
    link: project.web_url,
  };
}

function push(payload: unknown, delivery: Delivery): NormaliseResult {
  const parsed = parsePayload(Push, payload);
  if (!parsed.ok) return parsed.invalid;
  const { ref, before, after, project, commits, total_commits_count } = parsed.data;
  const target = refTarget(ref);
  if (!target) return ignored(`gitlab push to ${ref}, neither a branch nor a tag`);
  return found({
    type: 'push',
    ...delivery,
    repo: repo(project),
    ref,
    ...target,
    before,
    after,
    deleted: isZeroSha(after),
    changedFiles: changedFiles(commits, total_commits_count),
    sender: { id: String(parsed.data.user_id), login: parsed.data.user_username },
  });
}

function mergeRequestAction(action: string, oldrev: string | undefined): PullRequestAction | undefined {
  switch (action) {
    case 'open':
      return 'opened';
    case 'reopen':
      return 'reopened';
    // An update that moved the source branch carries the previous head as `oldrev`.
    case 'update':
      return oldrev ? 'synchronize' : 'edited';
    case 'close':
    case 'merge':
      return 'closed';
    default:
      return undefined;
  }
}

function mergeRequest(payload: unknown, delivery: Delivery): NormaliseResult {
  const gate = parsePayload(MergeRequestAction, payload);
  if (!gate.ok) return gate.invalid;
  // Older GitLab versions sent no action when a merge request was opened.
  const gitlabAction = gate.data.object_attributes.action || 'open';
  const action = mergeRequestAction(gitlabAction, gate.data.object_attributes.oldrev ?? undefined);
  if (!action) return ignoredAction('gitlab', 'Merge Request Hook', gitlabAction);
  const parsed = parsePayload(MergeRequest, payload);
  if (!parsed.ok) return parsed.invalid;
  const { user, project, labels, object_attributes: mr } = parsed.data;
  return found({
    type: 'pull_request',
    ...delivery,
    action,
    repo: repo(project),
    number: mr.iid,
    title: mr.title,
    author: { id: String(mr.author_id), login: user.id === mr.author_id ? user.username : undefined },
    draft: mr.draft ?? mr.work_in_progress ?? false,
    base: { ref: mr.target_branch },
    head: { ref: mr.source_branch, sha: mr.last_commit.id },
    labels: (labels ?? []).map((label) => label.title),
    merged: gitlabAction === 'merge' || mr.state === 'merged',
    link: mr.url,
  });
}

function note(payload: unknown, delivery: Delivery): NormaliseResult {
  const kind = parsePayload(NoteKind, payload);
  if (!kind.ok) return kind.invalid;
  const { noteable_type: noteable, action } = kind.data.object_attributes;
  if (action && action !== 'create') return ignoredAction('gitlab', 'Note Hook', action);
  if (noteable === 'MergeRequest') {
    const parsed = parsePayload(NoteOnMergeRequest, payload);
    if (!parsed.ok) return parsed.invalid;
    return found({
      type: 'pull_request_comment',
      ...comment(parsed.data, parsed.data.merge_request.iid, delivery),
    });
  }
  if (noteable === 'Issue') {
    const parsed = parsePayload(NoteOnIssue, payload);
    if (!parsed.ok) return parsed.invalid;
    return found({ type: 'issue_comment', ...comment(parsed.data, parsed.data.issue.iid, delivery) });
  }
  return ignored(`gitlab Note Hook on ${noteable}`);
}

const comment = (note: z.output<typeof Note>, number: number, delivery: Delivery) => ({
  ...delivery,
  repo: repo(note.project),
  number,
  commentId: String(note.object_attributes.id),
  body: note.object_attributes.note,
  // The note's `user` is its author; the id comes from the note because older payloads omit `user.id`.
  author: { login: note.user.username, id: String(note.object_attributes.author_id) },
  link: note.object_attributes.url,
});
