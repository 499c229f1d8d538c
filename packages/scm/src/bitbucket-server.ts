import * as z from 'zod';
import {
  type ProviderApi,
  ProviderError,
  type ReportState,
  type Review,
  type StatusState,
  statusLink,
} from './api.ts';
import { providerCaches, TtlCache } from './cache.ts';
import { cachedFileContent, encodePath, maxFileBytes, unlessMissing } from './file-content.ts';
import { type Call, type ClientOptions, type Rest, restClient } from './rest.ts';
import { truncate, whoAmI } from './writes.ts';

export interface BitbucketServerApiOptions extends ClientOptions {
  /** The server's root, `https://<host>[/<context path>]`; the REST paths (`/rest/...`) are added to it. */
  baseUrl: string;
}

/** One page of a Bitbucket list; the next starts at `nextPageStart` until `isLastPage`. */
const Page = <T extends z.ZodType>(item: T) =>
  z.looseObject({
    values: z.array(item),
    isLastPage: z.boolean(),
    start: z.number().optional(),
    nextPageStart: z.number().nullish(),
  });

// Webhook payloads name people by slug (see webhook/normalise-bitbucket-server.ts); `name` is the username.
const User = z.looseObject({ name: z.string(), slug: z.string() });
const Ref = z.looseObject({ displayId: z.string(), latestCommit: z.string() });
const PullRequest = z.looseObject({
  id: z.number(),
  state: z.enum(['OPEN', 'DECLINED', 'MERGED']),
  draft: z.boolean().optional(),
  author: z.looseObject({ user: User }),
  fromRef: Ref,
  toRef: Ref,
});
const Participant = z.looseObject({ user: User, status: z.string() });
const Participants = z.looseObject({
  reviewers: z.array(Participant).optional(),
  participants: z.array(Participant).optional(),
});
const Path = z.looseObject({ components: z.array(z.string()) });
const Change = z.looseObject({ type: z.string(), path: Path, srcPath: Path.nullish() });
const BuildStatus = z.looseObject({ key: z.string(), state: z.string(), url: z.string().nullish() });
const Comment = z.looseObject({
  id: z.number(),
  version: z.number(),
  text: z.string(),
  author: User,
  createdDate: z.number().optional(),
});
const Activity = z.looseObject({
  action: z.string(),
  commentAction: z.string().optional(),
  comment: Comment.optional(),
});
const Repository = z.looseObject({
  links: z.looseObject({ clone: z.array(z.looseObject({ href: z.string(), name: z.string() })) }),
});
/** An error answer: each error names the exception Bitbucket threw (null for some). */
const Errors = z.looseObject({ errors: z.array(z.looseObject({ exceptionName: z.string().nullish() })) });
/** A refused reviewer request whose exception blames what was asked about, not the user: what is wrong. */
const notTheUser: Record<string, (where: { project: string; repo: string; number: number }) => string> = {
  NoSuchPullRequestException: ({ project, repo, number }) =>
    `pull request ${project}/${repo}#${number} does not exist`,
  IllegalPullRequestStateException: ({ project, repo, number }) =>
    `pull request ${project}/${repo}#${number} is not open`,
  NoSuchRepositoryException: ({ project, repo }) => `repository ${project}/${repo} does not exist`,
  NoSuchProjectException: ({ project }) => `project ${project} does not exist`,
};

const pullRequestStates = { OPEN: 'open', DECLINED: 'closed', MERGED: 'merged' } as const;
/** A participant's verdict; `UNAPPROVED` is none. */
const reviewStates: Record<string, Review['state']> = {
  APPROVED: 'approved',
  NEEDS_WORK: 'changes_requested',
};
const buildStates: Record<string, StatusState> = {
  SUCCESSFUL: 'success',
  FAILED: 'failure',
  INPROGRESS: 'pending',
  CANCELLED: 'error',
};

/**
 * Bitbucket has no `error`: a job that could not finish is `FAILED`, red as GitHub shows an error (its
 * `UNKNOWN` would read back as pending); an aborted one is `CANCELLED`.
 */
const reportStates: Record<ReportState, string> = {
  pending: 'INPROGRESS',
  running: 'INPROGRESS',
  success: 'SUCCESSFUL',
  failure: 'FAILED',
  error: 'FAILED',
  aborted: 'CANCELLED',
};

/** Bitbucket keeps a build status's fields to 255 characters (its URL to 450), and refuses longer ones. */
const maxText = 255;

/** Every value of a paged list, up to `maxPages` pages of `pageSize`. */
async function allValues<T extends z.ZodType>(
  rest: Rest,
  call: Call,
  item: T,
  { pageSize = 100, maxPages = 30 } = {},
): Promise<z.output<T>[]> {
  const values: z.output<T>[] = [];
  const separator = call.path.includes('?') ? '&' : '?';
  let start = 0;
  for (let page = 0; page < maxPages; page++) {
    const path = `${call.path}${separator}start=${start}&limit=${pageSize}`;
    const { body } = await rest.json({ ...call, path }, Page(item));
    // Some lists are documented as a single page that ignores `start` (a pull request's changes).
    if ((body.start ?? start) !== start) break;
    values.push(...body.values);
    const next = body.nextPageStart;
    if (body.isLastPage || next == null || next <= start) break;
    start = next;
  }
  return values;
}

/**
 * Bitbucket Server / Data Center's REST API (1.0), as much of it as the trigger asks, cached as githubApi is.
 *
 * Bitbucket has projects and permissions, not organisations and collaborators. Both questions go to the user
 * search filtered by a permission, so that Bitbucket decides who holds it (granted to the user or a group, on
 * the repository or by a higher project or global permission), in one call that any licensed token may
 * make; the permission lists go-scm reads show explicit grants only and need an admin's token.
 * - collaborator: REPO_WRITE or more on the repository, the people who may push, as on GitHub;
 * - organisation member: PROJECT_WRITE or more on the project (the events' owner). Not PROJECT_READ: a
 *   project may grant read to every licensed user by default, and trust must not follow from that.
 */
/**
 * Bitbucket Server / Data Center's REST API (1.0): what the trigger asks, cached as githubApi is, and what
 * Lighthouse writes back.
 *
 * Bitbucket has projects and permissions, not organisations and collaborators. Both questions go to the user
 * search filtered by a permission, so that Bitbucket decides who holds it (granted to the user or a group, on
 * the repository or by a higher project or global permission), in one call that any licensed token may
 * make; the permission lists go-scm reads show explicit grants only and need an admin's token.
 * - collaborator: REPO_WRITE or more on the repository, the people who may push, as on GitHub;
 * - organisation member: PROJECT_WRITE or more on the project (the events' owner). Not PROJECT_READ: a
 *   project may grant read to every licensed user by default, and trust must not follow from that.
 *
 * Build statuses go to the repository's builds resource (Bitbucket 7.4 and later), not the older
 * `/rest/build-status/1.0` one, deprecated since 7.14: it takes `CANCELLED` for an aborted job (the older
 * takes only INPROGRESS, SUCCESSFUL and FAILED) and checks the token's access to the repository. Bitbucket needs a URL on every
 * status: without a target the commit's page on the server is linked. Comments are the pull request's,
 * listed from its activities; editing or deleting one sends the version read just before. Pull requests
 * have no labels: adding or removing one does nothing; nor assignees, all refused. Reviewers are asked one by
 * one, by username. People are named by slug, as in webhooks.
 */
export function bitbucketServerApi(options: BitbucketServerApiOptions): ProviderApi {
  const rest = restClient({ ...options, authorize: (token) => ({ authorization: `Bearer ${token}` }) });
  const { membership, pullRequests, files, statuses, contents } = providerCaches();
  const cloneUrls = new TtlCache<string>({ maxEntries: 500, ttlMs: 60 * 60_000 });
  const server = options.baseUrl.replace(/\/$/, '');
  const repoPath = (project: string, repo: string) =>
    `/rest/api/1.0/projects/${encodeURIComponent(project)}/repos/${encodeURIComponent(repo)}`;
  const commentPath = (project: string, repo: string, number: number, id: number) =>
    `${repoPath(project, repo)}/pull-requests/${number}/comments/${id}`;
  // The search's `filter` matches any part of a name or e-mail address, so the user is then picked exactly.
  const holds = async (project: string, user: string, permission: Record<string, string>) => {
    const query = new URLSearchParams({ filter: user, ...permission });
    const users = await allValues(rest, { owner: project, path: `/rest/api/1.0/users?${query}` }, User);
    const wanted = user.toLowerCase();
    return users.some((u) => u.slug.toLowerCase() === wanted || u.name.toLowerCase() === wanted);
  };
  /** The comment as it is now, for its version; undefined when it is gone. */
  const currentComment = (project: string, repo: string, number: number, id: number) =>
    rest
      .json({ owner: project, repo, path: commentPath(project, repo, number, id) }, Comment)
      .then(({ body }) => body)
      .catch((error: unknown) => {
        if (error instanceof ProviderError && error.status === 404) return undefined;
        throw error;
      });

  return {
    isCollaborator: (project, repo, user) =>
      membership.get(`collaborator ${project}/${repo} ${user}`, () =>
        holds(project, user, {
          permission: 'REPO_WRITE',
          'permission.projectKey': project,
          'permission.repositorySlug': repo,
        }),
      ),
    // Lighthouse asks for an explicit REPO_ADMIN grant, then for PROJECT_ADMIN; Bitbucket's REPO_ADMIN
    // includes both, and grants to groups.
    isAdmin: (project, repo, user) =>
      membership.get(`admin ${project}/${repo} ${user}`, () =>
        holds(project, user, {
          permission: 'REPO_ADMIN',
          'permission.projectKey': project,
          'permission.repositorySlug': repo,
        }),
      ),
    isOrgMember: (project, user) =>
      membership.get(`member ${project} ${user}`, () =>
        holds(project, user, { permission: 'PROJECT_WRITE', 'permission.projectKey': project }),
      ),
    pullRequest: (project, repo, number) =>
      pullRequests.get(`${project}/${repo}#${number}`, async () => {
        const path = `${repoPath(project, repo)}/pull-requests/${number}`;
        const { body: pr } = await rest.json({ owner: project, repo, path }, PullRequest);
        return {
          number: pr.id,
          author: pr.author.user.slug,
          state: pullRequestStates[pr.state],
          draft: pr.draft ?? false,
          // Bitbucket Server's pull requests have no labels.
          labels: [],
          baseRef: pr.toRef.displayId,
          baseSha: pr.toRef.latestCommit,
          headRef: pr.fromRef.displayId,
          headSha: pr.fromRef.latestCommit,
        };
      }),
    changedFiles: (project, repo, number) =>
      files.get(`${project}/${repo}#${number}`, async () => {
        const path = `${repoPath(project, repo)}/pull-requests/${number}/changes?withComments=false`;
        const changes = await allValues(rest, { owner: project, repo, path }, Change, { pageSize: 1000 });
        return changes
          .flatMap((c) => (c.type === 'MOVE' && c.srcPath ? [c.path, c.srcPath] : [c.path]))
          .map((p) => p.components.join('/'));
      }),
    repoLabels: async () => [],
    commitStatuses: (project, repo, sha) =>
      statuses.get(sha, async () => {
        // Build statuses belong to the commit, whichever repository holds it.
        const path = `/rest/build-status/1.0/commits/${encodeURIComponent(sha)}`;
        const all = await allValues(rest, { owner: project, repo, path }, BuildStatus);
        return all.map((s) => ({
          context: s.key,
          state: buildStates[s.state] ?? 'pending',
          ...statusLink(s.url),
        }));
      }),
    cloneUrl: (project, repo) =>
      cloneUrls.get(`${project}/${repo}`, async () => {
        const { body } = await rest.json({ owner: project, repo, path: repoPath(project, repo) }, Repository);
        const http = body.links.clone.find((link) => link.name === 'http' || link.name === 'https');
        if (!http) throw new ProviderError(`${project}/${repo} has no HTTP clone link`, 200);
        return http.href;
      }),
    fileContent: cachedFileContent(contents, (project, repo, path, ref) => {
      const raw = `${repoPath(project, repo)}/raw/${encodePath(path)}?at=${encodeURIComponent(ref)}`;
      return unlessMissing(rest.text({ owner: project, repo, path: raw, maxBytes: maxFileBytes }));
    }),
    async reviews(project, repo, number) {
      // Not the cached pull request: a verdict may change at any time.
      const path = `${repoPath(project, repo)}/pull-requests/${number}`;
      const { body } = await rest.json({ owner: project, repo, path }, Participants);
      return [...(body.reviewers ?? []), ...(body.participants ?? [])].flatMap((p) => {
        const state = reviewStates[p.status];
        return state ? [{ author: p.user.slug, state, body: '' }] : [];
      });
    },
    async hasOtherPullRequests(project, repo, author, number) {
      // The participant filter takes a username, which may differ from the slug events name people by.
      const { body: user } = await rest.json(
        { owner: project, path: `/rest/api/1.0/users/${encodeURIComponent(author)}` },
        User,
      );
      const query = new URLSearchParams({
        state: 'ALL',
        'role.1': 'AUTHOR',
        'username.1': user.name,
        limit: '2',
      });
      const path = `${repoPath(project, repo)}/pull-requests?${query}`;
      const { body } = await rest.json(
        { owner: project, repo, path },
        Page(z.looseObject({ id: z.number() })),
      );
      return body.values.some((pr) => pr.id !== number);
    },

    async createStatus(project, repo, sha, status) {
      const commit = `projects/${encodeURIComponent(project)}/repos/${encodeURIComponent(repo)}/commits/${encodeURIComponent(sha)}`;
      await rest.send({
        owner: project,
        repo,
        method: 'POST',
        path: `/rest/api/latest/${commit}/builds`,
        body: {
          key: status.context,
          name: truncate(status.context, maxText),
          state: reportStates[status.state],
          url: status.targetUrl ?? `${server}/${commit}`,
          description: truncate(status.description, maxText),
        },
        // A build status is kept per key, the latest replacing the one before.
        idempotent: true,
      });
      statuses.delete(sha);
    },
    async comments(project, repo, number) {
      const path = `${repoPath(project, repo)}/pull-requests/${number}/activities`;
      const activities = await allValues(rest, { owner: project, repo, path }, Activity);
      // Activities come newest first; an edit or a reply is an activity of its own.
      return activities
        .flatMap((a) =>
          a.action === 'COMMENTED' && a.commentAction === 'ADDED' && a.comment ? [a.comment] : [],
        )
        .reverse()
        .map((c) => ({
          id: c.id,
          author: c.author.slug,
          body: c.text,
          ...(c.createdDate ? { at: new Date(c.createdDate).toISOString() } : {}),
        }));
    },
    async createComment(project, repo, number, text, options) {
      const path = `${repoPath(project, repo)}/pull-requests/${number}/comments`;
      const idempotent = options?.safeToRetry === true;
      const { body: c } = await rest.json(
        { owner: project, repo, method: 'POST', path, body: { text }, idempotent },
        Comment,
      );
      return { id: c.id, author: c.author.slug, body: c.text };
    },
    async editComment(project, repo, number, id, text) {
      const current = await currentComment(project, repo, number, id);
      if (!current)
        throw new ProviderError(`comment ${id} on ${project}/${repo}#${number} does not exist`, 404);
      const path = commentPath(project, repo, number, id);
      await rest.send({
        owner: project,
        repo,
        method: 'PUT',
        path,
        body: { text, version: current.version },
      });
    },
    async deleteComment(project, repo, number, id) {
      const current = await currentComment(project, repo, number, id);
      if (!current) return;
      const path = `${commentPath(project, repo, number, id)}?version=${current.version}`;
      await rest.send({ owner: project, repo, method: 'DELETE', path, answers: [200, 204, 404] });
    },
    hasLabels: false,
    hasAssignees: false,
    addLabel: async () => {},
    removeLabel: async () => {},
    // Pull requests have reviewers and no assignees: every assignee is refused, so the commenter is answered.
    async assign(project, repo, number, logins, as) {
      if (as === 'assignees') return logins;
      const path = `${repoPath(project, repo)}/pull-requests/${number}/participants`;
      const refused: string[] = [];
      for (const login of logins) {
        // Refused: no such user (404), or one who may not review, such as the author (400 as documented, 409
        // as Data Center answers); unless the exception blames the pull request (missing, closed), its
        // repository or its project, which refuses everyone. The reference says 201 for an added reviewer; servers answer 200.
        const { status, body } = await rest.json(
          {
            owner: project,
            repo,
            method: 'POST',
            path,
            body: { user: { name: login }, role: 'REVIEWER' },
            answers: [200, 201, 400, 404, 409],
            idempotent: true,
          },
          z.unknown(),
        );
        if (status < 400) continue;
        for (const { exceptionName } of Errors.safeParse(body).data?.errors ?? []) {
          const problem = notTheUser[exceptionName?.split('.').pop() ?? ''];
          if (problem) throw new ProviderError(problem({ project, repo, number }), status);
        }
        refused.push(login);
      }
      return refused;
    },
    async unassign(project, repo, number, logins, as) {
      if (as === 'assignees') return;
      for (const login of logins) {
        // The reviewer stays a participant, no longer a reviewer; one not there (404) is gone already.
        const path = `${repoPath(project, repo)}/pull-requests/${number}/participants/${encodeURIComponent(login)}`;
        await rest.send({ owner: project, repo, method: 'DELETE', path, answers: [200, 204, 404] });
      }
    },
    // The applinks servlet names the token's user; the user search then gives the slug comments carry.
    whoAmI: whoAmI(options.token, async () => {
      const name = (await rest.text({ owner: '', path: '/plugins/servlet/applinks/whoami' })).trim();
      if (!name) throw new ProviderError('Bitbucket does not say whom the token acts for', 401);
      const users = await allValues(
        rest,
        { owner: '', path: `/rest/api/1.0/users?filter=${encodeURIComponent(name)}` },
        User,
      );
      const me = users.find((u) => u.name === name);
      if (!me) throw new ProviderError(`Bitbucket's user search does not find "${name}"`, 404);
      return me.slug;
    }),
  };
}
