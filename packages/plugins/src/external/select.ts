import type { ExternalPlugin, PluginsConfig } from '@lighthouse-ts/config';

/**
 * The external plugins that get an event, as Lighthouse picks them: those configured for the
 * repository's `org/repo` or its org (the first segment of its full name), whose events are empty
 * (every event) or name the go-scm webhook kind, or the kind plus `s`.
 */
export function externalPluginsFor(
  config: Pick<PluginsConfig, 'externalPlugins'>,
  repository: string,
  kind: string,
): ExternalPlugin[] {
  const org = repository.split('/', 1)[0] ?? repository;
  const keys = org === repository ? [repository] : [org, repository];
  return keys.flatMap((key) =>
    (config.externalPlugins.get(key) ?? []).filter(
      ({ events }) => events.length === 0 || events.includes(kind) || events.includes(`${kind}s`),
    ),
  );
}
