import type { Provider } from './events.ts';

/** The API root's suffix under each provider's web root (GitHub.com's API has a host of its own). */
const apiSuffix: Readonly<Record<Provider, RegExp>> = {
  github: /\/api\/v3\/?$/,
  gitlab: /\/api\/v4\/?$/,
  gitea: /\/api\/v1\/?$/,
  bitbucketserver: /\/?$/,
};

/**
 * The web root a provider's repositories are cloned from, as its API root says: `https://github.com` for
 * `https://api.github.com`, `https://HOST` for GitHub Enterprise's `https://HOST/api/v3`, and the API root
 * without `/api/v4` (GitLab) or `/api/v1` (Gitea); Bitbucket Server's root is its API root.
 */
export function webUrlOf(provider: Provider, apiUrl: string): string {
  const web = new URL(apiUrl);
  if (provider === 'github' && web.hostname === 'api.github.com') web.hostname = 'github.com';
  web.pathname = web.pathname.replace(apiSuffix[provider], '');
  return web.href.replace(/\/$/, '');
}

/**
 * Whether `url` clones `repo` from the provider at one of `webUrls` (see webUrlOf): that root's scheme
 * (or https for an http root), host and port, the repository's own path under it (GitHub, GitLab, Gitea:
 * `/<owner>/<name>`; Bitbucket Server: `/scm/<project>/<slug>`; `.git` optional, in any case), and nothing
 * else: no user or password, no query. A webhook's payload names the clone URL, so whoever holds one
 * repository's secret could otherwise point its jobs at any repository or host.
 */
export function isCloneUrlOf(
  provider: Provider,
  webUrls: readonly string[],
  repo: { owner: string; name: string },
  url: string,
): boolean {
  let clone: URL;
  try {
    clone = new URL(url);
  } catch {
    return false;
  }
  if (clone.username || clone.password || clone.search || clone.hash) return false;
  const path = decoded(clone.pathname)
    ?.replace(/\.git$/, '')
    .replace(/\/$/, '')
    .toLowerCase();
  const scm = provider === 'bitbucketserver' ? '/scm' : '';
  return webUrls.some((root) => {
    let web: URL;
    try {
      web = new URL(root);
    } catch {
      return false;
    }
    const schemes = web.protocol === 'http:' ? ['http:', 'https:'] : ['https:'];
    if (!schemes.includes(clone.protocol) || clone.host !== web.host) return false;
    const expected = `${web.pathname.replace(/\/$/, '')}${scm}/${repo.owner}/${repo.name}`.toLowerCase();
    return path === expected;
  });
}

function decoded(path: string): string | undefined {
  try {
    return decodeURIComponent(path);
  } catch {
    return undefined;
  }
}
