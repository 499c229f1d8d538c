// `@lighthouse-ts/scm/testing`: for tests of what writes to providers (a reporter, a plugin). One local
// server answering as GitHub, GitLab, Gitea and Bitbucket Server document their REST APIs, for commit
// statuses, a pull request's comments and whoami. It keeps what is written as the provider would, and
// records every write it is sent, so a test can count them.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
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

/** A commit status as each provider's API takes it, read back into one shape. */
export interface PostedStatus {
  provider: Provider;
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
  writes: Write[];
  /** The statuses the providers accepted, in order. */
  statuses: PostedStatus[];
  /** The comments of each pull request, by `<provider>/<owner>/<repo>#<number>`. */
  comments: Map<string, StoredComment[]>;
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
}

interface Answer {
  status: number;
  body?: unknown;
  text?: string;
}

export async function startProviderServer(): Promise<ProviderServer> {
  const writes: Write[] = [];
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
    const comment = { id: nextId++, author: botLogin, body, version: 0 };
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

  const githubLike = (provider: 'github' | 'gitea', method: string, path: string, body: Body): Answer => {
    let m = /^\/repos\/([^/]+)\/([^/]+)\/statuses\/([0-9a-f]+)$/.exec(path);
    if (m && method === 'POST') {
      statuses.push({
        provider,
        sha: m[3] as string,
        context: body.context,
        state: body.state,
        description: body.description,
        url: body.target_url ?? undefined,
      });
      return { status: 201, body: { id: nextId++, state: body.state, context: body.context } };
    }
    m = /^\/repos\/([^/]+)\/([^/]+)\/issues\/(\d+)\/comments$/.exec(path);
    const issueComment = (c: StoredComment) => ({ id: c.id, body: c.body, user: { login: c.author } });
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

  const gitlab = (method: string, path: string, body: Body): Answer => {
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

  const bitbucket = (method: string, path: string, body: Body): Answer => {
    const user = { name: botLogin, slug: botLogin };
    const page = (values: unknown[]) => ({ values, size: values.length, isLastPage: true, start: 0 });
    let m = /^\/rest\/api\/latest\/projects\/([^/]+)\/repos\/([^/]+)\/commits\/([0-9a-f]+)\/builds$/.exec(
      path,
    );
    if (m && method === 'POST') {
      statuses.push({
        provider: 'bitbucketserver',
        sha: m[3] as string,
        context: body.key,
        state: body.state,
        description: body.description,
        url: body.url,
      });
      return { status: 204 };
    }
    const pr = '^/rest/api/1\\.0/projects/([^/]+)/repos/([^/]+)/pull-requests/(\\d+)';
    const comment = (c: StoredComment) => ({ id: c.id, version: c.version, text: c.body, author: user });
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
        ? githubLike(provider, method, path, body)
        : provider === 'gitlab'
          ? gitlab(method, path, body)
          : provider === 'bitbucketserver'
            ? bitbucket(method, path, body)
            : { status: 404 };
    if (provider && method !== 'GET') {
      writes.push({ provider, method, path, body, status: answer.status, at: performance.now() });
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
  const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    baseUrl: Object.fromEntries(
      Object.entries(prefixes).map(([provider, prefix]) => [provider, `${origin}${prefix}`]),
    ) as Record<Provider, string>,
    writes,
    statuses,
    comments,
    refuse: (match, answers) => refusals.push({ match, answers: [...answers] }),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
