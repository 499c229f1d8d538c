import { parseConfig, repoConfig, type TriggerSettings } from '@lighthouse-ts/config';
import type { PullRequestCommentEvent, PullRequestEvent, PushEvent, WebhookEvent } from '@lighthouse-ts/scm';
import type { Decision } from '../src/contract.ts';
import { decide } from '../src/trigger/decide.ts';
import type { PullRequestFacts } from '../src/trigger/facts.ts';
import { type FactsData, inMemoryFacts } from '../src/trigger/in-memory-facts.ts';

// Shared by the trigger's tests: configs written as YAML, events as the webhook layer produces them.

export const headSha = 'cafe000000000000000000000000000000000001';
export const newHeadSha = 'cafe000000000000000000000000000000000002';
export const baseSha = 'ba5e000000000000000000000000000000000001';

export const repo = {
  owner: 'org',
  name: 'repo',
  cloneUrl: 'https://github.com/org/repo.git',
  link: 'https://github.com/org/repo',
};

export function pullRequestEvent(overrides: Partial<PullRequestEvent> = {}): PullRequestEvent {
  return {
    type: 'pull_request',
    provider: 'github',
    deliveryId: 'delivery-1',
    action: 'opened',
    repo,
    number: 7,
    title: 'Fix the widget',
    author: { id: '1', login: 'author' },
    draft: false,
    base: { ref: 'master', sha: baseSha },
    head: { ref: 'fix', sha: headSha },
    labels: [],
    merged: false,
    link: 'https://github.com/org/repo/pull/7',
    ...overrides,
  };
}

export function commentEvent(
  body: string,
  overrides: Partial<PullRequestCommentEvent> = {},
): PullRequestCommentEvent {
  return {
    type: 'pull_request_comment',
    provider: 'github',
    deliveryId: 'delivery-2',
    repo,
    number: 7,
    commentId: '1',
    body,
    author: { id: '2', login: 'commenter' },
    link: 'https://github.com/org/repo/pull/7#issuecomment-1',
    ...overrides,
  };
}

export function pushEvent(overrides: Partial<PushEvent> = {}): PushEvent {
  return {
    type: 'push',
    provider: 'github',
    deliveryId: 'delivery-3',
    repo,
    ref: 'refs/heads/master',
    refType: 'branch',
    refName: 'master',
    before: baseSha,
    after: headSha,
    deleted: false,
    changedFiles: ['main.go'],
    sender: { id: '1', login: 'author' },
    ...overrides,
  };
}

/** The pull request as the provider would describe it (for comment events). */
export function openPullRequest(overrides: Partial<PullRequestFacts> = {}): PullRequestFacts {
  return {
    open: true,
    draft: false,
    author: 'author',
    title: 'Fix the widget',
    link: 'https://github.com/org/repo/pull/7',
    head: { ref: 'fix', sha: headSha },
    base: { ref: 'master', sha: baseSha },
    ...overrides,
  };
}

export function triggersYaml(settings: Partial<Record<keyof TriggerSettings, unknown>> = {}): string {
  const snake: Record<string, string> = {
    trustedOrg: 'trusted_org',
    trustedApps: 'trusted_apps',
    joinOrgUrl: 'join_org_url',
    onlyOrgMembers: 'only_org_members',
    ignoreOkToTest: 'ignore_ok_to_test',
    elideSkippedContexts: 'elide_skipped_contexts',
    skipDraftPr: 'skip_draft_pr',
    skipReportComment: 'skip_report_comment',
    skipReportRunningStatus: 'skip_report_running_status',
    showReportCompletionDuration: 'show_report_completion_duration',
  };
  const entries = Object.entries(settings).map(
    ([key, value]) => `  ${snake[key] ?? key}: ${JSON.stringify(value)}\n`,
  );
  return `plugins:\n  org: [trigger]\ntriggers:\n- repos: [org/repo]\n${entries.join('')}`;
}

export interface Scenario {
  /** config.yaml text. */
  config: string;
  /** plugins.yaml text; by default the trigger is enabled for `org` with default settings. */
  plugins?: string;
  facts?: FactsData;
  botName?: string;
  customTriggerCommand?: string;
}

export async function decideFor(event: WebhookEvent, scenario: Scenario) {
  const config = parseConfig(
    { configPath: 'config.yaml', pluginsPath: 'plugins.yaml' },
    { config: scenario.config, plugins: scenario.plugins ?? triggersYaml() },
  );
  const facts = inMemoryFacts(scenario.facts);
  const target = event.type === 'ping' ? repo : event.repo;
  const decision = await decide(event, {
    repo: repoConfig(config, target.owner, target.name),
    facts,
    botName: scenario.botName,
    customTriggerCommand: scenario.customTriggerCommand,
  });
  return { decision, asked: facts.asked };
}

export const started = (decision: Decision) => decision.start.map((job) => job.request.jobName);
export const skipped = (decision: Decision) => decision.skip.map((job) => job.jobName);

export const presubmitsYaml = (jobs: string) => `presubmits:\n  org/repo:\n${jobs}`;
export const postsubmitsYaml = (jobs: string) => `postsubmits:\n  org/repo:\n${jobs}`;
