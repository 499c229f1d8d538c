import type { ProviderApi, StatusState } from './api.ts';
import { githubLikeApi } from './github-like.ts';

export interface GiteaApiOptions {
  /** The instance's API root, `https://<host>/api/v1`. */
  baseUrl: string;
  token: string;
  timeoutMs?: number;
}

// Gitea's `warning` (and newer `skipped`) are neither a pass nor a failure: left pending, as gitlab.ts does.
const statusStates: Record<string, StatusState> = {
  success: 'success',
  pending: 'pending',
  failure: 'failure',
  error: 'error',
};

/** The Gitea REST API (v1): a copy of GitHub's, as much of it as the trigger asks. */
export function giteaApi(options: GiteaApiOptions): ProviderApi {
  const rest = {
    baseUrl: options.baseUrl,
    headers: { authorization: `token ${options.token}` },
    ...(options.timeoutMs ? { timeoutMs: options.timeoutMs } : {}),
  };
  return githubLikeApi(rest, {
    // Gitea answers 303 when it will not tell us whether someone is an org member.
    undisclosedMembership: 303,
    // 50 is Gitea's default ceiling on a page (MAX_RESPONSE_ITEMS).
    fullPage: 'limit=50',
    statusState: ({ status }) => statusStates[String(status)] ?? 'pending',
  });
}
