import type { CommitStatus, Milestone, Review, Team } from '@lighthouse-ts/scm';
import {
  type IssueFacts,
  MissingFactError,
  type PullRequestComment,
  type PullRequestFacts,
  type RepoKey,
  type TriggerFacts,
} from './facts.ts';

/** Facts given as plain data, keyed the way the questions are asked. */
export interface FactsData {
  /** `org/repo` -> logins. */
  collaborators?: Record<string, readonly string[]>;
  /** `org/repo` -> logins that administer it. */
  admins?: Record<string, readonly string[]>;
  /** org -> logins. */
  members?: Record<string, readonly string[]>;
  /** `org/repo#number` -> paths. */
  changedFiles?: Record<string, readonly string[]>;
  /** `org/repo#number` -> label names. */
  labels?: Record<string, readonly string[]>;
  /** `org/repo` -> the labels the repository has. */
  repoLabels?: Record<string, readonly string[]>;
  /** `org/repo@sha` -> statuses. */
  statuses?: Record<string, readonly CommitStatus[]>;
  /** `org/repo#number` -> the pull request (its author, for whether an author has opened others). */
  pullRequests?: Record<string, PullRequestFacts>;
  /** `org/repo@before..after` -> paths. */
  pushChangedFiles?: Record<string, readonly string[]>;
  /** `org/repo` -> clone URL. */
  cloneUrls?: Record<string, string>;
  /** `org/repo#number` -> comments, oldest first. */
  comments?: Record<string, readonly PullRequestComment[]>;
  /** `org/repo#number` -> reviews, oldest first. */
  reviews?: Record<string, readonly Review[]>;
  /** `org/repo@sha` -> path -> text. */
  files?: Record<string, Record<string, string>>;
  /** Lighthouse's login; `lighthouse-bot` unless given. */
  botLogin?: string;
  /** `org/repo#number` -> the issue. */
  issues?: Record<string, IssueFacts>;
  /** `org/slug` (or the team's id, for a team without a slug) -> logins. */
  teams?: Record<string, readonly string[]>;
  /** `org/repo` -> its open milestones. */
  milestones?: Record<string, readonly Milestone[]>;
  /** `org/display name` -> the team. */
  teamsByName?: Record<string, Team>;
  /** `org/repo@sha` -> the commit's tree. */
  trees?: Record<string, string>;
}

export interface InMemoryFacts extends TriggerFacts {
  /** Every question asked, in order, e.g. `isMember org alice`. */
  readonly asked: string[];
}

/** `TriggerFacts` over explicit data: for tests and for `replay --dry-run` with facts given by hand. */
export function inMemoryFacts(data: FactsData = {}): InMemoryFacts {
  const asked: string[] = [];
  const fullName = (repo: RepoKey) => `${repo.owner}/${repo.name}`;
  const required = <T>(value: T | undefined, what: string): T => {
    if (value === undefined) throw new MissingFactError(`no fact for ${what}`);
    return value;
  };
  return {
    asked,
    async isCollaborator(org, repo, user) {
      asked.push(`isCollaborator ${org}/${repo} ${user}`);
      // Providers compare logins without case.
      return (data.collaborators?.[`${org}/${repo}`] ?? []).some(
        (c) => c.toLowerCase() === user.toLowerCase(),
      );
    },
    async isAdmin(org, repo, user) {
      asked.push(`isAdmin ${org}/${repo} ${user}`);
      return (data.admins?.[`${org}/${repo}`] ?? []).some((a) => a.toLowerCase() === user.toLowerCase());
    },
    async isMember(org, user) {
      asked.push(`isMember ${org} ${user}`);
      return (data.members?.[org] ?? []).includes(user);
    },
    async changedFiles(pr) {
      const key = `${fullName(pr.repo)}#${pr.number}`;
      asked.push(`changedFiles ${key}`);
      return required(data.changedFiles?.[key], `changed files of ${key}`);
    },
    async prLabels(pr) {
      const key = `${fullName(pr.repo)}#${pr.number}`;
      asked.push(`prLabels ${key}`);
      return data.labels?.[key] ?? [];
    },
    async repoLabels(repo) {
      asked.push(`repoLabels ${fullName(repo)}`);
      return data.repoLabels?.[fullName(repo)] ?? [];
    },
    async combinedStatus(repo, sha) {
      const key = `${fullName(repo)}@${sha}`;
      asked.push(`combinedStatus ${key}`);
      return data.statuses?.[key] ?? [];
    },
    async pullRequest(pr) {
      const key = `${fullName(pr.repo)}#${pr.number}`;
      asked.push(`pullRequest ${key}`);
      return required(data.pullRequests?.[key], `pull request ${key}`);
    },
    async comments(pr) {
      const key = `${fullName(pr.repo)}#${pr.number}`;
      asked.push(`comments ${key}`);
      return data.comments?.[key] ?? [];
    },
    async reviews(pr) {
      const key = `${fullName(pr.repo)}#${pr.number}`;
      asked.push(`reviews ${key}`);
      return data.reviews?.[key] ?? [];
    },
    async hasOtherPullRequests(pr, author) {
      const key = `${fullName(pr.repo)}#${pr.number}`;
      asked.push(`hasOtherPullRequests ${key} ${author}`);
      return Object.entries(data.pullRequests ?? {}).some(
        ([other, { author: by }]) =>
          other.startsWith(`${fullName(pr.repo)}#`) &&
          other !== key &&
          by.toLowerCase() === author.toLowerCase(),
      );
    },
    async fileAt(repo, sha, path) {
      asked.push(`fileAt ${fullName(repo)}@${sha} ${path}`);
      return data.files?.[`${fullName(repo)}@${sha}`]?.[path];
    },
    async botLogin() {
      asked.push('botLogin');
      return data.botLogin ?? 'lighthouse-bot';
    },
    async pushChangedFiles(push) {
      const key = `${fullName(push.repo)}@${push.before}..${push.after}`;
      asked.push(`pushChangedFiles ${key}`);
      return required(data.pushChangedFiles?.[key], `changed files of push ${key}`);
    },
    async cloneUrl(repo) {
      asked.push(`cloneUrl ${fullName(repo)}`);
      return required(data.cloneUrls?.[fullName(repo)], `clone URL of ${fullName(repo)}`);
    },
    async issue(issue) {
      const key = `${fullName(issue.repo)}#${issue.number}`;
      asked.push(`issue ${key}`);
      return required(data.issues?.[key], `issue ${key}`);
    },
    async isTeamMember(org, team, user) {
      const key = team.slug ? `${org}/${team.slug}` : String(team.id);
      asked.push(`isTeamMember ${key} ${user}`);
      return (data.teams?.[key] ?? []).some((member) => member.toLowerCase() === user.toLowerCase());
    },
    async milestones(repo) {
      asked.push(`milestones ${fullName(repo)}`);
      return data.milestones?.[fullName(repo)] ?? [];
    },
    async teamNamed(org, name) {
      asked.push(`teamNamed ${org} ${name}`);
      return data.teamsByName?.[`${org}/${name}`];
    },
    async treeOf(repo, sha) {
      const key = `${fullName(repo)}@${sha}`;
      asked.push(`treeOf ${key}`);
      return required(data.trees?.[key], `the tree of ${key}`);
    },
  };
}
