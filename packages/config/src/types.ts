import type { GoRegExp } from './go-regexp.ts';

/** Lighthouse's agents; `tekton` is the legacy spelling of the default, `jenkins-x`. */
export const agents = ['jenkins-x', 'tekton', 'tekton-pipeline', 'jenkins'] as const;
export type Agent = (typeof agents)[number];

/** `branches` / `skip_branches`, each list joined with `|` into one unanchored regex, as Lighthouse does. */
export interface Brancher {
  branches: readonly string[];
  skipBranches: readonly string[];
  branchesRegExp?: GoRegExp;
  skipBranchesRegExp?: GoRegExp;
}

/** The changed-file rules; a job with none of them is not decided by its changes. */
export interface ChangeMatcher {
  runIfChanged?: GoRegExp;
  skipIfOnlyChanged?: GoRegExp;
  ignoreChanges?: GoRegExp;
}

/** As a LighthouseJob carries it (`spec.pipeline_run_params`, crds' PipelineRunParam): a Go template. */
export interface PipelineRunParam {
  name: string;
  value_template?: string;
}

export interface JobBase {
  name: string;
  /** The status context; the job name unless set. */
  context: string;
  agent: Agent;
  /** Unset means the deployment's default namespace. */
  namespace?: string;
  labels: Readonly<Record<string, string>>;
  annotations: Readonly<Record<string, string>>;
  /** 0 means no limit. */
  maxConcurrency: number;
  skipReport: boolean;
  brancher: Brancher;
  changes: ChangeMatcher;
  pipelineRunParams: readonly PipelineRunParam[];
  /** Kept as written: the pipeline is built elsewhere. */
  pipelineRunSpec?: unknown;
}

export interface Presubmit extends JobBase {
  alwaysRun: boolean;
  optional: boolean;
  requireRun: boolean;
  /** Absent when the config sets only `rerun_command`: then no comment triggers the job. */
  trigger?: GoRegExp;
  rerunCommand: string;
}

export type Postsubmit = JobBase;

export interface JobConfig {
  /** Keyed by `org/repo` as written in the config. */
  presubmits: ReadonlyMap<string, readonly Presubmit[]>;
  postsubmits: ReadonlyMap<string, readonly Postsubmit[]>;
}

/** One entry of `triggers` in plugins.yaml. */
export interface TriggerSettings {
  /** `org` or `org/repo`. */
  repos: readonly string[];
  trustedOrg: string;
  trustedApps: readonly string[];
  joinOrgUrl: string;
  onlyOrgMembers: boolean;
  ignoreOkToTest: boolean;
  elideSkippedContexts: boolean;
  skipDraftPr: boolean;
  skipReportComment: boolean;
  skipReportRunningStatus: boolean;
  showReportCompletionDuration: boolean;
}

export interface PluginsConfig {
  /** Plugin names enabled per `org` or `org/repo`. */
  plugins: ReadonlyMap<string, readonly string[]>;
  /** The external plugins, by `org` or `org/repo` (plugins.yaml `external_plugins`). */
  externalPlugins: ReadonlyMap<string, readonly ExternalPlugin[]>;
  triggers: readonly TriggerSettings[];
  lgtm: readonly LgtmSettings[];
  approve: readonly ApproveSettings[];
  /** The org/repos whose OWNERS approvers count without being collaborators (`owners.skip_collaborators`). */
  ownersSkipCollaborators: readonly string[];
  /** The size plugin's thresholds (plugins.yaml `size:`). */
  size: SizeSettings;
  /** The welcome plugin's messages, by repository (plugins.yaml `welcome:`). */
  welcome: readonly WelcomeSettings[];
  /** Labels `/label <name>` may add (plugins.yaml `label.additional_labels`). */
  additionalLabels: readonly string[];
  /** Who may set milestones, by `org/repo`, `''` for any other (plugins.yaml `repo_milestone:`). */
  repoMilestone: ReadonlyMap<string, MilestoneMaintainers>;
}

/** The team whose members may `/milestone` (one entry of plugins.yaml `repo_milestone:`). */
export interface MilestoneMaintainers {
  /** The team's id (`maintainers_id`): Gitea's, or GitHub's when no slug is given. */
  teamId: number;
  /** The team's slug in the repository's org (`maintainers_team`), as GitHub's team pages name it. */
  teamSlug: string;
  /** Whom to ask to join the team (`maintainers_friendly_name`), e.g. `release team`. */
  friendlyName: string;
}

/** A service Lighthouse POSTs events to (plugins.yaml `external_plugins`). */
export interface ExternalPlugin {
  name: string;
  /** `http://<name>` unless plugins.yaml names one. */
  endpoint: string;
  /** go-scm webhook kinds, each maybe with an `s`; empty for every event. */
  events: readonly string[];
}

/** The lgtm plugin's settings for some repositories (plugins.yaml `lgtm:`). */
export interface LgtmSettings {
  repos: readonly string[];
  /** An approving review adds LGTM; one requesting changes removes it. */
  reviewActsAsLgtm: boolean;
  /** A push that leaves the code's tree as LGTM found it keeps the label (the tree is noted in a comment). */
  storeTreeHash: boolean;
  /** The display name of the org's team whose members' pushes keep LGTM; empty for none. */
  trustedTeamForStickyLgtm: string;
}

/** The lines changed from which a pull request is size/S, M, L, XL and XXL (below `s`: XS). */
export interface SizeSettings {
  s: number;
  m: number;
  l: number;
  xl: number;
  xxl: number;
}

/** The welcome plugin's message for some repositories (plugins.yaml `welcome:`). */
export interface WelcomeSettings {
  repos: readonly string[];
  /** A Go template of the fields `WelcomeFields` names; empty for Lighthouse's default. */
  messageTemplate: string;
}

/** The approve plugin's settings for some repositories (plugins.yaml `approve:`). */
export interface ApproveSettings {
  repos: readonly string[];
  /** Read, not yet honoured: no linked issue is needed. */
  issueRequired: boolean;
  /** The author's own pull request needs the author's /approve too (else the author approves by opening it). */
  requireSelfApproval: boolean;
  /** /lgtm from an approver counts as /approve. */
  lgtmActsAsApprove: boolean;
  /** Reviews' approvals and requests for changes do not count. */
  ignoreReviewState: boolean;
}

export interface LighthouseConfig {
  jobs: JobConfig;
  plugins: PluginsConfig;
}
