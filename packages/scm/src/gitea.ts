import * as z from 'zod';
import { type ProviderApi, ProviderError, type ProviderReads, type StatusState } from './api.ts';
import { TtlCache } from './cache.ts';
import { encodePath, maxFileBytes, unlessMissing } from './file-content.ts';
import { githubLikeApi, type LabelWrites, type PeopleWrites, repoPath } from './github-like.ts';
import { type ClientOptions, type Rest, restClient } from './rest.ts';

export interface GiteaApiOptions extends ClientOptions {
  /** The instance's API root, `https://<host>/api/v1`. */
  baseUrl: string;
}

// Gitea's `warning` (and newer `skipped`) are neither a pass nor a failure: left pending, as gitlab.ts does.
const statusStates: Record<string, StatusState> = {
  success: 'success',
  pending: 'pending',
  failure: 'failure',
  error: 'error',
};

/** 50 is Gitea's default ceiling on a page (MAX_RESPONSE_ITEMS). */
const fullPage = 'limit=50';
/** The colour of a label Lighthouse creates: go-scm's, so labels look as they did under Lighthouse. */
const newLabelColor = '#00aabb';

const Labels = z.array(z.looseObject({ id: z.number(), name: z.string() }));
const Label = z.looseObject({ id: z.number(), name: z.string() });

/**
 * Gitea adds and removes an issue's labels by id. The id of a name is the repository's label, else the
 * organisation's (an owner that is a user has none); adding a label neither has creates the repository's.
 * Ids are kept for ten minutes.
 */
function giteaLabels(rest: Rest): LabelWrites {
  const ids = new TtlCache<number | undefined>({ maxEntries: 1000, ttlMs: 10 * 60_000 });
  const find = (owner: string, repo: string, name: string) =>
    ids.get(`${owner}/${repo} ${name}`, async () => {
      const inRepo = await rest.pages(
        { owner, repo, path: `${repoPath(owner, repo)}/labels?${fullPage}` },
        Labels,
      );
      const found = inRepo.find((l) => l.name === name);
      if (found) return found.id;
      const path = `/orgs/${encodeURIComponent(owner)}/labels?${fullPage}`;
      const inOrg = await rest.pages({ owner, path }, Labels).catch((error: unknown) => {
        if (error instanceof ProviderError && error.status === 404) return [];
        throw error;
      });
      return inOrg.find((l) => l.name === name)?.id;
    });
  const create = async (owner: string, repo: string, name: string) => {
    const path = `${repoPath(owner, repo)}/labels`;
    const { body } = await rest.json(
      { owner, repo, method: 'POST', path, body: { name, color: newLabelColor } },
      Label,
    );
    ids.delete(`${owner}/${repo} ${name}`);
    return body.id;
  };

  return {
    async addLabel(owner, repo, number, label) {
      const id = (await find(owner, repo, label)) ?? (await create(owner, repo, label));
      const path = `${repoPath(owner, repo)}/issues/${number}/labels`;
      // Adding a label the issue has changes nothing, so the POST may be sent again.
      await rest.send({ owner, repo, method: 'POST', path, body: { labels: [id] }, idempotent: true });
    },
    async removeLabel(owner, repo, number, label) {
      const id = await find(owner, repo, label);
      if (id === undefined) return;
      const path = `${repoPath(owner, repo)}/issues/${number}/labels/${id}`;
      await rest.send({ owner, repo, method: 'DELETE', path, answers: [200, 204, 404] });
    },
  };
}

const Users = z.array(z.looseObject({ login: z.string() }));
// Gitea sends null for none.
const Assignees = z.looseObject({ assignees: Users.nullish() });

/** The logins, in lower case: Gitea's are not case-sensitive. */
const lowerCase = (logins: string[]) => new Set(logins.map((login) => login.toLowerCase()));

/**
 * Gitea's assignees and review requests. A pull request's assignees are its issue's, which Gitea sets as a
 * whole list: the list is read, and sent back with the logins added or taken out. Gitea fails the whole edit
 * on a login it does not know (422) or may not assign (500), where GitHub leaves it out: only the
 * repository's assignees are sent. Two deliveries editing the list at once can drop one's change.
 * Review requests are GitHub's, but refused whole for a reviewer Gitea does not know (404) or who may not
 * review (422).
 */
function giteaPeople(rest: Rest): PeopleWrites {
  const issuePath = (owner: string, repo: string, number: number) =>
    `${repoPath(owner, repo)}/issues/${number}`;
  const reviewersPath = (owner: string, repo: string, number: number) =>
    `${repoPath(owner, repo)}/pulls/${number}/requested_reviewers`;
  const assigned = async (owner: string, repo: string, number: number) => {
    const { body } = await rest.json({ owner, repo, path: issuePath(owner, repo, number) }, Assignees);
    return (body.assignees ?? []).map((user) => user.login);
  };
  /** Sets the list, resolving to the one Gitea kept. */
  const setAssigned = async (owner: string, repo: string, number: number, logins: string[]) => {
    const path = issuePath(owner, repo, number);
    // Setting the same list twice sets the same people.
    const { body } = await rest.json(
      { owner, repo, method: 'PATCH', path, body: { assignees: logins } },
      Assignees,
    );
    return (body.assignees ?? []).map((user) => user.login);
  };

  return {
    async assign(owner, repo, number, logins, as) {
      if (as === 'reviewers') {
        // Gitea checks every reviewer before asking any; its answer leaves out those asked already.
        const status = await rest.send({
          owner,
          repo,
          method: 'POST',
          path: reviewersPath(owner, repo, number),
          body: { reviewers: logins },
          answers: [201, 404, 422],
          idempotent: true,
        });
        return status === 201 ? [] : logins;
      }
      const current = await assigned(owner, repo, number);
      const has = lowerCase(current);
      const added = logins.filter((login) => !has.has(login.toLowerCase()));
      // Everyone already there: nothing to set.
      if (added.length === 0) return [];
      const path = `${repoPath(owner, repo)}/assignees`;
      const { body: assignees } = await rest.json({ owner, repo, path }, Users);
      const assignable = lowerCase(assignees.map((user) => user.login));
      const allowed = added.filter((login) => assignable.has(login.toLowerCase()));
      const kept =
        allowed.length === 0 ? current : await setAssigned(owner, repo, number, [...current, ...allowed]);
      const taken = lowerCase(kept);
      return logins.filter((login) => !taken.has(login.toLowerCase()));
    },
    async unassign(owner, repo, number, logins, as) {
      if (as === 'reviewers') {
        // A login Gitea does not know (404) was never asked.
        const path = reviewersPath(owner, repo, number);
        const body = { reviewers: logins };
        await rest.send({ owner, repo, method: 'DELETE', path, body, answers: [204, 404] });
        return;
      }
      const removed = lowerCase(logins);
      const current = await assigned(owner, repo, number);
      const kept = current.filter((login) => !removed.has(login.toLowerCase()));
      if (kept.length !== current.length) await setAssigned(owner, repo, number, kept);
    },
  };
}

const Issues = z.array(z.looseObject({ number: z.number() }));

/**
 * Gitea's issue list, filtered to pull requests by their author: its `created_by` is long-standing, while the
 * pull request list's own `poster` filter is recent, and a Gitea without it would ignore it and list anyone's.
 */
function giteaHasOtherPullRequests(rest: Rest): ProviderReads['hasOtherPullRequests'] {
  return async (owner, repo, author, number) => {
    const query = new URLSearchParams({ type: 'pulls', state: 'all', created_by: author, limit: '2' });
    const { body } = await rest.json(
      { owner, repo, path: `${repoPath(owner, repo)}/issues?${query}` },
      Issues,
    );
    return body.some((issue) => issue.number !== number);
  };
}

/** Gitea's raw files: the bytes as they are; a directory is no file (404). */
function giteaFile(rest: Rest): ProviderReads['fileContent'] {
  return (owner, repo, path, ref) => {
    const raw = `${repoPath(owner, repo)}/raw/${encodePath(path)}?ref=${encodeURIComponent(ref)}`;
    return unlessMissing(rest.text({ owner, repo, path: raw, maxBytes: maxFileBytes }));
  };
}

/** The Gitea REST API (v1), a copy of GitHub's: what the trigger asks, and what Lighthouse writes back. */
export function giteaApi(options: GiteaApiOptions): ProviderApi {
  const rest = restClient({ ...options, authorize: (token) => ({ authorization: `token ${token}` }) });
  return githubLikeApi(
    rest,
    {
      // Gitea answers 303 when it will not tell us whether someone is an org member.
      undisclosedMembership: 303,
      fullPage,
      statusState: ({ status }) => statusStates[String(status)] ?? 'pending',
      // Gitea keeps a description as TEXT; 255 is our choice, as much as its pages show on hover.
      maxDescription: 255,
      labels: giteaLabels,
      fileContent: giteaFile,
      people: giteaPeople,
      hasOtherPullRequests: giteaHasOtherPullRequests,
      teamMemberPath: (_org, team, user) => `/teams/${team.id}/members/${encodeURIComponent(user)}`,
      noMilestone: 0,
    },
    options.token,
  );
}
