import { createPrivateKey, generateKeyPairSync, type KeyObject, verify } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { type Recorded, type Reply, type Route, replayServer } from '../test/replay-server.ts';
import { ProviderError, ProviderUnavailableError } from './api.ts';
import { type GithubAppOptions, githubAppCredentials } from './github-app.ts';

// githubAppCredentials against a local server answering as GitHub's REST reference shows for apps: "Get a
// repository/organization/user installation for the authenticated app" (200 with the installation, 404
// when the app is not installed there), "Create an installation access token for an app" (201 with the
// token and its expires_at; 404 for an unknown installation, 422 for permissions the installation lacks),
// "Get the authenticated app" (200 with its slug), and 401 for a JWT GitHub does not accept. The key pairs
// are made here; the clock is the test's.

const replay = replayServer();
const { requests } = replay;
const github = (routes: Record<string, Route>) => replay.start(routes);
afterEach(() => replay.stop());

const rsa = () =>
  generateKeyPairSync('rsa', {
    modulusLength: 2048,
    publicKeyEncoding: { type: 'spki', format: 'pem' },
    privateKeyEncoding: { type: 'pkcs1', format: 'pem' },
  });
const first = rsa();
const second = rsa();

const start = Date.parse('2026-03-01T12:00:00Z');
const minutes = (m: number) => m * 60_000;
const at = (ms: number) => new Date(ms).toISOString().replace('.000Z', 'Z');

const orgPermissions = {
  statuses: 'write',
  issues: 'write',
  pull_requests: 'read',
  contents: 'read',
  members: 'read',
};

const installation = ({
  id = 1,
  login = 'octo-org',
  type = 'Organization',
  selection = 'all',
  permissions = { ...orgPermissions, metadata: 'read' } as Record<string, string>,
} = {}): Reply => ({
  body: {
    id,
    account: { login, id: 2, type },
    access_tokens_url: `https://api.github.com/app/installations/${id}/access_tokens`,
    repositories_url: 'https://api.github.com/installation/repositories',
    html_url: `https://github.com/organizations/${login}/settings/installations/${id}`,
    app_id: 123,
    app_slug: 'lighthouse-ts',
    target_id: 2,
    target_type: type,
    permissions,
    events: ['pull_request', 'issue_comment', 'push'],
    single_file_name: null,
    repository_selection: selection,
    created_at: '2026-01-01T00:00:00Z',
    updated_at: '2026-01-01T00:00:00Z',
    suspended_at: null,
    suspended_by: null,
  },
});

const accessToken = (token: string, expiresAt: number): Reply => ({
  status: 201,
  body: {
    token,
    expires_at: at(expiresAt),
    permissions: { ...orgPermissions, metadata: 'read' },
    repository_selection: 'all',
  },
});

const notFound: Reply = {
  status: 404,
  body: { message: 'Not Found', documentation_url: 'https://docs.github.com/rest/apps/apps' },
};

const mintPath = (id = 1) => `POST /app/installations/${id}/access_tokens`;

/** Credentials on a clock the test moves, and the private keys asked for so far. */
function credentials(baseUrl: string, overrides: Partial<GithubAppOptions> = {}) {
  const clock = { now: start };
  const keys = { current: first.privateKey, asked: 0 };
  const creds = githubAppCredentials({
    appId: 123,
    privateKey: async () => {
      keys.asked++;
      return keys.current;
    },
    baseUrl,
    now: () => clock.now,
    ...overrides,
  });
  return { creds, clock, keys };
}

const jwtOf = (request: Recorded | undefined) =>
  String(request?.headers.authorization).replace(/^Bearer /, '');

function decode(jwt: string) {
  const [header = '', claims = '', signature = ''] = jwt.split('.');
  const json = (part: string) => JSON.parse(Buffer.from(part, 'base64url').toString('utf8'));
  const signedBy = (publicKey: string | KeyObject) =>
    verify('sha256', Buffer.from(`${header}.${claims}`), publicKey, Buffer.from(signature, 'base64url'));
  return { header: json(header), claims: json(claims), signedBy };
}

const rejection = async (promise: Promise<unknown>) => {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!(error instanceof Error)) throw new Error('expected a rejection');
  return error;
};

describe("the app's JWT", () => {
  it('is RS256, signed by the private key, issued by the app id, backdated 60 s and short-lived', async () => {
    const baseUrl = await github({
      '/repos/octo-org/hello-world/installation': installation(),
      [mintPath()]: accessToken('ghs_first', start + minutes(60)),
    });
    const { creds } = credentials(baseUrl);
    expect(await creds.token('octo-org', 'hello-world')).toBe('ghs_first');

    expect(requests[0]?.headers).toMatchObject({
      accept: 'application/vnd.github+json',
      'x-github-api-version': '2022-11-28',
    });
    const jwt = decode(jwtOf(requests[0]));
    expect(jwt.header).toEqual({ alg: 'RS256', typ: 'JWT' });
    expect(jwt.signedBy(first.publicKey)).toBe(true);
    expect(jwt.signedBy(second.publicKey)).toBe(false);
    const issued = start / 1000;
    expect(jwt.claims).toEqual({ iss: '123', iat: issued - 60, exp: issued + 9 * 60 });
    expect(jwt.claims.exp - issued).toBeLessThanOrEqual(10 * 60);
    expect(jwtOf(requests[1])).toBe(jwtOf(requests[0]));
  });

  it('takes a PKCS#8 key and a client id as the issuer', async () => {
    const pkcs8 = createPrivateKey(first.privateKey).export({ type: 'pkcs8', format: 'pem' }).toString();
    expect(pkcs8).toContain('BEGIN PRIVATE KEY');
    const baseUrl = await github({ '/app': { body: { id: 123, slug: 'lighthouse-ts' } } });
    const creds = githubAppCredentials({ appId: 'Iv23liAbCdEf', privateKey: async () => pkcs8, baseUrl });
    await creds.login?.();
    const jwt = decode(jwtOf(requests[0]));
    expect(jwt.signedBy(first.publicKey)).toBe(true);
    expect(jwt.claims.iss).toBe('Iv23liAbCdEf');
  });

  it('is reused until a minute before it expires, then made again from the key read anew', async () => {
    const baseUrl = await github({
      '/orgs/octo-org/installation': installation(),
      '/orgs/other-org/installation': installation({ id: 2, login: 'other-org' }),
      '/orgs/third-org/installation': installation({ id: 3, login: 'third-org' }),
      [mintPath(1)]: accessToken('ghs_1', start + minutes(60)),
      [mintPath(2)]: accessToken('ghs_2', start + minutes(60)),
      [mintPath(3)]: accessToken('ghs_3', start + minutes(60)),
    });
    const { creds, clock, keys } = credentials(baseUrl);
    await creds.token('octo-org');
    clock.now = start + minutes(8) - 1;
    await creds.token('other-org');
    expect(keys.asked).toBe(1);
    expect(new Set(requests.map(jwtOf)).size).toBe(1);

    // The key file was rotated meanwhile: the next JWT is signed with the new key.
    keys.current = second.privateKey;
    clock.now = start + minutes(8);
    await creds.token('third-org');
    expect(keys.asked).toBe(2);
    const renewed = decode(jwtOf(requests.at(-1)));
    expect(renewed.signedBy(second.publicKey)).toBe(true);
    expect(renewed.signedBy(first.publicKey)).toBe(false);
    expect(renewed.claims.iat).toBe((start + minutes(8)) / 1000 - 60);
  });

  it('is forgotten when GitHub refuses it, so a key rotated on GitHub is picked up at once', async () => {
    const refused: Reply = {
      status: 401,
      body: {
        message: 'A JSON web token could not be decoded',
        documentation_url: 'https://docs.github.com/rest',
      },
    };
    const baseUrl = await github({
      '/repos/octo-org/hello-world/installation': [refused, installation()],
      [mintPath()]: accessToken('ghs_first', start + minutes(60)),
    });
    const { creds, keys } = credentials(baseUrl);
    const error = await rejection(creds.token('octo-org', 'hello-world'));
    expect(error).toBeInstanceOf(ProviderError);
    expect((error as ProviderError).status).toBe(401);
    expect(error.message).toContain('GitHub App 123');
    expect(error.message).toMatch(/app ID and that the private key is the app's current one/);
    expect(error.message).toContain('A JSON web token could not be decoded');
    const refusedJwt = jwtOf(requests[0]);
    expect(error.message).not.toContain(refusedJwt);
    expect(error.message).not.toContain(refusedJwt.split('.')[2]);

    keys.current = second.privateKey;
    expect(await creds.token('octo-org', 'hello-world')).toBe('ghs_first');
    expect(keys.asked).toBe(2);
    expect(decode(jwtOf(requests[1])).signedBy(second.publicKey)).toBe(true);
  });
});

describe('a private key that will not do', () => {
  it('names the problem, not the key, and sends nothing', async () => {
    const baseUrl = await github({});
    const garbage =
      '-----BEGIN RSA PRIVATE KEY-----\nc2VjcmV0LWtleS1tYXRlcmlhbA==\n-----END RSA PRIVATE KEY-----\n';
    const bad = githubAppCredentials({ appId: 123, privateKey: async () => garbage, baseUrl });
    const error = await rejection(bad.token('octo-org', 'hello-world'));
    expect(error.message).toMatch(
      /^GitHub App 123: the private key is not a PEM private key \(PKCS#1 or PKCS#8\)/,
    );
    expect(error.message).not.toContain('c2VjcmV0');

    const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({
      type: 'pkcs8',
      format: 'pem',
    });
    const notRsa = githubAppCredentials({ appId: 123, privateKey: async () => ec.toString(), baseUrl });
    expect((await rejection(notRsa.token('octo-org'))).message).toBe(
      'GitHub App 123: the private key is ec, but app JWTs are signed RS256',
    );

    const unreadable = githubAppCredentials({
      appId: 123,
      privateKey: () =>
        Promise.reject(new Error("ENOENT: no such file or directory, open '/etc/app/key.pem'")),
      baseUrl,
    });
    expect((await rejection(unreadable.login?.() ?? Promise.resolve())).message).toBe(
      "GitHub App 123: could not read the private key: ENOENT: no such file or directory, open '/etc/app/key.pem'",
    );
    expect(requests).toHaveLength(0);
  });

  it('refuses an app id that is none', () => {
    const privateKey = async () => first.privateKey;
    for (const appId of ['', 'my app', 0, -1, 1.5]) {
      expect(() => githubAppCredentials({ appId, privateKey })).toThrow(/numeric ID or its client ID/);
    }
  });
});

describe('installations', () => {
  it('are looked up by repository once per owner, whose other repositories share the token', async () => {
    const baseUrl = await github({
      '/repos/octo-org/hello-world/installation': installation(),
      [mintPath()]: accessToken('ghs_first', start + minutes(60)),
    });
    const { creds } = credentials(baseUrl);
    expect(await creds.token('octo-org', 'hello-world')).toBe('ghs_first');
    expect(await creds.token('octo-org', 'spoon-knife')).toBe('ghs_first');
    expect(await creds.token('Octo-Org')).toBe('ghs_first');
    expect(requests.map((r) => `${r.method} ${r.url}`)).toEqual([
      'GET /repos/octo-org/hello-world/installation',
      'POST /app/installations/1/access_tokens',
    ]);
  });

  it('ask for exactly the permissions Lighthouse needs, members only of an organisation', async () => {
    const baseUrl = await github({
      '/orgs/octo-org/installation': installation(),
      '/users/octocat/installation': installation({
        id: 2,
        login: 'octocat',
        type: 'User',
        permissions: { statuses: 'write', issues: 'write', pull_requests: 'write', contents: 'read' },
      }),
      [mintPath(1)]: accessToken('ghs_org', start + minutes(60)),
      [mintPath(2)]: accessToken('ghs_user', start + minutes(60)),
    });
    const { creds } = credentials(baseUrl);
    expect(await creds.token('octo-org')).toBe('ghs_org');
    expect(await creds.token('octocat')).toBe('ghs_user');
    expect(requests.map((r) => `${r.method} ${r.url}`)).toEqual([
      'GET /orgs/octo-org/installation',
      'POST /app/installations/1/access_tokens',
      'GET /orgs/octocat/installation',
      'GET /users/octocat/installation',
      'POST /app/installations/2/access_tokens',
    ]);
    expect(requests[1]?.body).toEqual({
      permissions: {
        statuses: 'write',
        issues: 'write',
        pull_requests: 'read',
        contents: 'read',
        members: 'read',
      },
    });
    expect(requests[4]?.body).toEqual({
      permissions: { statuses: 'write', issues: 'write', pull_requests: 'read', contents: 'read' },
    });
  });

  it('that do not exist give an error naming the app, the owner and the repository', async () => {
    const baseUrl = await github({});
    const { creds } = credentials(baseUrl);
    const forRepo = await rejection(creds.token('octo-org', 'hello-world'));
    expect(forRepo).toBeInstanceOf(ProviderError);
    expect((forRepo as ProviderError).status).toBe(404);
    expect(forRepo.message).toMatch(
      /^GitHub App 123 cannot reach octo-org\/hello-world: it is not installed on octo-org, or it is installed for selected repositories and hello-world is not one of them/,
    );
    const forOwner = await rejection(creds.token('ghost'));
    expect(forOwner.message).toMatch(/^GitHub App 123 is not installed on ghost \(/);
    for (const request of requests) {
      expect(forRepo.message + forOwner.message).not.toContain(jwtOf(request));
    }
    expect(requests.map((r) => r.url)).toEqual([
      '/repos/octo-org/hello-world/installation',
      '/orgs/ghost/installation',
      '/users/ghost/installation',
    ]);
  });

  it('for selected repositories are asked about each new repository, and a missing one is named', async () => {
    const selected = installation({ selection: 'selected' });
    const baseUrl = await github({
      '/repos/octo-org/hello-world/installation': selected,
      '/repos/octo-org/spoon-knife/installation': selected,
      [mintPath()]: accessToken('ghs_first', start + minutes(60)),
    });
    const { creds } = credentials(baseUrl);
    expect(await creds.token('octo-org', 'hello-world')).toBe('ghs_first');
    expect(await creds.token('octo-org', 'spoon-knife')).toBe('ghs_first');
    const error = await rejection(creds.token('octo-org', 'secret-plans'));
    expect((error as ProviderError).status).toBe(404);
    expect(error.message).toContain('GitHub App 123 cannot reach octo-org/secret-plans');
    expect(await creds.token('octo-org', 'hello-world')).toBe('ghs_first');
    expect(await creds.token('octo-org', 'spoon-knife')).toBe('ghs_first');
    expect(requests.map((r) => `${r.method} ${r.url}`)).toEqual([
      'GET /repos/octo-org/hello-world/installation',
      'POST /app/installations/1/access_tokens',
      'GET /repos/octo-org/spoon-knife/installation',
      'GET /repos/octo-org/secret-plans/installation',
    ]);
  });

  it('that were removed are looked up again after the token mint says so', async () => {
    const baseUrl = await github({
      '/orgs/octo-org/installation': [installation({ id: 1 }), installation({ id: 9 })],
      [mintPath(1)]: notFound,
      [mintPath(9)]: accessToken('ghs_reinstalled', start + minutes(60)),
    });
    const { creds } = credentials(baseUrl);
    const error = await rejection(creds.token('octo-org'));
    expect((error as ProviderError).status).toBe(404);
    expect(error.message).toMatch(/^GitHub App 123's installation 1 on octo-org is gone/);
    expect(await creds.token('octo-org')).toBe('ghs_reinstalled');
  });
});

describe('installation tokens', () => {
  it('are kept until five minutes before they expire, then minted again with a new JWT', async () => {
    const baseUrl = await github({
      '/orgs/octo-org/installation': installation(),
      [mintPath()]: [
        accessToken('ghs_first', start + minutes(60)),
        accessToken('ghs_second', start + minutes(115)),
      ],
    });
    const { creds, clock } = credentials(baseUrl);
    expect(await creds.token('octo-org')).toBe('ghs_first');
    clock.now = start + minutes(55) - 1;
    expect(await creds.token('octo-org', 'hello-world')).toBe('ghs_first');
    clock.now = start + minutes(55);
    expect(await creds.token('octo-org', 'hello-world')).toBe('ghs_second');
    clock.now = start + minutes(110) - 1;
    expect(await creds.token('octo-org')).toBe('ghs_second');

    const mints = requests.filter((r) => r.method === 'POST');
    expect(mints).toHaveLength(2);
    expect(decode(jwtOf(mints[1])).claims.iat).toBe((start + minutes(55)) / 1000 - 60);
  });

  it('asked for at once share one lookup, one JWT and one mint', async () => {
    const baseUrl = await github({
      '/repos/octo-org/hello-world/installation': installation(),
      [mintPath()]: [
        accessToken('ghs_first', start + minutes(60)),
        accessToken('ghs_other', start + minutes(60)),
      ],
    });
    const { creds, keys } = credentials(baseUrl);
    const tokens = await Promise.all([
      creds.token('octo-org', 'hello-world'),
      creds.token('octo-org', 'hello-world'),
      creds.token('octo-org'),
    ]);
    expect(tokens).toEqual(['ghs_first', 'ghs_first', 'ghs_first']);
    expect(requests).toHaveLength(2);
    expect(keys.asked).toBe(1);
  });

  it('that failed to be minted are not kept: the next ask mints again', async () => {
    const baseUrl = await github({
      '/orgs/octo-org/installation': installation(),
      [mintPath()]: [{ status: 502, text: 'Bad Gateway' }, accessToken('ghs_first', start + minutes(60))],
    });
    const { creds } = credentials(baseUrl, { retry: { attempts: 1 } });
    expect(await rejection(creds.token('octo-org'))).toBeInstanceOf(ProviderUnavailableError);
    expect(await creds.token('octo-org')).toBe('ghs_first');
    expect(requests.filter((r) => r.method === 'POST')).toHaveLength(2);
  });

  it('are minted again after a gateway error, since a second token does no harm', async () => {
    const baseUrl = await github({
      '/orgs/octo-org/installation': installation(),
      [mintPath()]: [{ status: 502, text: 'Bad Gateway' }, accessToken('ghs_first', start + minutes(60))],
    });
    const waits: number[] = [];
    const { creds } = credentials(baseUrl, {
      retry: { attempts: 2 },
      random: () => 0.5,
      sleep: async (ms) => {
        waits.push(ms);
      },
    });
    expect(await creds.token('octo-org')).toBe('ghs_first');
    expect(waits).toEqual([125]);
  });

  it('refused for permissions the installation lacks name those permissions', async () => {
    const baseUrl = await github({
      '/orgs/octo-org/installation': installation({
        permissions: {
          statuses: 'write',
          issues: 'read',
          pull_requests: 'write',
          contents: 'read',
          metadata: 'read',
        },
      }),
      [mintPath()]: {
        status: 422,
        body: {
          message: 'The permissions requested are not granted to this installation.',
          documentation_url:
            'https://docs.github.com/rest/apps/apps#create-an-installation-access-token-for-an-app',
        },
      },
    });
    const { creds } = credentials(baseUrl);
    const error = await rejection(creds.token('octo-org'));
    expect((error as ProviderError).status).toBe(422);
    expect(error.message).toMatch(
      /^GitHub App 123's installation 1 on octo-org lacks issues:write, members:read: grant them in the app's settings/,
    );
  });

  it('that cannot be asked for are a ProviderUnavailableError', async () => {
    const { creds } = credentials('http://127.0.0.1:1', { retry: { attempts: 1 } });
    expect(await rejection(creds.token('octo-org'))).toBeInstanceOf(ProviderUnavailableError);
  });

  it('are not given for a request that names no owner', async () => {
    const { creds } = credentials('http://127.0.0.1:1');
    expect((await rejection(creds.token(''))).message).toBe(
      'GitHub App 123: an installation token belongs to one account, and this request names none',
    );
  });
});

describe("the app's login", () => {
  it("is its slug with [bot], asked of GitHub Enterprise Server's /api/v3 once", async () => {
    const origin = await github({
      '/api/v3/app': {
        body: { id: 123, slug: 'lighthouse-ts', name: 'Lighthouse TS', owner: { login: 'octo-org' } },
      },
    });
    const { creds } = credentials(`${origin}/api/v3`);
    expect(await creds.login?.()).toBe('lighthouse-ts[bot]');
    expect(await creds.login?.()).toBe('lighthouse-ts[bot]');
    expect(requests.map((r) => r.url)).toEqual(['/api/v3/app']);
    expect(decode(jwtOf(requests[0])).signedBy(first.publicKey)).toBe(true);
  });
});
