import type { ProviderApi, StatusState } from './api.ts';
import { githubLikeApi } from './github-like.ts';

export interface GithubApiOptions {
  /** `https://api.github.com`, or `https://<host>/api/v3` for GitHub Enterprise Server. */
  baseUrl?: string;
  token: string;
  timeoutMs?: number;
}

const states = new Set<unknown>(['success', 'pending', 'failure', 'error']);

/** The GitHub REST API, as much of it as the trigger asks. */
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
  return githubLikeApi(rest, {
    // GitHub answers 302 when it will not say whether someone is an org member.
    undisclosedMembership: 302,
    fullPage: 'per_page=100',
    statusState: ({ state }) => (states.has(state) ? (state as StatusState) : 'pending'),
  });
}
