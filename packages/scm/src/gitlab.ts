import { z } from 'zod';
import { type ProviderApi, ProviderError, type StatusState } from './api.ts';
import { providerCaches, TtlCache } from './cache.ts';
import { getAllPages, getJson, getStatus } from './rest.ts';

export interface GitlabApiOptions {
  /** `https://gitlab.com/api/v4`, or your instance's `/api/v4`. */
  baseUrl?: string;
  token: string;
  timeoutMs?: number;
}

/** Developer: the lowest GitLab role that may push, which is what Lighthouse means by collaborator. */
const developerAccess = 30;

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
const Statuses = z.array(z.looseObject({ name: z.string(), status: z.string() }));

const statusStates: Record<string, StatusState> = {
  success: 'success',
  failed: 'failure',
  canceled: 'error',
};

/** The GitLab REST API (v4), as much of it as the trigger asks, cached as githubApi is. */
export function gitlabApi(options: GitlabApiOptions): ProviderApi {
  const rest = {
    baseUrl: options.baseUrl ?? 'https://gitlab.com/api/v4',
    headers: { 'private-token': options.token },
    ...(options.timeoutMs ? { timeoutMs: options.timeoutMs } : {}),
  };
  const userIds = new TtlCache<number | undefined>({ maxEntries: 2000, ttlMs: 60 * 60_000 });
  const { membership, pullRequests: mergeRequests, files, statuses } = providerCaches();
  // Owners may be nested groups (`group/subgroup`); the API takes the whole path, encoded, as the id.
  const project = (owner: string, repo: string) => `/projects/${encodeURIComponent(`${owner}/${repo}`)}`;
  const userId = (username: string) =>
    userIds.get(username, async () => {
      const { body } = await getJson(rest, `/users?username=${encodeURIComponent(username)}`, Users);
      return body.find((u) => u.username.toLowerCase() === username.toLowerCase())?.id;
    });
  const memberWith = async (path: string, minimum: number) => {
    const { body } = await getJson(rest, path, Member).catch((error: unknown) => {
      if (error instanceof ProviderError && error.status === 404) return { body: undefined };
      throw error;
    });
    return body !== undefined && body.access_level >= minimum;
  };

  return {
    isCollaborator: (owner, repo, user) =>
      membership.get(`collaborator ${owner}/${repo} ${user}`, async () => {
        const id = await userId(user);
        return id !== undefined && memberWith(`${project(owner, repo)}/members/all/${id}`, developerAccess);
      }),
    isOrgMember: (org, user) =>
      membership.get(`member ${org} ${user}`, async () => {
        const id = await userId(user);
        if (id === undefined) return false;
        const path = `/groups/${encodeURIComponent(org)}/members/all/${id}`;
        return (await getStatus(rest, path, [200, 404])) === 200;
      }),
    pullRequest: (owner, repo, number) =>
      mergeRequests.get(`${owner}/${repo}!${number}`, async () => {
        const { body: mr } = await getJson(
          rest,
          `${project(owner, repo)}/merge_requests/${number}`,
          MergeRequest,
        );
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
        const diffs = await getAllPages(rest, path, Diffs);
        return [...new Set(diffs.flatMap((d) => [d.new_path, d.old_path]))];
      }),
    commitStatuses: (owner, repo, sha) =>
      statuses.get(`${owner}/${repo}@${sha}`, async () => {
        const path = `${project(owner, repo)}/repository/commits/${encodeURIComponent(sha)}/statuses?per_page=100`;
        const all = await getAllPages(rest, path, Statuses);
        return all.map((s) => ({ context: s.name, state: statusStates[s.status] ?? 'pending' }));
      }),
  };
}
