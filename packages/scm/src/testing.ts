// `@lighthouse-ts/scm/testing`: for tests of what reads from and writes to providers (lighthouse, a reporter,
// a plugin). One local server answering as GitHub, GitLab, Gitea and Bitbucket Server document their REST
// APIs: for writes, commit statuses, a pull request's comments, labels, assignees and review requests, and
// whoami; for reads, what the trigger asks (is this user a collaborator, a member? a pull request, a
// repository's clone links), the files a test put in a repository at a commit, and a pull request's reviews
// (GitLab's approvals, Bitbucket's reviewers' verdicts), and the pull requests an author opened (those a test
// set, through each provider's filter by author); on GitHub and Gitea also issues (the pull requests' store:
// they share one numbering), teams' members and milestones. Every repository and pull request exists, and every
// user may push to every repository; a pull request first asked about or written to is `defaultPullRequest`
// unless the test set it. It keeps what is written as the provider would, and records every request it is
// sent, so a test can count them.
import { createHash } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { PullRequest, Review } from './api.ts';
import type { Provider } from './events.ts';

export const botLogin = 'lighthouse-bot';

/** A write as the provider received it, with what it answered. */
export interface Write {
  provider: Provider;
  method: string;
  path: string;
  body: unknown;
  status: number;
  at: number;
}

/** A read (a GET) as the provider received it, its path with the query, with the status it answered. */
export interface Read {
  provider: Provider;
  method: string;
  path: string;
  status: number;
  at: number;
}

/** A commit status as each provider's API takes it, read back into one shape. */
export interface PostedStatus {
  provider: Provider;
  /** `<owner>/<repo>`: GitLab's project path, Bitbucket's `<project>/<repo>`. */
  repo: string;
  sha: string;
  context: string;
  state: string;
  description: string;
  url: string | undefined;
}

export interface StoredComment {
  id: number;
  author: string;
  body: string;
  version: number;
  /** When it was written (ISO 8601); served as the provider does when set. */
  at?: string;
}

/** A pull request (a GitLab merge request) as each provider's API gives it, in one shape: its number aside. */
export type StoredPullRequest = Omit<PullRequest, 'number'>;

export const defaultPullRequest: Readonly<StoredPullRequest> = Object.freeze({
  author: 'pr-author',
  state: 'open',
  draft: false,
  labels: [],
  baseRef: 'main',
  baseSha: 'deadbeefdeadbeefdeadbeefdeadbeefdeadbeef',
  headRef: 'feature',
  headSha: 'c0ffee00c0ffee00c0ffee00c0ffee00c0ffee00',
});

export interface PullPeople {
  assignees: string[];
  reviewers: string[];
}

/** What the next matching request is answered with instead of the provider's usual answer. */
export interface Refusal {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
}

export interface ProviderServer {
  /** Each provider's API root on this server, as its client takes it. */
  baseUrl: Record<Provider, string>;
  /** Every request but a GET to a provider's API, in order. */
  writes: Write[];
  /** Every GET to a provider's API, in order. */
  reads: Read[];
  /** The statuses the providers accepted, in order. */
  statuses: PostedStatus[];
  /** The comments of each pull request, by `<provider>/<owner>/<repo>#<number>`. */
  comments: Map<string, StoredComment[]>;
  /**
   * The pull requests asked about or written to (labels, assignees), by `<provider>/<owner>/<repo>#<number>`; a test
   * may set one before it is asked about, else it is a copy of `defaultPullRequest`.
   */
  pullRequests: Map<string, StoredPullRequest>;
  /** The paths each pull request changes, by `<provider>/<owner>/<repo>#<number>`; none unless a test set them. */
  changedFiles: Map<string, string[]>;
  /** Gives a repository (`<provider>/<owner>/<repo>`) a label, as a person would in the provider's settings. */
  createLabel(repo: string, name: string): void;
  /**
   * Whom each pull request (by `<provider>/<owner>/<repo>#<number>`) is assigned to and whose review it
   * asks for, as each provider keeps them (Bitbucket Server: its reviewers asked for, as participants).
   */
  people(pull: string): PullPeople;
  /**
   * Logins no provider knows: GitHub leaves them out of assignees and refuses a review request naming one
   * (422), GitLab finds no such user, Gitea and Bitbucket Server answer 404 (Gitea's issue edit, 422).
   */
  strangers: Set<string>;
  /**
   * Logins that administer every repository: GitHub's and Gitea's `admin` permission, GitLab's Owner,
   * Bitbucket's REPO_ADMIN. Everyone else may only push.
   */
  admins: Set<string>;
  /**
   * Puts a file in a repository (`<provider>/<owner>/<repo>`) at a commit, read back at that SHA only; a
   * path under another file's directory makes that directory.
   */
  setFile(repo: string, sha: string, path: string, text: string): void;
  /**
   * Adds a review, the latest, to a pull request (`<provider>/<owner>/<repo>#<number>`). GitLab answers the
   * approved ones as its approvals, one per author; Bitbucket Server each author as a reviewer, with the
   * verdict (approved or needs work) of their latest review that has one.
   */
  addReview(pull: string, review: Review): void;
  /**
   * The members of each team (GitHub and Gitea), by `<provider>/<org>/<slug>` (GitHub's teams by slug) or
   * `<provider>/<id>` (GitHub's by id, Gitea's); a test adds them.
   */
  teamMembers: Map<string, string[]>;
  /**
   * Gives a repository (`<provider>/<owner>/<repo>`) an open milestone; returns what sets it (GitHub's
   * number, Gitea's id).
   */
  createMilestone(repo: string, title: string): number;
  /** The milestone each issue or pull request has, by `<provider>/<owner>/<repo>#<number>`; none when absent. */
  milestones: Map<string, number>;
  /** Answers the next requests whose `METHOD path` matches with these, one each, before answering as usual. */
  refuse(match: RegExp, refusals: Refusal[]): void;
  close(): Promise<void>;
}

const prefixes: Record<Provider, string> = {
  github: '/github',
  gitlab: '/gitlab/api/v4',
  gitea: '/gitea/api/v1',
  bitbucketserver: '/bitbucket',
};

/** The fields of the bodies these calls send, each provider using some of them. */
interface Body {
  state: string;
  context: string;
  name: string;
  key: string;
  description: string;
  target_url?: string;
  url: string;
  body: string;
  text: string;
  version?: number;
  /** GitHub's label names, Gitea's label ids. */
  labels: (string | number)[];
  color: string;
  add_labels?: string;
  remove_labels?: string;
  assignees?: string[];
  reviewers?: string[];
  assignee_ids?: number[];
  reviewer_ids?: number[];
  milestone?: number | null;
  /** Bitbucket Server's participant. */
  user?: { name: string };
  role?: string;
}

interface Label {
  id: number;
  name: string;
  color: string;
}

const decode = (text: string | undefined) => decodeURIComponent(text ?? '');

/** Bitbucket Server's reviewer statuses: it has no comment-only review and no dismissal. */
const bitbucketVerdicts: Partial<Record<Review['state'], string>> = {
  approved: 'APPROVED',
  changes_requested: 'NEEDS_WORK',
};

interface Answer {
  status: number;
  body?: unknown;
  text?: string;
}

export async function startProviderServer(): Promise<ProviderServer> {
  const writes: Write[] = [];
  const reads: Read[] = [];
  let origin = '';
  const statuses: PostedStatus[] = [];
  const comments = new Map<string, StoredComment[]>();
  const refusals: { match: RegExp; answers: Refusal[] }[] = [];
  let nextId = 1000;

  const pullComments = (key: string) => {
    const list = comments.get(key) ?? [];
    comments.set(key, list);
    return list;
  };
  const findComment = (id: number) => {
    for (const [key, list] of comments) {
      const index = list.findIndex((c) => c.id === id);
      if (index >= 0) return { key, list, index, comment: list[index] as StoredComment };
    }
    return undefined;
  };
  const addComment = (key: string, body: string) => {
    const comment = { id: nextId++, author: botLogin, body, version: 0, at: new Date().toISOString() };
    pullComments(key).push(comment);
    return comment;
  };
  const edit = (id: number, body: string): Answer => {
    const found = findComment(id);
    if (!found) return { status: 404, body: { message: 'Not Found' } };
    found.comment.body = body;
    found.comment.version++;
    return { status: 200, body: found.comment };
  };
  const remove = (id: number): Answer => {
    const found = findComment(id);
    if (!found) return { status: 404, body: { message: 'Not Found' } };
    found.list.splice(found.index, 1);
    return { status: 204 };
  };

  const pullRequests = new Map<string, StoredPullRequest>();
  const pullRequest = (key: string) => {
    const pr = pullRequests.get(key) ?? { ...defaultPullRequest, labels: [] };
    pullRequests.set(key, pr);
    return pr;
  };
  /** GitHub's and Gitea's labels of each repository, by `<provider>/<owner>/<repo>`: they have ids. */
  const repoLabels = new Map<string, Label[]>();
  const labelsOf = (repo: string) => {
    const list = repoLabels.get(repo) ?? [];
    repoLabels.set(repo, list);
    return list;
  };
  const createLabel = (repo: string, name: string, color = 'ededed') => {
    const label = { id: nextId++, name, color: color.replace(/^#/, '') };
    labelsOf(repo).push(label);
    return label;
  };
  /** The repository's label of that name, created as GitHub does when one is added that it lacks. */
  const labelNamed = (repo: string, name: string) =>
    labelsOf(repo).find((l) => l.name === name) ?? createLabel(repo, name);
  /** GitLab's users by lowercased username, each with an id from the first time it is named. */
  const gitlabUsers = new Map<string, { id: number; username: string }>([
    [botLogin, { id: 1, username: botLogin }],
  ]);
  const strangers = new Set<string>();
  // Providers compare logins without case.
  const isStranger = (login: string) =>
    [...strangers].some((stranger) => stranger.toLowerCase() === login.toLowerCase());
  const admins = new Set<string>();
  const isAdmin = (login: string) => [...admins].some((admin) => admin.toLowerCase() === login.toLowerCase());
  const peopleOf = new Map<string, PullPeople>();
  const changedFiles = new Map<string, string[]>();
  const people = (key: string) => {
    const found = peopleOf.get(key) ?? { assignees: [], reviewers: [] };
    peopleOf.set(key, found);
    return found;
  };
  const gitlabUser = (username: string) => {
    const user = gitlabUsers.get(username.toLowerCase()) ?? { id: nextId++, username };
    gitlabUsers.set(username.toLowerCase(), user);
    return user;
  };
  /** The files of each repository at each commit, by `<provider>/<owner>/<repo>@<sha>`, then by path. */
  const trees = new Map<string, Map<string, string>>();
  const fileAt = (repo: string, sha: string | null, path: string) => trees.get(`${repo}@${sha}`)?.get(path);
  /** The names right under `path` at that commit; none when it is no directory. */
  const entriesAt = (repo: string, sha: string | null, path: string) => {
    const prefix = `${path}/`;
    const under = [...(trees.get(`${repo}@${sha}`)?.keys() ?? [])].filter((p) => p.startsWith(prefix));
    return [...new Set(under.map((p) => p.slice(prefix.length).split('/')[0] as string))];
  };
  /** A path as its segments were sent, each percent-encoded. */
  const decodePath = (encoded: string) => encoded.split('/').map(decodeURIComponent).join('/');
  const reviews = new Map<string, Review[]>();
  const reviewsOn = (key: string) => reviews.get(key) ?? [];

  /** The numbers of the pull requests set on a repository (`<provider>/<owner>/<repo>`) by an author, newest first. */
  const authoredBy = (repo: string, author: string) =>
    [...pullRequests]
      .filter(([key, pr]) => key.startsWith(`${repo}#`) && pr.author.toLowerCase() === author.toLowerCase())
      .map(([key]) => Number(key.slice(repo.length + 1)))
      .sort((a, b) => b - a);

  /**
   * Each provider's filter of a repository's pull requests by author, as the client asks it: GitHub's issue
   * search, Gitea's issue list, GitLab's merge requests, Bitbucket's participant filter (after the user by
   * slug). Only the pull requests a test set are there.
   */
  const pullRequestsByAuthor = (
    provider: Provider,
    method: string,
    path: string,
    query: URLSearchParams,
  ): Answer | undefined => {
    if (method !== 'GET') return undefined;
    const first = (numbers: number[], size: string | null) => numbers.slice(0, Number(size ?? 30));
    if (provider === 'github' && path === '/search/issues') {
      const q = query.get('q') ?? '';
      const [repo, author] = [/\brepo:(\S+)/.exec(q)?.[1], /\bauthor:(\S+)/.exec(q)?.[1]];
      if (!repo || !author || !/\bis:pr\b/.test(q))
        return { status: 422, body: { message: 'Validation Failed' } };
      const numbers = authoredBy(`github/${repo}`, author);
      const items = first(numbers, query.get('per_page')).map((number) => ({
        number,
        user: { login: author },
        pull_request: { url: `${origin}/repos/${repo}/pulls/${number}` },
      }));
      return { status: 200, body: { total_count: numbers.length, incomplete_results: false, items } };
    }
    let m = /^\/repos\/([^/]+)\/([^/]+)\/issues$/.exec(path);
    const createdBy = query.get('created_by');
    if (provider === 'gitea' && m && query.get('type') === 'pulls' && createdBy) {
      const numbers = authoredBy(`gitea/${decode(m[1])}/${decode(m[2])}`, createdBy);
      const issue = (number: number) => ({
        number,
        user: { login: createdBy },
        pull_request: { merged: false },
      });
      return { status: 200, body: first(numbers, query.get('limit')).map(issue) };
    }
    m = /^\/projects\/([^/]+)\/merge_requests$/.exec(path);
    const username = query.get('author_username');
    if (provider === 'gitlab' && m && username) {
      const numbers = authoredBy(`gitlab/${decode(m[1])}`, username);
      const mergeRequest = (iid: number) => ({ iid, author: { ...gitlabUser(username), name: username } });
      return { status: 200, body: first(numbers, query.get('per_page')).map(mergeRequest) };
    }
    if (provider !== 'bitbucketserver') return undefined;
    m = /^\/rest\/api\/1\.0\/users\/([^/]+)$/.exec(path);
    if (m) return { status: 200, body: { name: decode(m[1]), slug: decode(m[1]).toLowerCase() } };
    m = /^\/rest\/api\/1\.0\/projects\/([^/]+)\/repos\/([^/]+)\/pull-requests$/.exec(path);
    const name = query.get('username.1');
    if (!m || query.get('role.1') !== 'AUTHOR' || !name) return undefined;
    const numbers = authoredBy(`bitbucketserver/${decode(m[1])}/${decode(m[2])}`, name);
    const values = first(numbers, query.get('limit')).map((id) => ({ id, author: { role: 'AUTHOR' } }));
    return { status: 200, body: { values, size: values.length, isLastPage: true, start: 0 } };
  };

  const teamMembers = new Map<string, string[]>();
  const repoMilestones = new Map<string, { id: number; number: number; title: string }[]>();
  const milestonesOf = (repo: string) => {
    const list = repoMilestones.get(repo) ?? [];
    repoMilestones.set(repo, list);
    return list;
  };
  const milestones = new Map<string, number>();

  /**
   * GitHub's and Gitea's issues (a pull request is one too: read from the pull requests' store), a team's
   * membership (GitHub's by slug or id; Gitea's by id) and milestones: listed, set and cleared through the
   * issue (GitHub's by number, null for none; Gitea's by id, 0 for none).
   */
  const githubLikeIssuesAndTeams = (
    provider: 'github' | 'gitea',
    method: string,
    path: string,
    body: Body,
  ): Answer | undefined => {
    const notFound = { status: 404, body: { message: 'Not Found' } };
    const bySlug = /^\/orgs\/([^/]+)\/teams\/([^/]+)\/memberships\/([^/]+)$/.exec(path);
    const byId = (
      provider === 'github' ? /^\/teams\/(\d+)\/memberships\/([^/]+)$/ : /^\/teams\/(\d+)\/members\/([^/]+)$/
    ).exec(path);
    if (method === 'GET' && ((provider === 'github' && bySlug) || byId)) {
      const [team, login] = byId
        ? [`${provider}/${byId[1]}`, decode(byId[2])]
        : [`${provider}/${decode(bySlug?.[1])}/${decode(bySlug?.[2])}`, decode(bySlug?.[3])];
      const member = (teamMembers.get(team) ?? []).some((each) => each.toLowerCase() === login.toLowerCase());
      if (!member) return notFound;
      return { status: 200, body: provider === 'github' ? { state: 'active', role: 'member' } : { login } };
    }
    let m = /^\/repos\/([^/]+)\/([^/]+)\/milestones$/.exec(path);
    if (m && method === 'GET') {
      const list = milestonesOf(`${provider}/${decode(m[1])}/${decode(m[2])}`).map((each) =>
        provider === 'github'
          ? { ...each, state: 'open' }
          : { id: each.id, title: each.title, state: 'open' },
      );
      return { status: 200, body: list };
    }
    m = /^\/repos\/([^/]+)\/([^/]+)\/issues\/(\d+)$/.exec(path);
    if (!m) return undefined;
    const repo = `${provider}/${decode(m[1])}/${decode(m[2])}`;
    const key = `${repo}#${m[3]}`;
    const issue = pullRequest(key);
    const assigned = people(key);
    if (provider === 'gitea' && method === 'PATCH' && body.assignees !== undefined) {
      const unknown = body.assignees.find(isStranger);
      if (unknown !== undefined)
        return { status: 422, body: { message: `user does not exist [uid: 0, name: ${unknown}]` } };
      assigned.assignees = [...body.assignees];
    }
    const wanted = body.milestone;
    if (method === 'PATCH' && wanted !== undefined) {
      const none = wanted === null || (provider === 'gitea' && wanted === 0);
      const known = milestonesOf(repo).some(
        (each) => (provider === 'github' ? each.number : each.id) === wanted,
      );
      if (none) milestones.delete(key);
      else if (known) milestones.set(key, wanted);
      else return { status: 422, body: { message: 'Validation Failed' } };
    }
    if (method !== 'GET' && method !== 'PATCH') return undefined;
    return {
      status: 200,
      body: {
        number: Number(m[3]),
        state: issue.state === 'open' ? 'open' : 'closed',
        labels: issue.labels.map((name) => ({ name })),
        milestone: milestones.get(key) ?? null,
        assignees: assigned.assignees.map((login) => ({ login })),
      },
    };
  };

  const githubLike = (
    provider: 'github' | 'gitea',
    method: string,
    path: string,
    body: Body,
    query: URLSearchParams,
  ): Answer => {
    const read =
      pullRequestsByAuthor(provider, method, path, query) ??
      githubLikeTrigger(provider, method, path, body) ??
      githubLikeIssuesAndTeams(provider, method, path, body) ??
      githubLikeFilesAndReviews(provider, method, path, query);
    if (read) return read;
    let m = /^\/repos\/([^/]+)\/([^/]+)\/statuses\/([0-9a-f]+)$/.exec(path);
    if (m && method === 'POST') {
      statuses.push({
        provider,
        repo: `${decode(m[1])}/${decode(m[2])}`,
        sha: m[3] as string,
        context: body.context,
        state: body.state,
        description: body.description,
        url: body.target_url ?? undefined,
      });
      return { status: 201, body: { id: nextId++, state: body.state, context: body.context } };
    }
    m = /^\/repos\/([^/]+)\/([^/]+)\/issues\/(\d+)\/comments$/.exec(path);
    const issueComment = (c: StoredComment) => ({
      id: c.id,
      body: c.body,
      user: { login: c.author },
      ...(c.at ? { created_at: c.at } : {}),
    });
    if (m) {
      const key = `${provider}/${m[1]}/${m[2]}#${m[3]}`;
      if (method === 'GET') return { status: 200, body: pullComments(key).map(issueComment) };
      if (method === 'POST') return { status: 201, body: issueComment(addComment(key, body.body)) };
    }
    m = /^\/repos\/[^/]+\/[^/]+\/issues\/comments\/(\d+)$/.exec(path);
    if (m && method === 'PATCH') return edit(Number(m[1]), body.body);
    if (m && method === 'DELETE') return remove(Number(m[1]));
    if (path === '/user' && method === 'GET') return { status: 200, body: { login: botLogin, id: 1 } };
    return { status: 404, body: { message: 'Not Found' } };
  };

  /**
   * What GitHub and Gitea answer besides statuses and comments: membership (204: yes), pull requests, and
   * labels (GitHub's added and removed by name, created when added; Gitea's by id, created by the client).
   */
  const githubLikeTrigger = (
    provider: 'github' | 'gitea',
    method: string,
    path: string,
    body: Body,
  ): Answer | undefined => {
    if (method === 'GET' && /^\/repos\/[^/]+\/[^/]+\/collaborators\/[^/]+$/.test(path))
      return { status: 204 };
    let m = /^\/repos\/[^/]+\/[^/]+\/collaborators\/([^/]+)\/permission$/.exec(path);
    if (method === 'GET' && m) {
      const login = decode(m[1]);
      return { status: 200, body: { permission: isAdmin(login) ? 'admin' : 'write', user: { login } } };
    }
    if (method === 'GET' && /^\/orgs\/[^/]+\/members\/[^/]+$/.test(path)) return { status: 204 };
    const label = (l: Label) =>
      provider === 'github'
        ? { id: l.id, name: l.name, color: l.color, default: false, description: null }
        : { id: l.id, name: l.name, color: l.color, description: '', exclusive: false };
    // Gitea's organisations have labels too; these have none.
    if (provider === 'gitea' && method === 'GET' && /^\/orgs\/[^/]+\/labels$/.test(path))
      return { status: 200, body: [] };
    m = /^\/repos\/([^/]+)\/([^/]+)\/labels$/.exec(path);
    if (m) {
      const repo = `${provider}/${decode(m[1])}/${decode(m[2])}`;
      if (method === 'GET') return { status: 200, body: labelsOf(repo).map(label) };
      if (method === 'POST') {
        if (provider === 'github' && labelsOf(repo).some((l) => l.name === body.name))
          return {
            status: 422,
            body: { message: 'Validation Failed', errors: [{ code: 'already_exists' }] },
          };
        return { status: 201, body: label(createLabel(repo, body.name, body.color)) };
      }
    }
    const pullPath = (suffix: string) => new RegExp(`^/repos/([^/]+)/([^/]+)/${suffix}$`).exec(path);
    m = pullPath('pulls/(\\d+)/files');
    if (m && method === 'GET') {
      const paths = changedFiles.get(`${provider}/${decode(m[1])}/${decode(m[2])}#${m[3]}`) ?? [];
      const files = paths.map((filename) => ({
        filename,
        status: 'modified',
        additions: 1,
        deletions: 1,
        changes: 2,
      }));
      return { status: 200, body: files };
    }
    m = pullPath('pulls/(\\d+)');
    if (m && method === 'GET') {
      const repo = `${provider}/${decode(m[1])}/${decode(m[2])}`;
      const pr = pullRequest(`${repo}#${m[3]}`);
      const pull = {
        number: Number(m[3]),
        state: pr.state === 'open' ? 'open' : 'closed',
        merged: pr.state === 'merged',
        draft: pr.draft,
        user: { login: pr.author },
        labels: pr.labels.map((name) => label(labelNamed(repo, name))),
        base: { ref: pr.baseRef, sha: pr.baseSha },
        head: { ref: pr.headRef, sha: pr.headSha },
        ...(pr.changedLines === undefined ? {} : { additions: pr.changedLines, deletions: 0 }),
      };
      return { status: 200, body: pull };
    }
    const assigned = githubPeople(provider, method, path, body);
    if (assigned) return assigned;
    m = pullPath('issues/(\\d+)/labels(?:/([^/]+))?');
    if (!m) return undefined;
    const repo = `${provider}/${decode(m[1])}/${decode(m[2])}`;
    const pr = pullRequest(`${repo}#${m[3]}`);
    const prLabels = () => ({ status: 200, body: pr.labels.map((name) => label(labelNamed(repo, name))) });
    const one = m[4] === undefined ? undefined : decode(m[4]);
    if (one === undefined && method === 'GET') return prLabels();
    if (one === undefined && method === 'POST') {
      const names =
        provider === 'github'
          ? (body.labels ?? []).map(String)
          : // Gitea adds by id, leaving out ids that are no label of the repository.
            (body.labels ?? []).flatMap((id) => labelsOf(repo).find((l) => l.id === id)?.name ?? []);
      for (const name of names) {
        labelNamed(repo, name);
        if (!pr.labels.includes(name)) pr.labels.push(name);
      }
      return prLabels();
    }
    if (one !== undefined && method === 'DELETE') {
      if (provider === 'github') {
        if (!pr.labels.includes(one)) return { status: 404, body: { message: 'Label does not exist' } };
        pr.labels = pr.labels.filter((name) => name !== one);
        return prLabels();
      }
      // Gitea removes by id: 422 for an id that is no label, 204 whether the issue had it or not.
      const found = labelsOf(repo).find((l) => String(l.id) === one);
      if (!found) return { status: 422, body: { message: 'label not found' } };
      pr.labels = pr.labels.filter((name) => name !== found.name);
      return { status: 204 };
    }
    return undefined;
  };

  /**
   * GitHub's contents (a file as base64 JSON, a directory as a list of its entries) and Gitea's raw files;
   * a pull request's reviews, in each one's names of their states.
   */
  const githubLikeFilesAndReviews = (
    provider: 'github' | 'gitea',
    method: string,
    path: string,
    query: URLSearchParams,
  ): Answer | undefined => {
    if (method !== 'GET') return undefined;
    const notFound = { status: 404, body: { message: 'Not Found' } };
    let m = /^\/repos\/([^/]+)\/([^/]+)\/(contents|raw)\/(.+)$/.exec(path);
    if (m && (m[3] === 'contents') === (provider === 'github')) {
      const repo = `${provider}/${decode(m[1])}/${decode(m[2])}`;
      const filePath = decodePath(m[4] as string);
      const ref = query.get('ref');
      const text = fileAt(repo, ref, filePath);
      if (provider === 'gitea') return text === undefined ? notFound : { status: 200, text };
      if (text !== undefined) {
        const bytes = Buffer.from(text);
        return {
          status: 200,
          body: {
            type: 'file',
            encoding: 'base64',
            size: bytes.length,
            name: filePath.split('/').at(-1),
            path: filePath,
            // GitHub breaks the base64 into lines of 60 characters.
            content: bytes.toString('base64').replace(/.{60}/g, '$&\n'),
            sha: createHash('sha1').update(`blob ${bytes.length}\0`).update(bytes).digest('hex'),
          },
        };
      }
      const entries = entriesAt(repo, ref, filePath).map((name) => {
        const entryPath = `${filePath}/${name}`;
        return { type: fileAt(repo, ref, entryPath) === undefined ? 'dir' : 'file', name, path: entryPath };
      });
      return entries.length > 0 ? { status: 200, body: entries } : notFound;
    }
    m = /^\/repos\/([^/]+)\/([^/]+)\/pulls\/(\d+)\/reviews$/.exec(path);
    if (!m) return undefined;
    const states =
      provider === 'github'
        ? { approved: 'APPROVED', changes_requested: 'CHANGES_REQUESTED', commented: 'COMMENTED' }
        : { approved: 'APPROVED', changes_requested: 'REQUEST_CHANGES', commented: 'COMMENT' };
    const list = reviewsOn(`${provider}/${decode(m[1])}/${decode(m[2])}#${m[3]}`).map((review, index) => ({
      id: index + 1,
      user: { login: review.author, id: 1, type: 'User' },
      body: review.body,
      ...(review.at ? { submitted_at: review.at } : {}),
      ...(review.state !== 'dismissed'
        ? { state: states[review.state] }
        : provider === 'github'
          ? { state: 'DISMISSED' }
          : // Gitea dismisses only approvals and change requests, keeping the verdict: here a change request.
            { state: 'REQUEST_CHANGES', dismissed: true }),
    }));
    return { status: 200, body: list };
  };

  /**
   * GitHub's assignees (the issue's; a stranger is left out without complaint) and review requests (the
   * author or a stranger refused, 422, and then nobody is asked). Gitea's review requests: a stranger is
   * no user (404), the author may not review (422), and either way nobody is asked; its assignees are
   * the issue's whole list (`githubLikeIssuesAndTeams`), and it lists the users who may be assigned,
   * which this server cannot: a test answers that with `refuse`.
   */
  const githubPeople = (
    provider: 'github' | 'gitea',
    method: string,
    path: string,
    body: Body,
  ): Answer | undefined => {
    const m =
      /^\/repos\/([^/]+)\/([^/]+)\/(issues\/(\d+)\/assignees|pulls\/(\d+)\/requested_reviewers)$/.exec(path);
    if (!m || (method !== 'POST' && method !== 'DELETE')) return undefined;
    const key = `${provider}/${decode(m[1])}/${decode(m[2])}#${m[4] ?? m[5]}`;
    const pr = people(key);
    const user = (login: string) => ({ login, id: 1, type: 'User' });
    if (provider === 'gitea') {
      if (m[5] === undefined) return undefined;
      const logins = body.reviewers ?? [];
      if (method === 'DELETE') {
        pr.reviewers = pr.reviewers.filter((login) => !logins.includes(login));
        return { status: 204 };
      }
      if (logins.some(isStranger)) return { status: 404, body: { message: 'user does not exist' } };
      if (logins.includes(pullRequest(key).author))
        return {
          status: 422,
          body: { message: 'review request for the pull request author is not allowed' },
        };
      const added = logins.filter((login) => !pr.reviewers.includes(login));
      pr.reviewers.push(...added);
      return {
        status: 201,
        body: added.map((login) => ({ reviewer: user(login), state: 'REQUEST_REVIEW' })),
      };
    }
    if (m[4] !== undefined) {
      const logins = body.assignees ?? [];
      if (method === 'POST') {
        for (const login of logins) {
          if (!isStranger(login) && !pr.assignees.includes(login)) pr.assignees.push(login);
        }
      } else pr.assignees = pr.assignees.filter((login) => !logins.includes(login));
      return {
        status: method === 'POST' ? 201 : 200,
        body: { number: Number(m[4]), assignees: pr.assignees.map(user) },
      };
    }
    const logins = body.reviewers ?? [];
    if (method === 'POST') {
      const author = pullRequest(key).author;
      if (logins.some((login) => isStranger(login) || login === author)) {
        return {
          status: 422,
          body: {
            message:
              'Reviews may only be requested from collaborators. One or more of the users or teams you specified is not a collaborator of the repository.',
          },
        };
      }
      for (const login of logins) if (!pr.reviewers.includes(login)) pr.reviewers.push(login);
    } else pr.reviewers = pr.reviewers.filter((login) => !logins.includes(login));
    return {
      status: method === 'POST' ? 201 : 200,
      body: { number: Number(m[5]), requested_reviewers: pr.reviewers.map(user) },
    };
  };

  const gitlab = (method: string, path: string, body: Body, query: URLSearchParams): Answer => {
    const read =
      pullRequestsByAuthor('gitlab', method, path, query) ??
      gitlabTrigger(method, path, body, query) ??
      gitlabFilesAndApprovals(method, path, query);
    if (read) return read;
    let m = /^\/projects\/([^/]+)\/statuses\/([0-9a-f]+)$/.exec(path);
    if (m && method === 'POST') {
      const last = statuses.findLast(
        (s) => s.provider === 'gitlab' && s.sha === m?.[2] && s.context === body.name,
      );
      // GitLab refuses to move a status to the state it is in (running -> running, pending -> pending).
      if (last && last.state === body.state && ['running', 'pending'].includes(body.state)) {
        const message = `Cannot transition status via :${body.state === 'running' ? 'run' : 'enqueue'} from :${body.state}`;
        return { status: 400, body: { message } };
      }
      statuses.push({
        provider: 'gitlab',
        repo: decode(m[1]),
        sha: m[2] as string,
        context: body.name,
        state: body.state,
        description: body.description,
        url: body.target_url ?? undefined,
      });
      return { status: 201, body: { id: nextId++, status: body.state, name: body.name } };
    }
    m = /^\/projects\/([^/]+)\/merge_requests\/(\d+)\/notes(?:\/(\d+))?$/.exec(path);
    const note = (c: StoredComment) => ({
      id: c.id,
      body: c.body,
      author: { username: c.author },
      system: false,
      ...(c.at ? { created_at: c.at } : {}),
    });
    if (m) {
      const key = `gitlab/${decodeURIComponent(m[1] as string)}#${m[2]}`;
      if (m[3] === undefined && method === 'GET') return { status: 200, body: pullComments(key).map(note) };
      if (m[3] === undefined && method === 'POST')
        return { status: 201, body: note(addComment(key, body.body)) };
      if (m[3] !== undefined && method === 'PUT') return edit(Number(m[3]), body.body);
      if (m[3] !== undefined && method === 'DELETE') return remove(Number(m[3]));
    }
    if (path === '/user' && method === 'GET') return { status: 200, body: { id: 1, username: botLogin } };
    return { status: 404, body: { message: '404 Not found' } };
  };

  /** GitLab's raw files (the path one segment), and a merge request's approvals: its approved reviews. */
  const gitlabFilesAndApprovals = (
    method: string,
    path: string,
    query: URLSearchParams,
  ): Answer | undefined => {
    if (method !== 'GET') return undefined;
    let m = /^\/projects\/([^/]+)\/repository\/files\/([^/]+)\/raw$/.exec(path);
    if (m) {
      const text = fileAt(`gitlab/${decode(m[1])}`, query.get('ref'), decode(m[2]));
      return text === undefined
        ? { status: 404, body: { message: '404 File Not Found' } }
        : { status: 200, text };
    }
    m = /^\/projects\/([^/]+)\/merge_requests\/(\d+)\/diffs$/.exec(path);
    if (m && method === 'GET') {
      const paths = changedFiles.get(`gitlab/${decode(m[1])}#${m[2]}`) ?? [];
      const diff = (file: string) => ({
        old_path: file,
        new_path: file,
        diff: '',
        new_file: false,
        renamed_file: false,
        deleted_file: false,
      });
      return { status: 200, body: paths.map(diff) };
    }
    m = /^\/projects\/([^/]+)\/merge_requests\/(\d+)\/approvals$/.exec(path);
    if (!m) return undefined;
    const approvers = reviewsOn(`gitlab/${decode(m[1])}#${m[2]}`)
      .filter((review) => review.state === 'approved')
      .map((review) => review.author);
    const approvedBy = [...new Set(approvers)].map((username) => ({
      user: { ...gitlabUser(username), name: username, state: 'active' },
    }));
    const approvals = {
      iid: Number(m[2]),
      approved: approvedBy.length > 0,
      approvals_required: 0,
      approvals_left: 0,
      approved_by: approvedBy,
    };
    return { status: 200, body: approvals };
  };

  /**
   * What GitLab answers besides statuses and notes: users by name, each a Developer (30) of every project
   * and group, or an Owner (50) if one of `admins`; merge requests, their labels changed by `add_labels`
   * and `remove_labels`.
   */
  const gitlabTrigger = (
    method: string,
    path: string,
    body: Body,
    query: URLSearchParams,
  ): Answer | undefined => {
    const username = query.get('username');
    if (path === '/users' && method === 'GET' && username !== null) {
      if (isStranger(username)) return { status: 200, body: [] };
      const user = gitlabUser(username);
      return { status: 200, body: [{ ...user, name: user.username, state: 'active' }] };
    }
    let m = /^\/(?:projects|groups)\/[^/]+\/members\/all\/(\d+)$/.exec(path);
    if (m && method === 'GET') {
      const id = Number(m[1]);
      const user = [...gitlabUsers.values()].find((u) => u.id === id);
      if (!user) return { status: 404, body: { message: '404 Not found' } };
      const access_level = isAdmin(user.username) ? 50 : 30;
      return { status: 200, body: { ...user, name: user.username, state: 'active', access_level } };
    }
    m = /^\/projects\/([^/]+)\/labels$/.exec(path);
    if (m && method === 'GET') {
      const labels = labelsOf(`gitlab/${decode(m[1])}`);
      return { status: 200, body: labels.map((l) => ({ id: l.id, name: l.name, color: `#${l.color}` })) };
    }
    m = /^\/projects\/([^/]+)\/merge_requests\/(\d+)$/.exec(path);
    if (!m || (method !== 'GET' && method !== 'PUT')) return undefined;
    const key = `gitlab/${decode(m[1])}#${m[2]}`;
    const pr = pullRequest(key);
    const assigned = people(key);
    const names = (list: string | undefined) => (list ?? '').split(',').filter((name) => name !== '');
    const usernames = (ids: number[]) =>
      ids.flatMap((id) => [...gitlabUsers.values()].find((u) => u.id === id)?.username ?? []);
    if (method === 'PUT') {
      for (const name of names(body.add_labels)) if (!pr.labels.includes(name)) pr.labels.push(name);
      const removed = names(body.remove_labels);
      pr.labels = pr.labels.filter((name) => !removed.includes(name));
      if (body.assignee_ids) assigned.assignees = usernames(body.assignee_ids);
      if (body.reviewer_ids) assigned.reviewers = usernames(body.reviewer_ids);
    }
    const users = (list: string[]) =>
      list.map((username) => ({ ...gitlabUser(username), name: username, state: 'active' }));
    const mergeRequest = {
      iid: Number(m[2]),
      state: pr.state === 'open' ? 'opened' : pr.state,
      draft: pr.draft,
      work_in_progress: pr.draft,
      author: { ...gitlabUser(pr.author), name: pr.author },
      labels: pr.labels,
      assignees: users(assigned.assignees),
      reviewers: users(assigned.reviewers),
      source_branch: pr.headRef,
      target_branch: pr.baseRef,
      sha: pr.headSha,
      diff_refs: { base_sha: pr.baseSha, head_sha: pr.headSha, start_sha: pr.baseSha },
    };
    return { status: 200, body: mergeRequest };
  };

  /**
   * What Bitbucket Server answers besides builds and comments: the user search finds the user it is given
   * (every user holds every permission, but only `admins` REPO_ADMIN); repositories with their clone links;
   * raw files; pull requests, the authors of their reviews as reviewers.
   */
  const bitbucketTrigger = (method: string, path: string, query: URLSearchParams): Answer | undefined => {
    if (method !== 'GET') return undefined;
    const page = (values: unknown[]) => ({
      values,
      size: values.length,
      isLastPage: true,
      start: 0,
      limit: 100,
    });
    const user = (name: string) => ({
      name,
      slug: name.toLowerCase(),
      displayName: name,
      active: true,
      type: 'NORMAL',
    });
    const filter = query.get('filter');
    if (path === '/rest/api/1.0/users' && filter) {
      const holds = query.get('permission') !== 'REPO_ADMIN' || isAdmin(filter);
      return { status: 200, body: page(holds ? [user(filter)] : []) };
    }
    const repoPath = '^/rest/api/1\\.0/projects/([^/]+)/repos/([^/]+)';
    let m = new RegExp(`${repoPath}/raw/(.+)$`).exec(path);
    if (m) {
      const [filePath, at] = [decodePath(m[3] as string), query.get('at')];
      const text = fileAt(`bitbucketserver/${decode(m[1])}/${decode(m[2])}`, at, filePath);
      if (text !== undefined) return { status: 200, text };
      const message = `The path "${filePath}" does not exist at revision "${at}"`;
      const exceptionName = 'com.atlassian.bitbucket.content.NoSuchPathException';
      return { status: 404, body: { errors: [{ context: null, message, exceptionName }] } };
    }
    m = new RegExp(`${repoPath}$`).exec(path);
    if (m) {
      const [project, slug] = [decode(m[1]), decode(m[2])];
      const clone = `${origin}${prefixes.bitbucketserver}/scm/${project.toLowerCase()}/${slug}.git`;
      const repository = {
        slug,
        name: slug,
        project: { key: project },
        links: { clone: [{ href: clone, name: 'http' }] },
      };
      return { status: 200, body: repository };
    }
    m = new RegExp(`${repoPath}/pull-requests/(\\d+)/changes$`).exec(path);
    if (m) {
      const paths = changedFiles.get(`bitbucketserver/${decode(m[1])}/${decode(m[2])}#${m[3]}`) ?? [];
      const change = (file: string) => ({
        type: 'MODIFY',
        path: { components: file.split('/'), toString: file },
      });
      return { status: 200, body: page(paths.map(change)) };
    }
    m = new RegExp(`${repoPath}/pull-requests/(\\d+)$`).exec(path);
    if (!m) return undefined;
    const key = `bitbucketserver/${decode(m[1])}/${decode(m[2])}#${m[3]}`;
    const pr = pullRequest(key);
    const verdicts = new Map<string, string>();
    for (const review of reviewsOn(key)) {
      const verdict = bitbucketVerdicts[review.state] ?? verdicts.get(review.author) ?? 'UNAPPROVED';
      verdicts.set(review.author, verdict);
    }
    const reviewers = [...verdicts].map(([author, status]) => ({
      user: user(author),
      role: 'REVIEWER',
      approved: status === 'APPROVED',
      status,
    }));
    const ref = (branch: string, sha: string) => ({
      id: `refs/heads/${branch}`,
      displayId: branch,
      latestCommit: sha,
    });
    const pull = {
      id: Number(m[3]),
      version: 0,
      state: { open: 'OPEN', closed: 'DECLINED', merged: 'MERGED' }[pr.state],
      open: pr.state === 'open',
      closed: pr.state !== 'open',
      draft: pr.draft,
      author: { user: user(pr.author), role: 'AUTHOR' },
      reviewers,
      participants: [],
      fromRef: ref(pr.headRef, pr.headSha),
      toRef: ref(pr.baseRef, pr.baseSha),
    };
    return { status: 200, body: pull };
  };

  const bitbucket = (method: string, path: string, body: Body, query: URLSearchParams): Answer => {
    const read =
      pullRequestsByAuthor('bitbucketserver', method, path, query) ?? bitbucketTrigger(method, path, query);
    if (read) return read;
    const user = { name: botLogin, slug: botLogin };
    const page = (values: unknown[]) => ({ values, size: values.length, isLastPage: true, start: 0 });
    let m = /^\/rest\/api\/latest\/projects\/([^/]+)\/repos\/([^/]+)\/commits\/([0-9a-f]+)\/builds$/.exec(
      path,
    );
    if (m && method === 'POST') {
      statuses.push({
        provider: 'bitbucketserver',
        repo: `${decode(m[1])}/${decode(m[2])}`,
        sha: m[3] as string,
        context: body.key,
        state: body.state,
        description: body.description,
        url: body.url,
      });
      return { status: 204 };
    }
    const pr = '^/rest/api/1\\.0/projects/([^/]+)/repos/([^/]+)/pull-requests/(\\d+)';
    const comment = (c: StoredComment) => ({
      id: c.id,
      version: c.version,
      text: c.body,
      author: user,
      ...(c.at ? { createdDate: Date.parse(c.at) } : {}),
    });
    m = new RegExp(`${pr}/activities$`).exec(path);
    if (m && method === 'GET') {
      const list = pullComments(`bitbucketserver/${m[1]}/${m[2]}#${m[3]}`);
      const activities = list.map((c) => ({
        action: 'COMMENTED',
        commentAction: 'ADDED',
        comment: comment(c),
      }));
      return { status: 200, body: page(activities.reverse()) };
    }
    // Reviewers asked for: a stranger is no user (404), the author may not review (409, as Data Center
    // answers); taking one back that is not there is 404.
    m = new RegExp(`${pr}/participants(?:/([^/]+))?$`).exec(path);
    if (m) {
      const key = `bitbucketserver/${decode(m[1])}/${decode(m[2])}#${m[3]}`;
      const asked = people(key);
      const login = m[4] === undefined ? body.user?.name : decode(m[4]);
      if (method === 'POST' && m[4] === undefined && login) {
        if (isStranger(login)) return { status: 404, body: { errors: [{ message: 'No such user' }] } };
        if (login === pullRequest(key).author)
          return { status: 409, body: { errors: [{ message: 'The author cannot be a reviewer' }] } };
        if (!asked.reviewers.includes(login)) asked.reviewers.push(login);
        return { status: 200, body: { user: { name: login, slug: login }, role: body.role } };
      }
      if (method === 'DELETE' && login && asked.reviewers.includes(login)) {
        asked.reviewers = asked.reviewers.filter((each) => each !== login);
        return { status: 204 };
      }
      return { status: 404, body: { errors: [{ message: 'No such participant' }] } };
    }
    m = new RegExp(`${pr}/comments(?:/(\\d+))?$`).exec(path);
    if (m) {
      const id = m[4] === undefined ? undefined : Number(m[4]);
      const key = `bitbucketserver/${m[1]}/${m[2]}#${m[3]}`;
      if (id === undefined && method === 'POST')
        return { status: 201, body: comment(addComment(key, body.text)) };
      const found = id === undefined ? undefined : findComment(id);
      if (!found) return { status: 404, body: { errors: [{ message: 'No such comment' }] } };
      if (method === 'GET') return { status: 200, body: comment(found.comment) };
      if (method === 'PUT') {
        if (body.version !== found.comment.version)
          return { status: 409, body: { errors: [{ message: 'stale' }] } };
        return edit(found.comment.id, body.text);
      }
      if (method === 'DELETE') return remove(found.comment.id);
    }
    if (path === '/plugins/servlet/applinks/whoami' && method === 'GET')
      return { status: 200, text: botLogin };
    if (path === '/rest/api/1.0/users' && method === 'GET') return { status: 200, body: page([user]) };
    return { status: 404, body: { errors: [{ message: 'Not Found' }] } };
  };

  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const text = Buffer.concat(chunks).toString('utf8');
    const body = (text ? JSON.parse(text) : {}) as Body;
    const url = new URL(req.url ?? '/', 'http://localhost');
    const method = req.method ?? 'GET';
    const provider = (Object.keys(prefixes) as Provider[]).find((p) => url.pathname.startsWith(prefixes[p]));
    const path = provider ? url.pathname.slice(prefixes[provider].length) : url.pathname;
    const refusal = refusals.find((r) => r.match.test(`${method} ${path}`) && r.answers.length > 0);
    const answer: Answer & { headers?: Record<string, string> } = refusal
      ? (refusal.answers.shift() as Refusal)
      : provider === 'github' || provider === 'gitea'
        ? githubLike(provider, method, path, body, url.searchParams)
        : provider === 'gitlab'
          ? gitlab(method, path, body, url.searchParams)
          : provider === 'bitbucketserver'
            ? bitbucket(method, path, body, url.searchParams)
            : { status: 404 };
    if (provider && method !== 'GET') {
      writes.push({ provider, method, path, body, status: answer.status, at: performance.now() });
    }
    if (provider && method === 'GET') {
      reads.push({
        provider,
        method,
        path: `${path}${url.search}`,
        status: answer.status,
        at: performance.now(),
      });
    }
    const payload = answer.text ?? (answer.body === undefined ? '' : JSON.stringify(answer.body));
    res.writeHead(answer.status, {
      'content-type': answer.text === undefined ? 'application/json' : 'text/plain',
      ...answer.headers,
    });
    res.end(payload);
  };

  const server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      res.writeHead(500, { 'content-type': 'text/plain' });
      res.end(String(error));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    baseUrl: Object.fromEntries(
      Object.entries(prefixes).map(([provider, prefix]) => [provider, `${origin}${prefix}`]),
    ) as Record<Provider, string>,
    writes,
    reads,
    statuses,
    comments,
    pullRequests,
    createLabel: (repo, name) => {
      labelNamed(repo, name);
    },
    people,
    strangers,
    admins,
    changedFiles,
    setFile: (repo, sha, path, text) => {
      const files = trees.get(`${repo}@${sha}`) ?? new Map<string, string>();
      trees.set(`${repo}@${sha}`, files.set(path, text));
    },
    addReview: (pull, review) => {
      reviews.set(pull, [...reviewsOn(pull), review]);
    },
    teamMembers,
    createMilestone: (repo, title) => {
      const list = milestonesOf(repo);
      // GitHub numbers a repository's milestones from 1, apart from their ids; Gitea has ids only.
      const milestone = { id: nextId++, number: list.length + 1, title };
      list.push(milestone);
      return repo.startsWith('github/') ? milestone.number : milestone.id;
    },
    milestones,
    refuse: (match, answers) => refusals.push({ match, answers: [...answers] }),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
