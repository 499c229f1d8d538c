import * as z from 'zod';
import {
  type PeopleRole,
  type ProviderApi,
  ProviderError,
  type ReportState,
  type StatusState,
  statusLink,
} from './api.ts';
import { providerCaches, TtlCache } from './cache.ts';
import { cachedFileContent, maxFileBytes, unlessMissing } from './file-content.ts';
import { type ClientOptions, restClient } from './rest.ts';
import { truncate, whoAmI } from './writes.ts';

export interface GitlabApiOptions extends ClientOptions {
  /** `https://gitlab.com/api/v4`, or your instance's `/api/v4`. */
  baseUrl?: string;
}

/** Developer: the lowest GitLab role that may push, which is what Lighthouse means by collaborator. */
const developerAccess = 30;
/** Owner: the only GitLab role go-scm reads as admin (Maintainer, 40, is write to it). */
const ownerAccess = 50;

const Users = z.array(z.looseObject({ id: z.number(), username: z.string() }));
const Member = z.looseObject({ access_level: z.number() });
const MergeRequest = z.looseObject({
  iid: z.number(),
  state: z.enum(['opened', 'closed', 'merged', 'locked']),
  draft: z.boolean().optional(),
  work_in_progress: z.boolean().optional(),
  author: z.looseObject({ username: z.string() }),
  labels: z.array(z.string()),
  source_branch: z.string(),
  target_branch: z.string(),
  sha: z.string(),
  diff_refs: z.looseObject({ base_sha: z.string() }).nullable(),
});
const Diffs = z.array(z.looseObject({ old_path: z.string(), new_path: z.string() }));
const Statuses = z.array(
  z.looseObject({ name: z.string(), status: z.string(), target_url: z.string().nullish() }),
);
const Note = z.looseObject({
  id: z.number(),
  body: z.string(),
  author: z.looseObject({ username: z.string() }),
  // Notes GitLab writes itself ("added 1 commit", "changed the description").
  system: z.boolean().optional(),
  created_at: z.string().optional(),
});
// A status created (201), or a refusal (400) whose message may say the status is already in that state.
const StatusAnswer = z.looseObject({ message: z.unknown().optional() });
const User = z.looseObject({ username: z.string() });
const People = z.array(z.looseObject({ id: z.number() })).nullish();
const MergeRequestPeople = z.looseObject({ assignees: People, reviewers: People });
const Approvals = z.looseObject({
  approved_by: z.array(z.looseObject({ user: z.looseObject({ username: z.string() }) })).nullish(),
});

const statusStates: Record<string, StatusState> = {
  success: 'success',
  failed: 'failure',
  canceled: 'error',
};

/** GitLab has no `error`: a job that could not finish fails; an aborted one is `canceled`. */
const reportStates: Record<ReportState, string> = {
  pending: 'pending',
  running: 'running',
  success: 'success',
  failure: 'failed',
  error: 'failed',
  aborted: 'canceled',
};

/** The description kept: GitLab documents no limit; 255 is our choice, as much as its pages show. */
const maxDescription = 255;

/**
 * Whether GitLab refused a status because the context already holds that state: it will not move
 * `running` to `running` or `pending` to `pending` ("Cannot transition status via :run from :running").
 */
function alreadyInState(message: unknown, state: string): boolean {
  const from = /^Cannot transition status via :\w+ from :(\w+)/.exec(
    typeof message === 'string' ? message : '',
  );
  return from?.[1] === state;
}

const toComment = (note: z.output<typeof Note>) => ({
  id: note.id,
  author: note.author.username,
  body: note.body,
  ...(note.created_at ? { at: note.created_at } : {}),
});

/**
 * The GitLab REST API (v4): what the trigger asks, cached as githubApi is, and what Lighthouse writes back.
 * Comments are the merge request's notes, GitLab's own system notes left out. Reviews are the merge
 * request's approvals: GitLab keeps no other verdict.
 */
export function gitlabApi(options: GitlabApiOptions): ProviderApi {
  const rest = restClient({
    ...options,
    baseUrl: options.baseUrl ?? 'https://gitlab.com/api/v4',
    authorize: (token) => ({ 'private-token': token }),
  });
  const userIds = new TtlCache<number | undefined>({ maxEntries: 2000, ttlMs: 60 * 60_000 });
  const { membership, pullRequests: mergeRequests, files, statuses, contents } = providerCaches();
  // Owners may be nested groups (`group/subgroup`); the API takes the whole path, encoded, as the id.
  const project = (owner: string, repo: string) => `/projects/${encodeURIComponent(`${owner}/${repo}`)}`;
  const userId = (owner: string, username: string) =>
    userIds.get(username.toLowerCase(), async () => {
      const path = `/users?username=${encodeURIComponent(username)}`;
      const { body } = await rest.json({ owner, path }, Users);
      return body.find((u) => u.username.toLowerCase() === username.toLowerCase())?.id;
    });
  const memberWith = async (owner: string, repo: string, path: string, minimum: number) => {
    const { body } = await rest.json({ owner, repo, path }, Member).catch((error: unknown) => {
      if (error instanceof ProviderError && error.status === 404) return { body: undefined };
      throw error;
    });
    return body !== undefined && body.access_level >= minimum;
  };
  const notes = (owner: string, repo: string, number: number) =>
    `${project(owner, repo)}/merge_requests/${number}/notes`;
  const updateLabels = async (
    owner: string,
    repo: string,
    number: number,
    change: 'add_labels' | 'remove_labels',
    label: string,
  ) => {
    // GitLab takes names comma-separated, and a GitLab label's name cannot hold a comma.
    if (label.includes(','))
      throw new ProviderError(`a GitLab label cannot contain a comma: "${label}"`, 400);
    const path = `${project(owner, repo)}/merge_requests/${number}`;
    await rest.send({ owner, repo, method: 'PUT', path, body: { [change]: label } });
    mergeRequests.delete(`${owner}/${repo}!${number}`);
  };

  /** A merge request's assignees or reviewers, by id: GitLab sets each list whole. */
  const people = async (owner: string, repo: string, number: number, as: PeopleRole) => {
    const path = `${project(owner, repo)}/merge_requests/${number}`;
    const { body } = await rest.json({ owner, repo, path }, MergeRequestPeople);
    return (body[as] ?? []).map((user) => user.id);
  };
  /** Sets the list, resolving to the ids GitLab kept (it drops some: one assignee on its free tier). */
  const setPeople = async (owner: string, repo: string, number: number, as: PeopleRole, ids: number[]) => {
    const path = `${project(owner, repo)}/merge_requests/${number}`;
    const field = as === 'assignees' ? 'assignee_ids' : 'reviewer_ids';
    // Setting the same list twice sets the same people.
    const call = { owner, repo, method: 'PUT', path, body: { [field]: ids }, idempotent: true } as const;
    const { body } = await rest.json(call, MergeRequestPeople);
    mergeRequests.delete(`${owner}/${repo}!${number}`);
    // A GitLab that does not answer with the list (reviewers before 13.7) is taken at its word.
    const answered = body[as];
    return new Set(answered ? answered.map((user) => user.id) : ids);
  };

  return {
    isCollaborator: (owner, repo, user) =>
      membership.get(`collaborator ${owner}/${repo} ${user}`, async () => {
        const id = await userId(owner, user);
        return (
          id !== undefined &&
          memberWith(owner, repo, `${project(owner, repo)}/members/all/${id}`, developerAccess)
        );
      }),
    isAdmin: (owner, repo, user) =>
      membership.get(`admin ${owner}/${repo} ${user}`, async () => {
        // A project in a user's own namespace is theirs, whether or not GitLab lists them as its member.
        if (owner.toLowerCase() === user.toLowerCase()) return true;
        const id = await userId(owner, user);
        return (
          id !== undefined &&
          memberWith(owner, repo, `${project(owner, repo)}/members/all/${id}`, ownerAccess)
        );
      }),
    isOrgMember: (org, user) =>
      membership.get(`member ${org} ${user}`, async () => {
        const id = await userId(org, user);
        if (id === undefined) return false;
        const path = `/groups/${encodeURIComponent(org)}/members/all/${id}`;
        return (await rest.send({ owner: org, path, answers: [200, 404] })) === 200;
      }),
    pullRequest: (owner, repo, number) =>
      mergeRequests.get(`${owner}/${repo}!${number}`, async () => {
        const path = `${project(owner, repo)}/merge_requests/${number}`;
        const { body: mr } = await rest.json({ owner, repo, path }, MergeRequest);
        return {
          number: mr.iid,
          author: mr.author.username,
          state: mr.state === 'opened' ? 'open' : mr.state === 'merged' ? 'merged' : 'closed',
          draft: mr.draft ?? mr.work_in_progress ?? false,
          labels: mr.labels,
          baseRef: mr.target_branch,
          baseSha: mr.diff_refs?.base_sha ?? '',
          headRef: mr.source_branch,
          headSha: mr.sha,
        };
      }),
    changedFiles: (owner, repo, number) =>
      files.get(`${owner}/${repo}!${number}`, async () => {
        const path = `${project(owner, repo)}/merge_requests/${number}/diffs?per_page=100`;
        const diffs = await rest.pages({ owner, repo, path }, Diffs);
        return [...new Set(diffs.flatMap((d) => [d.new_path, d.old_path]))];
      }),
    async repoLabels(owner, repo) {
      const path = `${project(owner, repo)}/labels?per_page=100&include_ancestor_groups=true`;
      return (await rest.pages({ owner, repo, path }, z.array(z.looseObject({ name: z.string() })))).map(
        (label) => label.name,
      );
    },
    commitStatuses: (owner, repo, sha) =>
      statuses.get(`${owner}/${repo}@${sha}`, async () => {
        const path = `${project(owner, repo)}/repository/commits/${encodeURIComponent(sha)}/statuses?per_page=100`;
        const all = await rest.pages({ owner, repo, path }, Statuses);
        return all.map((s) => ({
          context: s.name,
          state: statusStates[s.status] ?? 'pending',
          ...statusLink(s.target_url),
        }));
      }),
    fileContent: cachedFileContent(contents, (owner, repo, path, ref) => {
      // The whole path is one segment; GitLab's documentation encodes its dots too (`lib%2Fclass%2Erb`).
      const file = encodeURIComponent(path).replaceAll('.', '%2E');
      const raw = `${project(owner, repo)}/repository/files/${file}/raw?ref=${encodeURIComponent(ref)}`;
      return unlessMissing(rest.text({ owner, repo, path: raw, maxBytes: maxFileBytes }));
    }),
    async reviews(owner, repo, number) {
      const path = `${project(owner, repo)}/merge_requests/${number}/approvals`;
      const { body } = await rest.json({ owner, repo, path }, Approvals);
      return (body.approved_by ?? []).map(({ user }) => ({
        author: user.username,
        state: 'approved' as const,
        body: '',
      }));
    },
    async hasOtherPullRequests(owner, repo, author, number) {
      const query = new URLSearchParams({ author_username: author, state: 'all', per_page: '2' });
      const path = `${project(owner, repo)}/merge_requests?${query}`;
      const { body } = await rest.json({ owner, repo, path }, z.array(z.looseObject({ iid: z.number() })));
      return body.some((mr) => mr.iid !== number);
    },

    async createStatus(owner, repo, sha, status) {
      const state = reportStates[status.state];
      const path = `${project(owner, repo)}/statuses/${encodeURIComponent(sha)}`;
      const { status: answered, body } = await rest.json(
        {
          owner,
          repo,
          method: 'POST',
          path,
          body: {
            state,
            name: status.context,
            description: truncate(status.description, maxDescription),
            target_url: status.targetUrl,
          },
          answers: [200, 201, 400],
          // The latest status of a name is the one shown, so sending it twice shows the same.
          idempotent: true,
        },
        StatusAnswer,
      );
      if (answered === 400 && !alreadyInState(body.message, state)) {
        throw new ProviderError(`POST ${path}: HTTP 400 ${JSON.stringify(body).slice(0, 200)}`, 400);
      }
      statuses.delete(`${owner}/${repo}@${sha}`);
    },
    async comments(owner, repo, number) {
      const path = `${notes(owner, repo, number)}?sort=asc&order_by=created_at&per_page=100`;
      const all = await rest.pages({ owner, repo, path }, z.array(Note));
      return all.filter((note) => !note.system).map(toComment);
    },
    async createComment(owner, repo, number, body, options) {
      const idempotent = options?.safeToRetry === true;
      const path = notes(owner, repo, number);
      const created = await rest.json(
        { owner, repo, method: 'POST', path, body: { body }, idempotent },
        Note,
      );
      return toComment(created.body);
    },
    async editComment(owner, repo, number, id, body) {
      await rest.send({
        owner,
        repo,
        method: 'PUT',
        path: `${notes(owner, repo, number)}/${id}`,
        body: { body },
      });
    },
    async deleteComment(owner, repo, number, id) {
      const path = `${notes(owner, repo, number)}/${id}`;
      await rest.send({ owner, repo, method: 'DELETE', path, answers: [200, 204, 404] });
    },
    hasLabels: true,
    hasAssignees: true,
    addLabel: (owner, repo, number, label) => updateLabels(owner, repo, number, 'add_labels', label),
    removeLabel: (owner, repo, number, label) => updateLabels(owner, repo, number, 'remove_labels', label),
    whoAmI: whoAmI(
      options.token,
      async () => (await rest.json({ owner: '', path: '/user' }, User)).body.username,
    ),
    async assign(owner, repo, number, logins, as) {
      const found = await Promise.all(
        logins.map(async (login) => ({ login, id: await userId(owner, login) })),
      );
      const ids = found.flatMap((user) => (user.id === undefined ? [] : [user.id]));
      let kept = new Set<number>();
      if (ids.length > 0) {
        const current = await people(owner, repo, number, as);
        const wanted = [...new Set([...current, ...ids])];
        // Everyone already there: nothing to set.
        kept =
          wanted.length === current.length
            ? new Set(current)
            : await setPeople(owner, repo, number, as, wanted);
      }
      return found.filter((user) => user.id === undefined || !kept.has(user.id)).map((user) => user.login);
    },
    async unassign(owner, repo, number, logins, as) {
      const ids = (await Promise.all(logins.map((login) => userId(owner, login)))).filter(
        (id): id is number => id !== undefined,
      );
      const current = await people(owner, repo, number, as);
      const kept = current.filter((id) => !ids.includes(id));
      if (kept.length !== current.length) await setPeople(owner, repo, number, as, kept);
    },
  };
}
