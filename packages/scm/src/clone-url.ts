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
 * The clone URL of `repo` on the provider at one of `webUrls` (see webUrlOf), if `url` is one: that root's
 * scheme (or https for an http root), host and port, the repository's own path under it (GitHub, GitLab,
 * Gitea: `/<owner>/<name>`; Bitbucket Server: `/scm/<project>/<slug>`; `.git` optional, in any case), and
 * nothing else: no user or password, no query. What it returns is built from the root and the repository,
 * never `url` itself: a webhook's payload names the clone URL, and a string this parser reads as one host
 * git may read as another (`https://github.com\\@evil.example/...`).
 */
export function cloneUrlOf(
  provider: Provider,
  webUrls: readonly string[],
  repo: { owner: string; name: string },
  url: string,
): string | undefined {
  let clone: URL;
  try {
    clone = new URL(url);
  } catch {
    return undefined;
  }
  if (clone.username || clone.password || clone.search || clone.hash) return undefined;
  const path = decoded(clone.pathname)
    ?.replace(/\.git$/i, '')
    .replace(/\/$/, '')
    .toLowerCase();
  const scm = provider === 'bitbucketserver' ? '/scm' : '';
  for (const root of webUrls) {
    let web: URL;
    try {
      web = new URL(root);
    } catch {
      continue;
    }
    const schemes = web.protocol === 'http:' ? ['http:', 'https:'] : ['https:'];
    if (!schemes.includes(clone.protocol) || clone.host !== web.host) continue;
    const own = `${web.pathname.replace(/\/$/, '')}${scm}/${repo.owner}/${repo.name}`;
    if (path === own.toLowerCase()) return `${web.origin}${own}.git`;
  }
  return undefined;
}

function decoded(path: string): string | undefined {
  try {
    return decodeURIComponent(path);
  } catch {
    return undefined;
  }
}
