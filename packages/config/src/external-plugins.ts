import * as z from 'zod';
import type { PathIssue } from './path-issue.ts';
import type { ExternalPlugin } from './types.ts';

/**
 * The go-scm webhook kinds Lighthouse forwards, and `activity` (the job activity records Lighthouse's
 * foghorn sends). An external plugin's `events` name these, each also with an `s` (`pull_requests`).
 */
export const externalPluginEvents: readonly string[] = [
  'activity',
  'branch',
  'check_run',
  'check_suite',
  'deploy',
  'deployment_status',
  'fork',
  'installation',
  'installation_repository',
  'issue',
  'issue_comment',
  'label',
  'ping',
  'pull_request',
  'pull_request_comment',
  'push',
  'release',
  'repository',
  'review',
  'review_comment',
  'star',
  'status',
  'tag',
  'watch',
];

const notAnEndpoint = 'must be an http:// or https:// URL';

const ExternalPluginFile = z.looseObject({
  name: z.string().min(1).describe('The plugin, as its logs name it.'),
  endpoint: z
    .string()
    .regex(/^https?:\/\/[^\s/?#]/, notAnEndpoint)
    .nullish()
    .describe('Where Lighthouse POSTs the events (default http://<name>).'),
  events: z
    .array(z.string())
    .nullish()
    .describe(
      `The events to send it: go-scm webhook kinds, each also with an s (${externalPluginEvents.join(', ')}). None means every event.`,
    ),
});

export const ExternalPluginsFile = z
  .record(z.string(), z.array(ExternalPluginFile).nullable())
  .nullish()
  .describe('Services Lighthouse POSTs events to (signed as its webhooks are), by org or org/repo.');
export type ExternalPluginsFile = z.output<typeof ExternalPluginsFile>;

export function compileExternalPlugins(file: ExternalPluginsFile): {
  externalPlugins: ReadonlyMap<string, readonly ExternalPlugin[]>;
  issues: PathIssue[];
} {
  const issues: PathIssue[] = [];
  const externalPlugins = new Map<string, ExternalPlugin[]>();
  for (const [key, plugins] of Object.entries(file ?? {})) {
    // Lighthouse's own configs hold null lists; an empty one would only cost a lookup on every event.
    if (!plugins?.length) continue;
    externalPlugins.set(
      key,
      plugins.map((plugin, index): ExternalPlugin => {
        const endpoint = plugin.endpoint ?? `http://${plugin.name}`;
        const problem = endpointProblem(endpoint);
        // Checked once the default is filled in: a name can make http://<name> no URL.
        if (problem && plugin.endpoint) {
          issues.push({ path: ['external_plugins', key, index, 'endpoint'], reason: problem });
        } else if (problem) {
          const reason = `external plugin ${plugin.name}: http://<name> ${problem}; give it an endpoint`;
          issues.push({ path: ['external_plugins', key, index, 'name'], reason });
        }
        return { name: plugin.name, endpoint, events: plugin.events ?? [] };
      }),
    );
  }
  return {
    externalPlugins,
    issues: [
      ...issues,
      ...keyIssues(Object.keys(file ?? {})),
      ...eventIssues(externalPlugins),
      ...duplicates(externalPlugins),
    ],
  };
}

/** Why an endpoint cannot be used, without repeating it: it might hold a secret. */
function endpointProblem(endpoint: string): string | undefined {
  const url = URL.parse(endpoint);
  if (!url) return notAnEndpoint;
  // Logs name the endpoint, and a secret has no place in them.
  if (url.username || url.password) return 'must not hold a user name or password';
  return undefined;
}

// `org` or `org/repo`; GitLab's nested groups make `group/subgroup/repo` a repository too.
const repositoryKey = /^[^\s/]+(?:\/[^\s/]+)*$/;

function keyIssues(keys: readonly string[]): PathIssue[] {
  return keys
    .filter((key) => !repositoryKey.test(key))
    .map((key) => ({
      path: ['external_plugins', key],
      reason: `"${key}" is neither an org nor an org/repo`,
    }));
}

function eventIssues(plugins: ReadonlyMap<string, readonly ExternalPlugin[]>): PathIssue[] {
  return [...plugins].flatMap(([key, list]) =>
    list.flatMap(({ name, events }, index) => {
      const unknown = events.filter((event) => !isExternalPluginEvent(event));
      if (unknown.length === 0) return [];
      const reason = `external plugin ${name}: unknown events ${unknown.map((event) => `"${event}"`).join(', ')}; the events are ${externalPluginEvents.join(', ')} (each also with an s)`;
      return [{ path: ['external_plugins', key, index, 'events'], reason }];
    }),
  );
}

const isExternalPluginEvent = (event: string) =>
  externalPluginEvents.includes(event) || externalPluginEvents.includes(event.replace(/s$/, ''));

// Lighthouse refuses an external plugin configured both for an org and for one of its repos.
function duplicates(plugins: ReadonlyMap<string, readonly ExternalPlugin[]>): PathIssue[] {
  return [...plugins].flatMap(([key, list]) => {
    const slash = key.indexOf('/');
    if (slash === -1) return [];
    const org = key.slice(0, slash);
    const orgNames = (plugins.get(org) ?? []).map(({ name }) => name);
    const dupes = list.map(({ name }) => name).filter((name) => orgNames.includes(name));
    if (dupes.length === 0) return [];
    return [
      {
        path: ['external_plugins', key],
        reason: `external plugins [${dupes.join(', ')}] are duplicated for ${key} and ${org}`,
      },
    ];
  });
}
