import { z } from 'zod';
import type { ProviderApi, StatusState } from './api.ts';
import { providerCaches } from './cache.ts';
import { getAllPages, getJson, getStatus } from './http.ts';

export interface GiteaApiOptions {
  /** The instance's API root, `https://<host>/api/v1`. */
  baseUrl: string;
  token: string;
  timeoutMs?: number;
}

const PullRequest = z.looseObject({
  number: z.number(),
  state: z.enum(['open', 'closed']),
  merged: z.boolean().optional(),
  // Sent by newer Gitea only; older versions mark drafts by a title prefix the instance configures.
  draft: z.boolean().optional(),
  user: z.looseObject({ login: z.string() }),
  labels: z.array(z.looseObject({ name: z.string() })).nullish(),
  base: z.looseObject({ ref: z.string(), sha: z.string() }),
  head: z.looseObject({ ref: z.string(), sha: z.string() }),
});
const Files = z.array(z.looseObject({ filename: z.string(), previous_filename: z.string().optional() }));
// Unlike GitHub's, each of Gitea's statuses names its state `status`.
const CombinedStatus = z.looseObject({
  statuses: z.array(z.looseObject({ context: z.string(), status: z.string() })).nullish(),
});

// Gitea's `warning` (and newer `skipped`) are neither a pass nor a failure: left pending, as gitlab.ts does.
const statusStates: Record<string, StatusState> = {
  success: 'success',
  pending: 'pending',
  failure: 'failure',
  error: 'error',
};

/** The Gitea REST API (v1), as much of it as the trigger asks, cached as githubApi is. */
export function giteaApi(options: GiteaApiOptions): ProviderApi {
  const rest = {
    baseUrl: options.baseUrl,
    headers: { authorization: `token ${options.token}` },
    ...(options.timeoutMs ? { timeoutMs: options.timeoutMs } : {}),
  };
  const { membership, pullRequests, files, statuses } = providerCaches();
  const repoPath = (owner: string, repo: string) =>
    `/repos/${encodeURIComponent(owner)}/${encodeURIComponent(repo)}`;
  // 204 is yes, 404 no; Gitea answers 303 when it will not tell us whether someone is an org member.
  const yesOrNo = async (path: string) => (await getStatus(rest, path, [204, 303, 404])) === 204;

  return {
    // Gitea's collaborators are the people added to the repository; an organisation's teams are not among
    // them, but their members are found by isOrgMember, which the trigger asks next.
    isCollaborator: (owner, repo, user) =>
      membership.get(`collaborator ${owner}/${repo} ${user}`, () =>
        yesOrNo(`${repoPath(owner, repo)}/collaborators/${encodeURIComponent(user)}`),
      ),
    isOrgMember: (org, user) =>
      membership.get(`member ${org} ${user}`, () =>
        yesOrNo(`/orgs/${encodeURIComponent(org)}/members/${encodeURIComponent(user)}`),
      ),
    pullRequest: (owner, repo, number) =>
      pullRequests.get(`${owner}/${repo}#${number}`, async () => {
        const { body: pr } = await getJson(rest, `${repoPath(owner, repo)}/pulls/${number}`, PullRequest);
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
        };
      }),
    changedFiles: (owner, repo, number) =>
      files.get(`${owner}/${repo}#${number}`, async () => {
        // 50 is Gitea's default ceiling on a page (MAX_RESPONSE_ITEMS).
        const path = `${repoPath(owner, repo)}/pulls/${number}/files?limit=50`;
        const changed = await getAllPages(rest, path, Files);
        return changed.flatMap((f) =>
          f.previous_filename ? [f.filename, f.previous_filename] : [f.filename],
        );
      }),
    commitStatuses: (owner, repo, sha) =>
      statuses.get(`${owner}/${repo}@${sha}`, async () => {
        const path = `${repoPath(owner, repo)}/commits/${encodeURIComponent(sha)}/status?limit=50`;
        const { body } = await getJson(rest, path, CombinedStatus);
        return (body.statuses ?? []).map((s) => ({
          context: s.context,
          state: statusStates[s.status] ?? 'pending',
        }));
      }),
  };
}
