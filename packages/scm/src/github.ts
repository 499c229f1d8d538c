import * as z from 'zod';
import { type ProviderApi, type ProviderReads, ProviderUnavailableError, type StatusState } from './api.ts';
import { githubLikeApi } from './github-like.ts';
import { type ClientOptions, type Rest, restClient } from './rest.ts';

export interface GithubApiOptions extends ClientOptions {
  /** `https://api.github.com`, or `https://<host>/api/v3` for GitHub Enterprise Server. */
  baseUrl?: string;
}

const states = new Set<unknown>(['success', 'pending', 'failure', 'error']);

const SearchResults = z.looseObject({
  incomplete_results: z.boolean(),
  items: z.array(z.looseObject({ number: z.number() })),
});

/**
 * GitHub lists a repository's pull requests without a filter by author, so its issue search finds them: one
 * call, counted against the search's own rate limit (30 a minute), not the API's. A search that ran out of
 * time before it found another pull request is no answer.
 */
function hasOtherPullRequests(rest: Rest): ProviderReads['hasOtherPullRequests'] {
  return async (owner, repo, author, number) => {
    const query = new URLSearchParams({ q: `repo:${owner}/${repo} is:pr author:${author}`, per_page: '2' });
    const path = `/search/issues?${query}`;
    const { body } = await rest.json({ owner, repo, path }, SearchResults);
    if (body.items.some((item) => item.number !== number)) return true;
    if (body.incomplete_results) {
      throw new ProviderUnavailableError(`GET ${path}: GitHub's search timed out before it was complete`);
    }
    return false;
  };
}

/** The GitHub REST API: what the trigger asks, and statuses, issue comments and labels written back. */
export function githubApi(options: GithubApiOptions): ProviderApi {
  const rest = restClient({
    ...options,
    baseUrl: options.baseUrl ?? 'https://api.github.com',
    headers: { accept: 'application/vnd.github+json', 'x-github-api-version': '2022-11-28' },
    authorize: (token) => ({ authorization: `Bearer ${token}` }),
  });
  return githubLikeApi(
    rest,
    {
      // GitHub answers 302 when it will not say whether someone is an org member.
      undisclosedMembership: 302,
      fullPage: 'per_page=100',
      statusState: ({ state }) => (states.has(state) ? (state as StatusState) : 'pending'),
      // The limit GitHub's clients (Prow among them) keep to; its API reference states none.
      maxDescription: 140,
      hasOtherPullRequests,
      // By slug, as plugins.yaml's maintainers_team names it; else by id, on GitHub's legacy (deprecated)
      // path, the only one that takes an id. Either needs a token that may read the org (read:org): without
      // it GitHub answers 404, which reads as "not a member".
      teamMemberPath: (org, team, user) => {
        const login = encodeURIComponent(user);
        return team.slug
          ? `/orgs/${encodeURIComponent(org)}/teams/${encodeURIComponent(team.slug)}/memberships/${login}`
          : `/teams/${team.id}/memberships/${login}`;
      },
      noMilestone: null,
    },
    options.token,
  );
}
