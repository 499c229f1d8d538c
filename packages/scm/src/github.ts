import type { ProviderApi, StatusState } from './api.ts';
import { githubLikeApi } from './github-like.ts';
import { type ClientOptions, restClient } from './rest.ts';

export interface GithubApiOptions extends ClientOptions {
  /** `https://api.github.com`, or `https://<host>/api/v3` for GitHub Enterprise Server. */
  baseUrl?: string;
}

const states = new Set<unknown>(['success', 'pending', 'failure', 'error']);

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
      githubAssignees: true,
    },
    options.token,
  );
}
