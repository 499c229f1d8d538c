import { z } from 'zod';
import { type ProviderApi, ProviderError, type StatusState } from './api.ts';
import { providerCaches, TtlCache } from './cache.ts';
import { getJson, type RestOptions } from './rest.ts';

export interface BitbucketServerApiOptions {
  /** The server's root, `https://<host>[/<context path>]`; the REST paths (`/rest/...`) are added to it. */
  baseUrl: string;
  /** An HTTP access token or personal access token, sent as a bearer token. */
  token: string;
  timeoutMs?: number;
}

/** One page of a Bitbucket list; the next starts at `nextPageStart` until `isLastPage`. */
const Page = <T extends z.ZodType>(item: T) =>
  z.looseObject({
    values: z.array(item),
    isLastPage: z.boolean(),
    start: z.number().optional(),
    nextPageStart: z.number().nullish(),
  });

// Webhook payloads name people by slug (see webhook/normalise-bitbucket-server.ts); `name` is the username.
const User = z.looseObject({ name: z.string(), slug: z.string() });
const Ref = z.looseObject({ displayId: z.string(), latestCommit: z.string() });
const PullRequest = z.looseObject({
  id: z.number(),
  state: z.enum(['OPEN', 'DECLINED', 'MERGED']),
  draft: z.boolean().optional(),
  author: z.looseObject({ user: User }),
  fromRef: Ref,
  toRef: Ref,
});
const Path = z.looseObject({ components: z.array(z.string()) });
const Change = z.looseObject({ type: z.string(), path: Path, srcPath: Path.nullish() });
const BuildStatus = z.looseObject({ key: z.string(), state: z.string() });
const Repository = z.looseObject({
  links: z.looseObject({ clone: z.array(z.looseObject({ href: z.string(), name: z.string() })) }),
});

const pullRequestStates = { OPEN: 'open', DECLINED: 'closed', MERGED: 'merged' } as const;
const buildStates: Record<string, StatusState> = {
  SUCCESSFUL: 'success',
  FAILED: 'failure',
  INPROGRESS: 'pending',
  CANCELLED: 'error',
};

/** Every value of a paged list, up to `maxPages` pages of `pageSize`. */
async function allValues<T extends z.ZodType>(
  rest: RestOptions,
  path: string,
  item: T,
  { pageSize = 100, maxPages = 30 } = {},
): Promise<z.output<T>[]> {
  const values: z.output<T>[] = [];
  const separator = path.includes('?') ? '&' : '?';
  let start = 0;
  for (let page = 0; page < maxPages; page++) {
    const { body } = await getJson(rest, `${path}${separator}start=${start}&limit=${pageSize}`, Page(item));
    // Some lists are documented as a single page that ignores `start` (a pull request's changes).
    if ((body.start ?? start) !== start) break;
    values.push(...body.values);
    const next = body.nextPageStart;
    if (body.isLastPage || next == null || next <= start) break;
    start = next;
  }
  return values;
}

/**
 * Bitbucket Server / Data Center's REST API (1.0), as much of it as the trigger asks, cached as githubApi is.
 *
 * Bitbucket has projects and permissions, not organisations and collaborators. Both questions go to the user
 * search filtered by a permission, so that Bitbucket decides who holds it (granted to the user or a group, on
 * the repository or by a higher project or global permission), in one call that any licensed token may
 * make; the permission lists go-scm reads show explicit grants only and need an admin's token.
 * - collaborator: REPO_WRITE or more on the repository, the people who may push, as on GitHub;
 * - organisation member: PROJECT_WRITE or more on the project (the events' owner). Not PROJECT_READ: a
 *   project may grant read to every licensed user by default, and trust must not follow from that.
 */
export function bitbucketServerApi(options: BitbucketServerApiOptions): ProviderApi {
  const rest = {
    baseUrl: options.baseUrl,
    headers: { authorization: `Bearer ${options.token}` },
    ...(options.timeoutMs ? { timeoutMs: options.timeoutMs } : {}),
  };
  const { membership, pullRequests, files, statuses } = providerCaches();
  const cloneUrls = new TtlCache<string>({ maxEntries: 500, ttlMs: 60 * 60_000 });
  const repoPath = (project: string, repo: string) =>
    `/rest/api/1.0/projects/${encodeURIComponent(project)}/repos/${encodeURIComponent(repo)}`;
  // The search's `filter` matches any part of a name or e-mail address, so the user is then picked exactly.
  const holds = async (user: string, permission: Record<string, string>) => {
    const query = new URLSearchParams({ filter: user, ...permission });
    const users = await allValues(rest, `/rest/api/1.0/users?${query}`, User);
    const wanted = user.toLowerCase();
    return users.some((u) => u.slug.toLowerCase() === wanted || u.name.toLowerCase() === wanted);
  };

  return {
    isCollaborator: (project, repo, user) =>
      membership.get(`collaborator ${project}/${repo} ${user}`, () =>
        holds(user, {
          permission: 'REPO_WRITE',
          'permission.projectKey': project,
          'permission.repositorySlug': repo,
        }),
      ),
    isOrgMember: (project, user) =>
      membership.get(`member ${project} ${user}`, () =>
        holds(user, { permission: 'PROJECT_WRITE', 'permission.projectKey': project }),
      ),
    pullRequest: (project, repo, number) =>
      pullRequests.get(`${project}/${repo}#${number}`, async () => {
        const path = `${repoPath(project, repo)}/pull-requests/${number}`;
        const { body: pr } = await getJson(rest, path, PullRequest);
        return {
          number: pr.id,
          author: pr.author.user.slug,
          state: pullRequestStates[pr.state],
          draft: pr.draft ?? false,
          // Bitbucket Server's pull requests have no labels.
          labels: [],
          baseRef: pr.toRef.displayId,
          baseSha: pr.toRef.latestCommit,
          headRef: pr.fromRef.displayId,
          headSha: pr.fromRef.latestCommit,
        };
      }),
    changedFiles: (project, repo, number) =>
      files.get(`${project}/${repo}#${number}`, async () => {
        const path = `${repoPath(project, repo)}/pull-requests/${number}/changes?withComments=false`;
        const changes = await allValues(rest, path, Change, { pageSize: 1000 });
        return changes
          .flatMap((c) => (c.type === 'MOVE' && c.srcPath ? [c.path, c.srcPath] : [c.path]))
          .map((p) => p.components.join('/'));
      }),
    commitStatuses: (_project, _repo, sha) =>
      statuses.get(sha, async () => {
        // Build statuses belong to the commit, whichever repository holds it.
        const path = `/rest/build-status/1.0/commits/${encodeURIComponent(sha)}`;
        const all = await allValues(rest, path, BuildStatus);
        return all.map((s) => ({ context: s.key, state: buildStates[s.state] ?? 'pending' }));
      }),
    cloneUrl: (project, repo) =>
      cloneUrls.get(`${project}/${repo}`, async () => {
        const { body } = await getJson(rest, repoPath(project, repo), Repository);
        const http = body.links.clone.find((link) => link.name === 'http' || link.name === 'https');
        if (!http) throw new ProviderError(`${project}/${repo} has no HTTP clone link`, 200);
        return http.href;
      }),
  };
}
