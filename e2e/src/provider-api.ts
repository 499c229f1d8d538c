// A stand-in for the Git providers' REST APIs, which cannot run here: it answers the trust questions
// the trigger asks (may this user push? is this user a member?) with "yes", in each provider's documented
// shape, and 404 to anything else, recording every request.
import { once } from 'node:events';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

type Route = [pattern: RegExp, answer: (res: ServerResponse, match: RegExpExecArray) => void];

const noContent = (res: ServerResponse) => res.writeHead(204).end();
const json = (res: ServerResponse, body: unknown) =>
  res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(body));

const routes: Route[] = [
  // GitHub (and Gitea, which copies it): 204 for a collaborator or member.
  [/^\/github\/repos\/[^/]+\/[^/]+\/collaborators\/[^/]+$/, noContent],
  [/^\/github\/orgs\/[^/]+\/members\/[^/]+$/, noContent],
  [/^\/gitea\/repos\/[^/]+\/[^/]+\/collaborators\/[^/]+$/, noContent],
  [/^\/gitea\/orgs\/[^/]+\/members\/[^/]+$/, noContent],
  // GitLab: the user's id by name, then a member record with Developer (30) access.
  [/^\/gitlab\/users\?username=([^&]+)$/, (res, m) => json(res, [{ id: 7, username: decode(m[1]) }])],
  [/^\/gitlab\/(projects|groups)\/[^/]+\/members\/all\/7$/, (res) => json(res, { id: 7, access_level: 30 })],
  // GitLab merge request payloads name the actor, not the author: the trigger asks for the merge request.
  [
    /^\/gitlab\/projects\/[^/]+\/merge_requests\/(\d+)$/,
    (res, m) =>
      json(res, {
        iid: Number(m[1]),
        state: 'opened',
        draft: false,
        author: { id: 7, username: 'e2e-author' },
        labels: [],
        source_branch: 'feature',
        target_branch: 'master',
        sha: 'c0ffee00c0ffee00c0ffee00c0ffee00c0ffee00',
        diff_refs: { base_sha: 'deadbeefdeadbeefdeadbeefdeadbeefdeadbeef' },
      }),
  ],
  // Bitbucket Server: the user search filtered by a permission finds the user; a repository's clone links.
  [
    /^\/bitbucketserver\/rest\/api\/1\.0\/users\?filter=([^&]+)&/,
    (res, m) =>
      json(res, {
        size: 1,
        limit: 100,
        start: 0,
        isLastPage: true,
        values: [{ name: decode(m[1]), slug: decode(m[1]).toLowerCase(), active: true, type: 'NORMAL' }],
      }),
  ],
  [
    /^\/bitbucketserver\/rest\/api\/1\.0\/projects\/([^/]+)\/repos\/([^/?]+)$/,
    (res, m) =>
      json(res, {
        slug: decode(m[2]),
        project: { key: decode(m[1]) },
        links: {
          clone: [
            { href: `https://bitbucket.example.com/scm/${decode(m[1])}/${decode(m[2])}.git`, name: 'http' },
          ],
        },
      }),
  ],
];

const decode = (text: string | undefined) => decodeURIComponent(text ?? '');

export interface ProviderApiStandIn {
  /** The API root for a provider: `<url>/github`, `<url>/gitlab`, ... */
  url: string;
  requests: string[];
  close(): Promise<void>;
}

export async function startProviderApi(): Promise<ProviderApiStandIn> {
  const requests: string[] = [];
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const path = req.url ?? '';
    requests.push(`${req.method} ${path}`);
    for (const [pattern, answer] of routes) {
      const match = pattern.exec(path);
      if (match) return answer(res, match);
    }
    res.writeHead(404, { 'content-type': 'application/json' }).end('{"message":"Not Found"}');
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
