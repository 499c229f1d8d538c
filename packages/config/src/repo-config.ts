import { defaultTriggerSettings } from './plugins-config.ts';
import type {
  ApproveSettings,
  LgtmSettings,
  LighthouseConfig,
  MilestoneMaintainers,
  PluginsConfig,
  Postsubmit,
  Presubmit,
  SizeSettings,
  TriggerSettings,
} from './types.ts';
import { defaultWelcomeTemplate } from './welcome-template.ts';

/** What the config says about one repository. */
export interface RepoConfig {
  owner: string;
  name: string;
  presubmits: readonly Presubmit[];
  postsubmits: readonly Postsubmit[];
  /** Plugins enabled for the org plus those enabled for the repo. */
  plugins: readonly string[];
  trigger: TriggerSettings;
  lgtm: LgtmSettings;
  approve: ApproveSettings;
  /** Whether OWNERS approvers count without being the repository's collaborators. */
  ownersSkipCollaborators: boolean;
  /** Labels `/label <name>` may add. */
  additionalLabels: readonly string[];
  /** The size plugin's thresholds. */
  size: SizeSettings;
  /** The welcome plugin's message: a Go template of the fields `WelcomeFields` names. */
  welcomeTemplate: string;
  /** The team whose members may set milestones: the repository's `repo_milestone` entry, else the `''` one. */
  milestoneMaintainers?: MilestoneMaintainers;
}

export function repoConfig(config: LighthouseConfig, owner: string, name: string): RepoConfig {
  const keys = fullNames(owner, name);
  return {
    owner,
    name,
    presubmits: keys.flatMap((key) => config.jobs.presubmits.get(key) ?? []),
    postsubmits: keys.flatMap((key) => config.jobs.postsubmits.get(key) ?? []),
    plugins: pluginsFor(config.plugins, owner, name),
    trigger: triggerFor(config.plugins, owner, name),
    lgtm: lgtmFor(config.plugins, owner, name),
    approve: approveFor(config.plugins, owner, name),
    ownersSkipCollaborators: config.plugins.ownersSkipCollaborators.some((r) => keys.includes(r)),
    additionalLabels: config.plugins.additionalLabels,
    size: config.plugins.size,
    welcomeTemplate: welcomeFor(config.plugins, owner, name),
    ...milestoneFor(config.plugins, owner, name),
  };
}

// Lighthouse also looks under the lower-cased owner: Bitbucket Server project keys arrive upper-cased.
function owners(owner: string): string[] {
  const lower = owner.toLowerCase();
  return lower === owner ? [owner] : [owner, lower];
}

const fullNames = (owner: string, name: string) => owners(owner).map((each) => `${each}/${name}`);

export function pluginsFor(config: PluginsConfig, org: string, repo: string): string[] {
  return owners(org).flatMap((owner) => [
    ...(config.plugins.get(owner) ?? []),
    ...(config.plugins.get(`${owner}/${repo}`) ?? []),
  ]);
}

/** The first `lgtm` entry listing the org or `org/repo`; otherwise the defaults (all off). */
export function lgtmFor(config: PluginsConfig, org: string, repo: string): LgtmSettings {
  return (
    config.lgtm.find((entry) => entry.repos.some((r) => r === org || r === `${org}/${repo}`)) ?? {
      repos: [],
      reviewActsAsLgtm: false,
      storeTreeHash: false,
      trustedTeamForStickyLgtm: '',
    }
  );
}

/** The first `approve` entry listing the org or `org/repo`; otherwise the defaults (all off). */
export function approveFor(config: PluginsConfig, org: string, repo: string): ApproveSettings {
  return (
    config.approve.find((entry) => entry.repos.some((r) => r === org || r === `${org}/${repo}`)) ?? {
      repos: [],
      issueRequired: false,
      requireSelfApproval: false,
      lgtmActsAsApprove: false,
      ignoreReviewState: false,
    }
  );
}

/**
 * The message of the first `welcome` entry listing `org/repo`, else of the first listing the org, as
 * Lighthouse looks; its default where that entry has none.
 */
function welcomeFor(config: PluginsConfig, org: string, repo: string): string {
  const entry =
    config.welcome.find((each) => each.repos.includes(`${org}/${repo}`)) ??
    config.welcome.find((each) => each.repos.includes(org));
  return entry?.messageTemplate || defaultWelcomeTemplate;
}

function milestoneFor(
  config: PluginsConfig,
  org: string,
  repo: string,
): Pick<RepoConfig, 'milestoneMaintainers'> {
  const maintainers = config.repoMilestone.get(`${org}/${repo}`) ?? config.repoMilestone.get('');
  return maintainers ? { milestoneMaintainers: maintainers } : {};
}

/** The first `triggers` entry listing the org or `org/repo`; otherwise the defaults (Lighthouse's `TriggerFor`). */
export function triggerFor(config: PluginsConfig, org: string, repo: string): TriggerSettings {
  return (
    config.triggers.find((trigger) => trigger.repos.some((r) => r === org || r === `${org}/${repo}`)) ??
    defaultTriggerSettings
  );
}
