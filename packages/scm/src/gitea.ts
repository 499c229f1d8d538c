import { z } from 'zod';
import { type ProviderApi, ProviderError, type ProviderReads, type StatusState } from './api.ts';
import { TtlCache } from './cache.ts';
import { encodePath, maxFileBytes, unlessMissing } from './file-content.ts';
import { githubLikeApi, type LabelWrites, repoPath } from './github-like.ts';
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
      // Not yet: Gitea replaces the whole list of assignees on the issue instead.
      githubAssignees: false,
      hasOtherPullRequests: giteaHasOtherPullRequests,
      teamMemberPath: (_org, team, user) => `/teams/${team.id}/members/${encodeURIComponent(user)}`,
      noMilestone: 0,
    },
    options.token,
  );
}
