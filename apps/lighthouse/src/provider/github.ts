import { z } from 'zod';
import type { ProviderApi } from './api.ts';
import { providerCaches } from './cache.ts';
import { getAllPages, getJson, getStatus } from './http.ts';

export interface GithubApiOptions {
  /** `https://api.github.com`, or `https://<host>/api/v3` for GitHub Enterprise Server. */
  baseUrl?: string;
  token: string;
  timeoutMs?: number;
}

const PullRequest = z.looseObject({
  number: z.number(),
  state: z.enum(['open', 'closed']),
  merged: z.boolean().optional(),
  draft: z.boolean().optional(),
  user: z.looseObject({ login: z.string() }),
  labels: z.array(z.looseObject({ name: z.string() })),
  base: z.looseObject({ ref: z.string(), sha: z.string() }),
  head: z.looseObject({ ref: z.string(), sha: z.string() }),
});
const Files = z.array(z.looseObject({ filename: z.string(), previous_filename: z.string().optional() }));
const CombinedStatus = z.looseObject({
  statuses: z.array(
    z.looseObject({ context: z.string(), state: z.enum(['success', 'pending', 'failure', 'error']) }),
  ),
});

/**
 * The GitHub REST API, as much of it as the trigger asks. Membership answers are kept for minutes;
 * pull-request answers for seconds, enough to serve one delivery's several questions with one call.
 */
export function githubApi(options: GithubApiOptions): ProviderApi {
  const rest = {
    baseUrl: options.baseUrl ?? 'https://api.github.com',
    headers: {
      authorization: `Bearer ${options.token}`,
      accept: 'application/vnd.github+json',
      'x-github-api-version': '2022-11-28',
    },
    ...(options.timeoutMs ? { timeoutMs: options.timeoutMs } : {}),
  };
  const { membership, pullRequests, files, statuses } = providerCaches();
  const repoPath = (owner: string, repo: string) =>
    `/repos/${encodeURIComponent(owner)}/${encodeURIComponent(repo)}`;
  // 204 is yes, 404 no; GitHub answers 302 when it will not say whether someone is an org member.
  const yesOrNo = async (path: string) => (await getStatus(rest, path, [204, 302, 404])) === 204;

  return {
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
          labels: pr.labels.map((l) => l.name),
          baseRef: pr.base.ref,
          baseSha: pr.base.sha,
          headRef: pr.head.ref,
          headSha: pr.head.sha,
        };
      }),
    changedFiles: (owner, repo, number) =>
      files.get(`${owner}/${repo}#${number}`, async () => {
        const changed = await getAllPages(
          rest,
          `${repoPath(owner, repo)}/pulls/${number}/files?per_page=100`,
          Files,
        );
        return changed.flatMap((f) =>
          f.previous_filename ? [f.filename, f.previous_filename] : [f.filename],
        );
      }),
    commitStatuses: (owner, repo, sha) =>
      statuses.get(`${owner}/${repo}@${sha}`, async () => {
        const path = `${repoPath(owner, repo)}/commits/${encodeURIComponent(sha)}/status?per_page=100`;
        const { body } = await getJson(rest, path, CombinedStatus);
        return body.statuses.map((s) => ({ context: s.context, state: s.state }));
      }),
  };
}
