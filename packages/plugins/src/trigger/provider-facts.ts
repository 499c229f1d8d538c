import type { ProviderReads, ProviderWrites } from '@lighthouse-ts/scm';
import type { TriggerFacts } from './facts.ts';

/**
 * The trigger's facts from a provider's REST client. The client knows nothing of pushes' changed files, so
 * that fact is left out (see `TriggerFacts` for what that means); clone URLs where the client can tell.
 */
export function factsFromProvider(
  api: ProviderReads & Pick<ProviderWrites, 'comments' | 'whoAmI'>,
): TriggerFacts {
  const pull = (owner: string, repo: string, number: number) => api.pullRequest(owner, repo, number);
  const { cloneUrl, issue, isTeamMember, milestones, teamNamed, treeOf } = api;
  return {
    isCollaborator: (org, repo, user) => api.isCollaborator(org, repo, user),
    isAdmin: (org, repo, user) => api.isAdmin(org, repo, user),
    isMember: (org, user) => api.isOrgMember(org, user),
    changedFiles: ({ repo, number }) => api.changedFiles(repo.owner, repo.name, number),
    prLabels: async ({ repo, number }) => (await pull(repo.owner, repo.name, number)).labels,
    repoLabels: (repo) => api.repoLabels(repo.owner, repo.name),
    combinedStatus: (repo, sha) => api.commitStatuses(repo.owner, repo.name, sha),
    pullRequest: async ({ repo, number }) => {
      const pr = await pull(repo.owner, repo.name, number);
      return {
        open: pr.state === 'open',
        draft: pr.draft,
        author: pr.author,
        head: { ref: pr.headRef, sha: pr.headSha },
        base: { ref: pr.baseRef, sha: pr.baseSha },
        ...(pr.changedLines === undefined ? {} : { changedLines: pr.changedLines }),
      };
    },
    comments: async ({ repo, number }) =>
      (await api.comments(repo.owner, repo.name, number)).map((comment) => ({
        ...comment,
        id: String(comment.id),
      })),
    reviews: ({ repo, number }) => api.reviews(repo.owner, repo.name, number),
    hasOtherPullRequests: ({ repo, number }, author) =>
      api.hasOtherPullRequests(repo.owner, repo.name, author, number),
    fileAt: (repo, sha, path) => api.fileContent(repo.owner, repo.name, path, sha),
    botLogin: () => api.whoAmI(),
    ...(cloneUrl ? { cloneUrl: ({ owner, name }) => cloneUrl.call(api, owner, name) } : {}),
    ...(issue
      ? {
          issue: async ({ repo, number }) => {
            const { state, labels } = await issue.call(api, repo.owner, repo.name, number);
            return { open: state === 'open', labels };
          },
        }
      : {}),
    ...(isTeamMember ? { isTeamMember: (org, team, user) => isTeamMember.call(api, org, team, user) } : {}),
    ...(milestones ? { milestones: ({ owner, name }) => milestones.call(api, owner, name) } : {}),
    ...(teamNamed ? { teamNamed: (org, name) => teamNamed.call(api, org, name) } : {}),
    ...(treeOf ? { treeOf: ({ owner, name }, sha) => treeOf.call(api, owner, name, sha) } : {}),
  };
}
