import { z } from 'zod';
import type { PathIssue } from './path-issue.ts';
import type { PluginsConfig, TriggerSettings } from './types.ts';

const flag = z.boolean().nullish();

const TriggerFile = z.looseObject({
  repos: z.array(z.string()).nullish(),
  trusted_org: z.string().nullish(),
  trusted_apps: z.array(z.string()).nullish(),
  join_org_url: z.string().nullish(),
  only_org_members: flag,
  ignore_ok_to_test: flag,
  elide_skipped_contexts: flag,
  skip_draft_pr: flag,
});

// Loose: the other plugins' sections (approve, lgtm, welcome, ...) are accepted and left alone.
export const PluginsFile = z.looseObject({
  plugins: z.record(z.string(), z.array(z.string()).nullable()).nullish(),
  triggers: z.array(TriggerFile).nullish(),
});
export type PluginsFile = z.output<typeof PluginsFile>;

export const defaultTriggerSettings: TriggerSettings = {
  repos: [],
  trustedOrg: '',
  trustedApps: [],
  joinOrgUrl: '',
  onlyOrgMembers: false,
  ignoreOkToTest: false,
  elideSkippedContexts: false,
  skipDraftPr: false,
};

export function compilePluginsConfig(file: PluginsFile): { config: PluginsConfig; issues: PathIssue[] } {
  const plugins = new Map(Object.entries(file.plugins ?? {}).map(([key, names]) => [key, names ?? []]));
  const triggers = (file.triggers ?? []).map(
    (trigger): TriggerSettings => ({
      repos: trigger.repos ?? [],
      trustedOrg: trigger.trusted_org ?? '',
      trustedApps: trigger.trusted_apps ?? [],
      joinOrgUrl: trigger.join_org_url ?? '',
      onlyOrgMembers: trigger.only_org_members ?? false,
      ignoreOkToTest: trigger.ignore_ok_to_test ?? false,
      elideSkippedContexts: trigger.elide_skipped_contexts ?? false,
      skipDraftPr: trigger.skip_draft_pr ?? false,
    }),
  );
  return { config: { plugins, triggers }, issues: duplicatedPlugins(plugins) };
}

// Lighthouse refuses a plugin enabled both for an org and for one of its repos.
function duplicatedPlugins(plugins: ReadonlyMap<string, readonly string[]>): PathIssue[] {
  const issues: PathIssue[] = [];
  for (const [key, names] of plugins) {
    const slash = key.indexOf('/');
    if (slash === -1) continue;
    const org = key.slice(0, slash);
    const orgNames = plugins.get(org) ?? [];
    const dupes = names.filter((name) => orgNames.includes(name));
    if (dupes.length > 0) {
      issues.push({
        path: ['plugins', key],
        reason: `plugins [${dupes.join(', ')}] are duplicated for ${key} and ${org}`,
      });
    }
  }
  return issues;
}
