import { z } from 'zod';
import type { ProviderApi, StatusState } from './api.ts';
import { providerCaches } from './cache.ts';
import { getAllPages, getJson, getStatus, type RestOptions } from './rest.ts';

/** Where Gitea's API, a copy of GitHub's, says things its own way. */
export interface GithubDialect {
  /** What an org's members check answers when it will not say (GitHub 302, Gitea 303). */
  undisclosedMembership: number;
  /** The query for a full page of a list. */
  fullPage: string;
  /** A commit status's state: GitHub names it `state`, Gitea `status`. */
  statusState(status: Record<string, unknown>): StatusState;
}

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
});
const Files = z.array(z.looseObject({ filename: z.string(), previous_filename: z.string().optional() }));
const CombinedStatus = z.looseObject({ statuses: z.array(z.looseObject({ context: z.string() })).nullish() });

/**
 * The REST API GitHub has and Gitea copies, as much of it as the trigger asks. Membership answers are
 * kept for minutes; pull-request answers for seconds, enough to serve one delivery's several questions
 * with one call.
 */
export function githubLikeApi(rest: RestOptions, dialect: GithubDialect): ProviderApi {
  const { membership, pullRequests, files, statuses } = providerCaches();
  const repoPath = (owner: string, repo: string) =>
    `/repos/${encodeURIComponent(owner)}/${encodeURIComponent(repo)}`;
  const answers = [204, dialect.undisclosedMembership, 404];
  const yesOrNo = async (path: string) => (await getStatus(rest, path, answers)) === 204;

  return {
    // Gitea's collaborators are the people added to the repository, not an organisation's teams; their
    // members are found by isOrgMember, which the trigger asks next.
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
        const path = `${repoPath(owner, repo)}/pulls/${number}/files?${dialect.fullPage}`;
        const changed = await getAllPages(rest, path, Files);
        return changed.flatMap((f) =>
          f.previous_filename ? [f.filename, f.previous_filename] : [f.filename],
        );
      }),
    commitStatuses: (owner, repo, sha) =>
      statuses.get(`${owner}/${repo}@${sha}`, async () => {
        const path = `${repoPath(owner, repo)}/commits/${encodeURIComponent(sha)}/status?${dialect.fullPage}`;
        const { body } = await getJson(rest, path, CombinedStatus);
        return (body.statuses ?? []).map((s) => ({ context: s.context, state: dialect.statusState(s) }));
      }),
  };
}
