import * as z from 'zod';
import {
  type Credentials,
  type ProviderApi,
  ProviderError,
  type ProviderReads,
  type ProviderWrites,
  type ReportState,
  type Review,
  type StatusState,
  statusLink,
  type Team,
} from './api.ts';
import { providerCaches } from './cache.ts';
import { cachedFileContent, encodePath, maxFileBytes, unlessMissing } from './file-content.ts';
import type { Rest } from './rest.ts';
import { truncate, whoAmI } from './writes.ts';

/** Adding and removing a pull request's labels. */
export type LabelWrites = Pick<ProviderWrites, 'addLabel' | 'removeLabel'>;

/** Assigning a pull request and asking for reviews, and taking them back. */
export type PeopleWrites = Pick<ProviderWrites, 'assign' | 'unassign'>;

/** Where Gitea's API, a copy of GitHub's, says things its own way. */
export interface GithubDialect {
  /** What an org's members check answers when it will not say (GitHub 302, Gitea 303). */
  undisclosedMembership: number;
  /** The query for a full page of a list. */
  fullPage: string;
  /** A commit status's state: GitHub names it `state`, Gitea `status`. */
  statusState(status: Record<string, unknown>): StatusState;
  /** The longest status description kept, in characters. */
  maxDescription: number;
  /** Labels, where they are not GitHub's by name (Gitea's are added and removed by id). */
  labels?(rest: Rest): LabelWrites;
  /** Files, where they are not read from GitHub's contents (Gitea's raw files); the client keeps the answers. */
  fileContent?(rest: Rest): ProviderReads['fileContent'];
  /** Assignees and review requests, where they are not written as GitHub's API takes them (Gitea's). */
  people?(rest: Rest): PeopleWrites;
  /** Each asks its own filter by author (see `ProviderReads.hasOtherPullRequests`). */
  hasOtherPullRequests(rest: Rest): ProviderReads['hasOtherPullRequests'];
  /** Where the API answers whether `user` is in the team: 200 if so (when active), 404 if not. */
  teamMemberPath(org: string, team: Team, user: string): string;
  /** What an issue's `milestone` is set to for none: GitHub's null, Gitea's 0 (null there changes nothing). */
  noMilestone: null | 0;
}

/** The path of a repository in the API. */
export const repoPath = (owner: string, repo: string) =>
  `/repos/${encodeURIComponent(owner)}/${encodeURIComponent(repo)}`;

const PullRequest = z.looseObject({
  number: z.number(),
  state: z.enum(['open', 'closed']),
  merged: z.boolean().optional(),
  // Older Gitea sends none; it marks drafts by a title prefix the instance configures.
  draft: z.boolean().optional(),
  user: z.looseObject({ login: z.string() }),
  // Gitea may send null for none.
  labels: z.array(z.looseObject({ name: z.string() })).nullish(),
  base: z.looseObject({ ref: z.string(), sha: z.string() }),
  head: z.looseObject({ ref: z.string(), sha: z.string() }),
  additions: z.number().optional(),
  deletions: z.number().optional(),
});
const Files = z.array(z.looseObject({ filename: z.string(), previous_filename: z.string().optional() }));
const CombinedStatus = z.looseObject({
  statuses: z.array(z.looseObject({ context: z.string(), target_url: z.string().nullish() })).nullish(),
});
const IssueComment = z.looseObject({
  id: z.number(),
  body: z.string().nullish(),
  // A deleted account's comments have no user; GitHub shows them as `ghost`.
  user: z.looseObject({ login: z.string() }).nullish(),
  created_at: z.string().nullish(),
});
const User = z.looseObject({ login: z.string() });
const Issue = z.looseObject({
  number: z.number(),
  state: z.enum(['open', 'closed']),
  labels: z.array(z.looseObject({ name: z.string() })).nullish(),
});
// GitHub's membership says whether an invitation is still `pending`; Gitea's answer is the user.
const TeamMembership = z.looseObject({ state: z.string().optional() });
const Teams = z.array(z.looseObject({ id: z.number(), name: z.string(), slug: z.string().optional() }));
// GitHub's git commit has the tree at the top; Gitea's, like GitHub's commits API, inside `commit`.
const TreeSha = z.looseObject({ sha: z.string().min(1) });
const GitCommit = z.union([
  z.looseObject({ tree: TreeSha }).transform((commit) => commit.tree.sha),
  z.looseObject({ commit: z.looseObject({ tree: TreeSha }) }).transform((commit) => commit.commit.tree.sha),
]);
// GitHub sets a milestone by its number, Gitea by its id (it has no number).
const Milestones = z.array(
  z.looseObject({ id: z.number(), number: z.number().optional(), title: z.string() }),
);
const CollaboratorPermission = z.looseObject({ permission: z.string() });
/** The permissions that administer a repository: GitHub's `admin`; Gitea's `admin` and its owner's `owner`. */
const adminPermissions = ['admin', 'owner'];
const RepoLabels = z.array(z.looseObject({ name: z.string() }));
const Logins = z.array(z.looseObject({ login: z.string() })).nullish();
const Assigned = z.looseObject({ assignees: Logins, requested_reviewers: Logins });
const Contents = z.union([
  // A directory's entries.
  z.array(z.unknown()),
  // A file, a submodule, or a symlink out of the repository (one to a file answers as the file).
  z.looseObject({
    type: z.string(),
    size: z.number(),
    encoding: z.string().optional(),
    content: z.string().optional(),
  }),
]);
const PullReview = z.looseObject({
  user: z.looseObject({ login: z.string() }).nullish(),
  state: z.string(),
  body: z.string().nullish(),
  submitted_at: z.string().nullish(),
  // Gitea keeps a dismissed review's verdict and marks it dismissed.
  dismissed: z.boolean().optional(),
});

const toComment = (c: z.output<typeof IssueComment>) => ({
  id: c.id,
  author: c.user?.login ?? 'ghost',
  body: c.body ?? '',
  ...(c.created_at ? { at: c.created_at } : {}),
});

/**
 * Neither has `running` nor `aborted`. An aborted job reached no verdict on the code, so it is reported as
 * `error` (could not finish), as Lighthouse's foghorn does, not as a `failure` of the code as Prow does.
 */
const statusStates: Record<ReportState, StatusState> = {
  pending: 'pending',
  running: 'pending',
  success: 'success',
  failure: 'failure',
  error: 'error',
  aborted: 'error',
};

/**
 * GitHub's review states, and Gitea's (`REQUEST_CHANGES`, `COMMENT`); pending reviews, and Gitea's requests
 * for one (`REQUEST_REVIEW`), are left out.
 */
const reviewStates: Record<string, Review['state']> = {
  APPROVED: 'approved',
  CHANGES_REQUESTED: 'changes_requested',
  REQUEST_CHANGES: 'changes_requested',
  COMMENTED: 'commented',
  COMMENT: 'commented',
  DISMISSED: 'dismissed',
};

/**
 * GitHub's contents, as JSON rather than the raw media type: a directory answers a list there too, told
 * apart here by its shape instead of guessed from text. The base64 content (4 bytes for 3, in lines of 60)
 * and the links beside it fit in twice the file's cap.
 */
function githubFile(rest: Rest): ProviderReads['fileContent'] {
  return async (owner, repo, path, ref) => {
    const call = {
      owner,
      repo,
      path: `${repoPath(owner, repo)}/contents/${encodePath(path)}?ref=${encodeURIComponent(ref)}`,
      maxBytes: 2 * maxFileBytes,
    };
    const answer = await unlessMissing(rest.json(call, Contents));
    const file = answer?.body;
    if (!file || Array.isArray(file) || file.type !== 'file') return undefined;
    const what = `${owner}/${repo}:${path} at ${ref}`;
    if (file.size > maxFileBytes) {
      const message = `${what} is ${file.size} bytes, larger than ${maxFileBytes / 1024} KiB, the most read`;
      throw new ProviderError(message, 200);
    }
    if (file.encoding !== 'base64' || file.content === undefined) {
      throw new ProviderError(`${what} comes without its base64 content`, 200);
    }
    return Buffer.from(file.content, 'base64').toString('utf8');
  };
}

/** GitHub's labels: added by name in a list, removed by name. */
function githubLabels(rest: Rest): LabelWrites {
  return {
    async addLabel(owner, repo, number, label) {
      const path = `${repoPath(owner, repo)}/issues/${number}/labels`;
      // Adding a label the pull request has changes nothing, so the POST may be sent again.
      await rest.send({ owner, repo, method: 'POST', path, body: { labels: [label] }, idempotent: true });
    },
    async removeLabel(owner, repo, number, label) {
      const path = `${repoPath(owner, repo)}/issues/${number}/labels/${encodeURIComponent(label)}`;
      await rest.send({ owner, repo, method: 'DELETE', path, answers: [200, 204, 404] });
    },
  };
}

/** GitHub's assignees and review requests: added to and taken from their lists. */
function githubPeople(rest: Rest): PeopleWrites {
  return {
    async assign(owner, repo, number, logins, as) {
      const path = peoplePath(owner, repo, number, as);
      // A reviewer who may not review makes GitHub refuse the whole request (422): none was asked.
      const { status, body } = await rest.json(
        {
          owner,
          repo,
          method: 'POST',
          path,
          body: { [as]: logins },
          answers: [200, 201, 422],
          idempotent: true,
        },
        Assigned,
      );
      if (status === 422) return logins;
      const named = as === 'assignees' ? body.assignees : body.requested_reviewers;
      const taken = new Set((named ?? []).map((user) => user.login.toLowerCase()));
      return logins.filter((login) => !taken.has(login.toLowerCase()));
    },
    async unassign(owner, repo, number, logins, as) {
      const path = peoplePath(owner, repo, number, as);
      await rest.send({
        owner,
        repo,
        method: 'DELETE',
        path,
        body: { [as]: logins },
        answers: [200, 204, 404],
      });
    },
  };
}

/**
 * The REST API GitHub has and Gitea copies. Membership answers are kept for minutes; pull-request answers
 * for seconds, enough to serve one delivery's several questions with one call, and forgotten when a write
 * changes them. Comments are the pull request's issue comments.
 */
export function githubLikeApi(rest: Rest, dialect: GithubDialect, token: string | Credentials): ProviderApi {
  const { membership, pullRequests, files, statuses, contents, teams, trees } = providerCaches();
  const answers = [204, dialect.undisclosedMembership, 404];
  const yesOrNo = async (owner: string, path: string, repo?: string) =>
    (await rest.send({ owner, ...(repo ? { repo } : {}), path, answers })) === 204;
  const labels = dialect.labels?.(rest) ?? githubLabels(rest);
  const people = dialect.people?.(rest) ?? githubPeople(rest);
  const commentPath = (owner: string, repo: string, id: number) =>
    `${repoPath(owner, repo)}/issues/comments/${id}`;

  return {
    // Gitea's collaborators are the people added to the repository, not an organisation's teams; their
    // members are found by isOrgMember, which the trigger asks next.
    isCollaborator: (owner, repo, user) =>
      membership.get(`collaborator ${owner}/${repo} ${user}`, () =>
        yesOrNo(owner, `${repoPath(owner, repo)}/collaborators/${encodeURIComponent(user)}`, repo),
      ),
    // Someone the provider does not know (404) administers nothing.
    isAdmin: (owner, repo, user) =>
      membership.get(`admin ${owner}/${repo} ${user}`, async () => {
        const path = `${repoPath(owner, repo)}/collaborators/${encodeURIComponent(user)}/permission`;
        const answer = await unlessMissing(rest.json({ owner, repo, path }, CollaboratorPermission));
        return answer !== undefined && adminPermissions.includes(answer.body.permission);
      }),
    isOrgMember: (org, user) =>
      membership.get(`member ${org} ${user}`, () =>
        yesOrNo(org, `/orgs/${encodeURIComponent(org)}/members/${encodeURIComponent(user)}`),
      ),
    pullRequest: (owner, repo, number) =>
      pullRequests.get(`${owner}/${repo}#${number}`, async () => {
        const path = `${repoPath(owner, repo)}/pulls/${number}`;
        const { body: pr } = await rest.json({ owner, repo, path }, PullRequest);
        return {
          number: pr.number,
          author: pr.user.login,
          state: pr.merged ? 'merged' : pr.state,
          draft: pr.draft ?? false,
          labels: (pr.labels ?? []).map((l) => l.name),
          baseRef: pr.base.ref,
          baseSha: pr.base.sha,
          headRef: pr.head.ref,
          headSha: pr.head.sha,
          ...(pr.additions !== undefined && pr.deletions !== undefined
            ? { changedLines: pr.additions + pr.deletions }
            : {}),
        };
      }),
    changedFiles: (owner, repo, number) =>
      files.get(`${owner}/${repo}#${number}`, async () => {
        const path = `${repoPath(owner, repo)}/pulls/${number}/files?${dialect.fullPage}`;
        const changed = await rest.pages({ owner, repo, path }, Files);
        return changed.flatMap((f) =>
          f.previous_filename ? [f.filename, f.previous_filename] : [f.filename],
        );
      }),
    async repoLabels(owner, repo) {
      const path = `${repoPath(owner, repo)}/labels?${dialect.fullPage}`;
      return (await rest.pages({ owner, repo, path }, RepoLabels)).map((label) => label.name);
    },
    commitStatuses: (owner, repo, sha) =>
      statuses.get(`${owner}/${repo}@${sha}`, async () => {
        const path = `${repoPath(owner, repo)}/commits/${encodeURIComponent(sha)}/status?${dialect.fullPage}`;
        const { body } = await rest.json({ owner, repo, path }, CombinedStatus);
        return (body.statuses ?? []).map((s) => ({
          context: s.context,
          state: dialect.statusState(s),
          ...statusLink(s.target_url),
        }));
      }),
    fileContent: cachedFileContent(contents, dialect.fileContent?.(rest) ?? githubFile(rest)),
    async reviews(owner, repo, number) {
      const path = `${repoPath(owner, repo)}/pulls/${number}/reviews?${dialect.fullPage}`;
      const all = await rest.pages({ owner, repo, path }, z.array(PullReview));
      return all.flatMap((review) => {
        const state = review.dismissed ? 'dismissed' : reviewStates[review.state];
        if (!state) return [];
        const at = review.submitted_at ? { at: review.submitted_at } : {};
        return [{ author: review.user?.login ?? 'ghost', state, body: review.body ?? '', ...at }];
      });
    },
    hasOtherPullRequests: dialect.hasOtherPullRequests(rest),
    async issue(owner, repo, number) {
      const path = `${repoPath(owner, repo)}/issues/${number}`;
      const { body } = await rest.json({ owner, repo, path }, Issue);
      return { number: body.number, state: body.state, labels: (body.labels ?? []).map((l) => l.name) };
    },
    isTeamMember: (org, team, user) =>
      membership.get(`team ${org} ${team.slug} ${team.id} ${user}`, async () => {
        const path = dialect.teamMemberPath(org, team, user);
        const answer = await unlessMissing(rest.json({ owner: org, path }, TeamMembership));
        return answer !== undefined && (answer.body.state ?? 'active') === 'active';
      }),
    async milestones(owner, repo) {
      const path = `${repoPath(owner, repo)}/milestones?state=open&${dialect.fullPage}`;
      const all = await rest.pages({ owner, repo, path }, Milestones);
      return all.map((milestone) => ({ id: milestone.number ?? milestone.id, title: milestone.title }));
    },
    teamNamed: (org, name) =>
      teams.get(`${org} ${name}`, async () => {
        const path = `/orgs/${encodeURIComponent(org)}/teams?${dialect.fullPage}`;
        const team = (await rest.pages({ owner: org, path }, Teams)).find((each) => each.name === name);
        return team && { id: team.id, slug: team.slug ?? '' };
      }),
    treeOf: (owner, repo, sha) =>
      trees.get(`${owner}/${repo}@${sha}`, async () => {
        // Gitea lists the commit's files unless told not to; GitHub's git commit never does.
        const path = `${repoPath(owner, repo)}/git/commits/${encodeURIComponent(sha)}?stat=false&files=false&verification=false`;
        return (await rest.json({ owner, repo, path }, GitCommit)).body;
      }),

    async createStatus(owner, repo, sha, status) {
      await rest.send({
        owner,
        repo,
        method: 'POST',
        path: `${repoPath(owner, repo)}/statuses/${encodeURIComponent(sha)}`,
        body: {
          state: statusStates[status.state],
          context: status.context,
          description: truncate(status.description, dialect.maxDescription),
          target_url: status.targetUrl,
        },
        // The latest status of a context is the one shown, so sending it twice shows the same.
        idempotent: true,
      });
      statuses.delete(`${owner}/${repo}@${sha}`);
    },
    async comments(owner, repo, number) {
      const path = `${repoPath(owner, repo)}/issues/${number}/comments?${dialect.fullPage}`;
      return (await rest.pages({ owner, repo, path }, z.array(IssueComment))).map(toComment);
    },
    async createComment(owner, repo, number, body, options) {
      const path = `${repoPath(owner, repo)}/issues/${number}/comments`;
      const idempotent = options?.safeToRetry === true;
      const created = await rest.json(
        { owner, repo, method: 'POST', path, body: { body }, idempotent },
        IssueComment,
      );
      return toComment(created.body);
    },
    async editComment(owner, repo, _number, id, body) {
      await rest.send({ owner, repo, method: 'PATCH', path: commentPath(owner, repo, id), body: { body } });
    },
    async deleteComment(owner, repo, _number, id) {
      const path = commentPath(owner, repo, id);
      await rest.send({ owner, repo, method: 'DELETE', path, answers: [200, 204, 404] });
    },
    hasLabels: true,
    hasAssignees: true,
    async addLabel(owner, repo, number, label) {
      await labels.addLabel(owner, repo, number, label);
      pullRequests.delete(`${owner}/${repo}#${number}`);
    },
    async removeLabel(owner, repo, number, label) {
      await labels.removeLabel(owner, repo, number, label);
      pullRequests.delete(`${owner}/${repo}#${number}`);
    },
    whoAmI: whoAmI(token, async () => (await rest.json({ owner: '', path: '/user' }, User)).body.login),
    assign: people.assign,
    unassign: people.unassign,
    async setMilestone(owner, repo, number, milestone) {
      const path = `${repoPath(owner, repo)}/issues/${number}`;
      const body = { milestone: milestone ?? dialect.noMilestone };
      await rest.send({ owner, repo, method: 'PATCH', path, body });
    },
  };
}

/** Where GitHub keeps a pull request's assignees (its issue's) or its review requests. */
function peoplePath(owner: string, repo: string, number: number, as: 'assignees' | 'reviewers'): string {
  return as === 'assignees'
    ? `${repoPath(owner, repo)}/issues/${number}/assignees`
    : `${repoPath(owner, repo)}/pulls/${number}/requested_reviewers`;
}
