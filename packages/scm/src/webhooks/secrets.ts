import * as z from 'zod';
import type { Provider } from '../events.ts';
import { RepoName, RepoPath } from './names.ts';

/**
 * The webhook secrets accepted now, by scope: `*` for every repository, `org`, or `org/repo` (keys in
 * lower case). The most specific scope that holds a secret is the only one a delivery is checked against,
 * so a repository with its own secret cannot be signed for with the shared one.
 */
export type WebhookSecrets = ReadonlyMap<string, readonly string[]>;

export const everyRepository = '*';

/** Secrets that hold for every repository: one per entry, as during a rotation. */
export function sharedSecrets(secrets: readonly string[]): WebhookSecrets {
  return new Map([[everyRepository, secrets.filter((secret) => secret !== '')]]);
}

/** Secrets by scope (`*`, `org` or `org/repo`, any case), as a repository's own or an org's. */
export function scopedSecrets(byScope: Readonly<Record<string, readonly string[]>>): WebhookSecrets {
  return new Map(
    Object.entries(byScope).map(([scope, list]) => [
      scope.toLowerCase(),
      list.filter((secret) => secret !== ''),
    ]),
  );
}

/**
 * The secrets for a repository (`owner/name`, or `owner/` for an owner's own events; unknown when the
 * payload does not say): those of the most specific scope that holds any. Every namespace above it counts,
 * so a GitLab group's secret covers `group/sub/project`.
 */
export function secretsFor(secrets: WebhookSecrets, repository: string | undefined): readonly string[] {
  const parts = (repository ?? '').toLowerCase().split('/').filter(Boolean);
  const scopes = parts.map((_, index) => parts.slice(0, parts.length - index).join('/'));
  for (const scope of [...scopes, everyRepository]) {
    const found = secrets.get(scope);
    if (found?.length) return found;
  }
  return [];
}

export function countSecrets(secrets: WebhookSecrets): number {
  return [...secrets.values()].reduce((sum, list) => sum + list.length, 0);
}

const Named = z.object({ login: RepoName });

/**
 * Which repository a payload says it is about (`owner/name`; `owner/` for an organisation's own events),
 * as normalising reads it: what a secret's scope is checked against.
 */
export function repositoryOf(provider: Provider, payload: unknown): string | undefined {
  const read = (schema: z.ZodType<string>) => {
    const result = schema.safeParse(payload);
    return result.success ? result.data : undefined;
  };
  switch (provider) {
    case 'github':
    case 'gitea':
      return (
        read(
          z
            .object({ repository: z.object({ owner: Named, name: RepoName }) })
            .transform(({ repository }) => `${repository.owner.login}/${repository.name}`),
        ) ?? read(z.object({ organization: Named }).transform(({ organization }) => `${organization.login}/`))
      );
    case 'gitlab':
      return read(
        z
          .object({ project: z.object({ path_with_namespace: RepoPath }) })
          .transform(({ project }) => project.path_with_namespace),
      );
    case 'bitbucketserver': {
      const Repository = z
        .object({ slug: RepoName, project: z.object({ key: RepoName }) })
        .transform((repository) => `${repository.project.key}/${repository.slug}`);
      // A pull request's events are about its target repository, as normalising reads them.
      return (
        read(
          z
            .object({ pullRequest: z.object({ toRef: z.object({ repository: Repository }) }) })
            .transform(({ pullRequest }) => pullRequest.toRef.repository),
        ) ?? read(z.object({ repository: Repository }).transform(({ repository }) => repository))
      );
    }
  }
}

/** Both sources together: the scoped file's `*` entries and the plain secrets hold for every repository. */
export function mergeSecrets(...sources: WebhookSecrets[]): WebhookSecrets {
  const merged = new Map<string, string[]>();
  for (const source of sources) {
    for (const [scope, list] of source) merged.set(scope, [...(merged.get(scope) ?? []), ...list]);
  }
  return merged;
}
