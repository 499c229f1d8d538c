import * as z from 'zod';
import { compileExternalPlugins, ExternalPluginsFile } from './external-plugins.ts';
import type { PathIssue } from './path-issue.ts';
import type {
  ApproveSettings,
  LgtmSettings,
  PluginsConfig,
  SizeSettings,
  TriggerSettings,
  WelcomeSettings,
} from './types.ts';
import { unsupportedWelcomeAction } from './welcome-template.ts';

const flag = z.boolean().nullish();

// The descriptions are what an editor shows from the JSON Schema generated from these (schema/).
const TriggerFile = z.looseObject({
  repos: z.array(z.string()).nullish().describe('The orgs and org/repos these settings are for.'),
  trusted_org: z.string().nullish().describe("An org whose members are trusted besides the repo's own."),
  trusted_apps: z.array(z.string()).nullish().describe('Bot accounts (GitHub Apps) that are trusted.'),
  join_org_url: z
    .string()
    .nullish()
    .describe('The link the welcome message gives untrusted authors to join the org.'),
  only_org_members: flag.describe('Trust org members only, not collaborators.'),
  ignore_ok_to_test: flag.describe(
    '/ok-to-test cannot make a pull request from an untrusted author trusted.',
  ),
  elide_skipped_contexts: flag.describe('Do not post a status for jobs that did not need to run.'),
  skip_draft_pr: flag.describe('Do not run jobs on draft pull requests.'),
  skip_report_comment: flag.describe('Do not comment on a pull request with the jobs that failed.'),
  skip_report_running_status: flag.describe(
    'Report no running status: pending when a job is created, then how it ended.',
  ),
  show_report_completion_duration: flag.describe(
    "End a finished job's status description with how long it ran, e.g. (1m23s).",
  ),
});

const LgtmFile = z.looseObject({
  repos: z.array(z.string()).nullish().describe('The orgs and org/repos these settings are for.'),
  review_acts_as_lgtm: flag.describe('An approving review adds LGTM; one requesting changes removes it.'),
  store_tree_hash: flag.describe("Keep LGTM on a push that leaves the code's tree as it was."),
  trusted_team_for_sticky_lgtm: z
    .string()
    .nullish()
    .describe(
      "The display name of the org's team whose members' pull requests keep LGTM on a push (GitHub and Gitea).",
    ),
});

const ApproveFile = z.looseObject({
  repos: z.array(z.string()).nullish().describe('The orgs and org/repos these settings are for.'),
  issue_required: flag.describe(
    'Approval also needs a linked issue or `/approve no-issue` (not supported yet: no issue is needed).',
  ),
  require_self_approval: flag.describe(
    "The author's pull request is not approved by its author until they write /approve.",
  ),
  lgtm_acts_as_approve: flag.describe('/lgtm from an approver counts as /approve.'),
  ignore_review_state: flag.describe("Reviews' approvals and requests for changes do not count."),
});

const lines = z.number().int().nonnegative();
const SizeFile = z.looseObject({
  s: lines
    .nullish()
    .describe('Lines changed from which a pull request is size/S (default 10; 0 means the default).'),
  m: lines.nullish().describe('... size/M (default 30).'),
  l: lines.nullish().describe('... size/L (default 100).'),
  xl: lines.nullish().describe('... size/XL (default 500).'),
  xxl: lines.nullish().describe('... size/XXL (default 1000).'),
});

const WelcomeFile = z.looseObject({
  repos: z.array(z.string()).nullish().describe('The orgs and org/repos this message is for.'),
  message_template: z
    .string()
    .nullish()
    .describe(
      'The message for a first pull request: a Go template that may use {{.Org}}, {{.Repo}}, {{.AuthorLogin}} and {{.AuthorName}}, and nothing else (default: Welcome @{{.AuthorLogin}}! It looks like this is your first PR to {{.Org}}/{{.Repo}} 🎉).',
    ),
});

const OwnersFile = z.looseObject({
  skip_collaborators: z
    .array(z.string())
    .nullish()
    .describe(
      "The org/repos whose OWNERS approvers count even when they are not the repository's collaborators.",
    ),
});

const MilestoneFile = z.looseObject({
  maintainers_id: z
    .number()
    .int()
    .nullish()
    .describe(
      "The id of the team that may set milestones (Gitea's; GitHub's when maintainers_team is not given).",
    ),
  maintainers_team: z
    .string()
    .nullish()
    .describe("The slug of the team in the repository's org that may set milestones (GitHub)."),
  maintainers_friendly_name: z
    .string()
    .nullish()
    .describe('Whom to ask to join that team, named in the answer to anyone else, e.g. release team.'),
});

// Loose: the other plugins' sections (blockade, sigmention, ...) are accepted and left alone.
export const PluginsFile = z.looseObject({
  plugins: z
    .record(z.string(), z.array(z.string()).nullable())
    .nullish()
    .describe('The plugins enabled, by org or org/repo.'),
  triggers: z.array(TriggerFile).nullish().describe("The trigger plugin's settings, by repository."),
  lgtm: z.array(LgtmFile).nullish().describe("The lgtm plugin's settings, by repository."),
  approve: z.array(ApproveFile).nullish().describe("The approve plugin's settings, by repository."),
  owners: OwnersFile.nullish().describe('How OWNERS files are read.'),
  external_plugins: ExternalPluginsFile,
  size: SizeFile.nullish().describe("The size plugin's thresholds, in lines changed."),
  welcome: z.array(WelcomeFile).nullish().describe("The welcome plugin's message, by repository."),
  label: z
    .looseObject({
      additional_labels: z
        .array(z.string())
        .nullish()
        .describe('Labels `/label <name>` may add (besides /kind, /area, /priority and the other prefixes).'),
    })
    .nullish()
    .describe("The label plugin's settings."),
  repo_milestone: z
    .record(z.string(), MilestoneFile)
    .nullish()
    .describe('Who may /milestone, by org/repo; the entry keyed "" is for every other repository.'),
});
export type PluginsFile = z.output<typeof PluginsFile>;

/** Lighthouse's size thresholds: the lines changed from which each label applies. */
export const defaultSizes: SizeSettings = { s: 10, m: 30, l: 100, xl: 500, xxl: 1000 };

export const defaultTriggerSettings: TriggerSettings = {
  repos: [],
  trustedOrg: '',
  trustedApps: [],
  joinOrgUrl: '',
  onlyOrgMembers: false,
  ignoreOkToTest: false,
  elideSkippedContexts: false,
  skipDraftPr: false,
  skipReportComment: false,
  skipReportRunningStatus: false,
  showReportCompletionDuration: false,
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
      skipReportComment: trigger.skip_report_comment ?? false,
      skipReportRunningStatus: trigger.skip_report_running_status ?? false,
      showReportCompletionDuration: trigger.show_report_completion_duration ?? false,
    }),
  );
  const lgtm = (file.lgtm ?? []).map(
    (entry): LgtmSettings => ({
      repos: entry.repos ?? [],
      reviewActsAsLgtm: entry.review_acts_as_lgtm ?? false,
      storeTreeHash: entry.store_tree_hash ?? false,
      trustedTeamForStickyLgtm: entry.trusted_team_for_sticky_lgtm ?? '',
    }),
  );
  const approve = (file.approve ?? []).map(
    (entry): ApproveSettings => ({
      repos: entry.repos ?? [],
      issueRequired: entry.issue_required ?? false,
      requireSelfApproval: entry.require_self_approval ?? false,
      lgtmActsAsApprove: entry.lgtm_acts_as_approve ?? false,
      ignoreReviewState: entry.ignore_review_state ?? false,
    }),
  );
  // As Prow and Lighthouse read them, 0 (what their generated configs hold) means the default.
  const size: SizeSettings = {
    s: file.size?.s || defaultSizes.s,
    m: file.size?.m || defaultSizes.m,
    l: file.size?.l || defaultSizes.l,
    xl: file.size?.xl || defaultSizes.xl,
    xxl: file.size?.xxl || defaultSizes.xxl,
  };
  const welcome = (file.welcome ?? []).map(
    (entry): WelcomeSettings => ({ repos: entry.repos ?? [], messageTemplate: entry.message_template ?? '' }),
  );
  const external = compileExternalPlugins(file.external_plugins);
  return {
    config: {
      plugins,
      externalPlugins: external.externalPlugins,
      triggers,
      lgtm,
      approve,
      ownersSkipCollaborators: file.owners?.skip_collaborators ?? [],
      size,
      welcome,
      additionalLabels: file.label?.additional_labels ?? [],
      repoMilestone: new Map(
        Object.entries(file.repo_milestone ?? {}).map(([repo, team]) => [
          repo,
          {
            teamId: team.maintainers_id ?? 0,
            teamSlug: team.maintainers_team ?? '',
            friendlyName: team.maintainers_friendly_name ?? '',
          },
        ]),
      ),
    },
    issues: [
      ...unknownPlugins(plugins),
      ...duplicatedPlugins(plugins),
      ...sizeIssues(size),
      ...welcomeIssues(welcome),
      ...milestoneIssues(file.repo_milestone ?? {}),
      ...external.issues,
    ],
  };
}

/** Lighthouse refuses thresholds that do not ascend: a pull request would fit two sizes. */
function sizeIssues({ s, m, l, xl, xxl }: SizeSettings): PathIssue[] {
  if (s < m && m < l && l < xl && xl < xxl) return [];
  return [
    {
      path: ['size'],
      reason: `thresholds must ascend, s < m < l < xl < xxl: ${s}, ${m}, ${l}, ${xl}, ${xxl}`,
    },
  ];
}

/**
 * Lighthouse would run any Go template, and fail when it posts; ours knows the four fields only, so a
 * template using anything else is refused before it is needed.
 */
function welcomeIssues(welcome: readonly WelcomeSettings[]): PathIssue[] {
  return welcome.flatMap(({ repos, messageTemplate }, index) => {
    const action = unsupportedWelcomeAction(messageTemplate);
    if (action === undefined) return [];
    const reason = `the welcome message for ${repos.join(', ') || 'no repository'} uses ${action}; a template may use only {{.Org}}, {{.Repo}}, {{.AuthorLogin}} and {{.AuthorName}}`;
    return [{ path: ['welcome', index, 'message_template'], reason }];
  });
}

/** A `repo_milestone` entry that names no team would let nobody set a milestone: refused at load. */
function milestoneIssues(entries: Record<string, z.output<typeof MilestoneFile>>): PathIssue[] {
  return Object.entries(entries).flatMap(([repo, team]) =>
    team.maintainers_id || team.maintainers_team
      ? []
      : [
          {
            path: ['repo_milestone', repo],
            reason: 'names no team: give maintainers_id (GitHub, Gitea) or maintainers_team (GitHub)',
          },
        ],
  );
}

/**
 * Every plugin name a plugins.yaml may list: Lighthouse's own, and `blunderbuss` and `heart`, which Jenkins
 * X's default schedulers list though Lighthouse has neither (it ignores them, and so do we). Lighthouse
 * logs any other name and goes on; a typo then disables a plugin silently, so here it is an error.
 */
export const knownPlugins: readonly string[] = [
  'approve',
  'assign',
  'blockade',
  'blunderbuss',
  'branchcleaner',
  'cat',
  'cherry-pick-unapproved',
  'config-updater',
  'dog',
  'heart',
  'help',
  'hold',
  'label',
  'lgtm',
  'lifecycle',
  'milestone',
  'milestonestatus',
  'override',
  'owners-label',
  'pony',
  'shrug',
  'sigmention',
  'size',
  'skip',
  'stage',
  'trigger',
  'welcome',
  'wip',
  'yuks',
];

function unknownPlugins(plugins: ReadonlyMap<string, readonly string[]>): PathIssue[] {
  return [...plugins].flatMap(([key, names]) =>
    names.flatMap((name, index) =>
      knownPlugins.includes(name)
        ? []
        : [
            {
              path: ['plugins', key, index],
              reason: `unknown plugin "${name}"; the plugins are ${knownPlugins.join(', ')}`,
            },
          ],
    ),
  );
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
