import { createPrivateKey, type KeyObject, sign } from 'node:crypto';
import * as z from 'zod';
import { type Credentials, ProviderError } from './api.ts';
import { TtlCache } from './cache.ts';
import { type Call, type ClientOptions, restClient } from './rest.ts';

export interface GithubAppOptions extends Omit<ClientOptions, 'token'> {
  /** The app's ID, or its client ID (`Iv23li...`), which GitHub now recommends as the JWT's issuer. */
  appId: string | number;
  /**
   * The app's private key as PEM (PKCS#1 `RSA PRIVATE KEY` or PKCS#8 `PRIVATE KEY`). Asked again for every
   * new JWT, so a rotated key file takes effect without a restart.
   */
  privateKey: () => Promise<string>;
  /** `https://api.github.com`, or `https://<host>/api/v3` for GitHub Enterprise Server. */
  baseUrl?: string;
}

/**
 * What each installation token asks for, and no more; GitHub adds `metadata: read` to every token by itself,
 * which covers the collaborator check (`GET /repos/{owner}/{repo}/collaborators/{user}`).
 */
export const githubAppPermissions = {
  /** Commit statuses are Lighthouse's report (`POST /repos/{owner}/{repo}/statuses/{sha}`) and read back. */
  statuses: 'write',
  /**
   * Comments, labels, assignees and milestones of a pull request are issue endpoints
   * (`/issues/{number}/comments`, `/labels`, `/assignees`).
   */
  issues: 'write',
  /**
   * The pull request, its changed files and reviews (`GET /pulls/{number}`, `/files`, `/reviews`). Review
   * requests (`/cc`) would need write, which installations granted read would then refuse every token
   * for: `/cc` as an app is refused (403) and logged.
   */
  pull_requests: 'read',
  /** Cloning the repository and reading its in-repo `.lighthouse/` configuration. */
  contents: 'read',
  /**
   * `GET /orgs/{org}/members/{user}`: whether an author belongs to the organisation (trusted to trigger);
   * the org's teams and their members (`repo_milestone`, `trusted_team_for_sticky_lgtm`). An organisation
   * permission: not asked for on a user account's installation, which has no members.
   */
  members: 'read',
} as const satisfies Record<string, 'read' | 'write'>;

// GitHub's advice: `iat` 60 s in the past against clock drift, `exp` at most 10 minutes ahead. A minute
// short of those 10 leaves room for a clock that runs ahead of GitHub's.
const jwtBackdateS = 60;
const jwtLifetimeS = 9 * 60;
const jwtRenewMarginMs = 60_000;
// Installation tokens live an hour; one with less than this left is replaced rather than handed out.
const tokenRefreshMarginMs = 5 * 60_000;
const installationsTtlMs = 60 * 60_000;

const InstallationAnswer = z.looseObject({
  id: z.number().int().positive(),
  target_type: z.string(),
  repository_selection: z.enum(['all', 'selected']),
  permissions: z.record(z.string(), z.string()).optional(),
});

const AccessTokenAnswer = z.looseObject({
  token: z.string().min(1),
  expires_at: z.string().refine((at) => !Number.isNaN(Date.parse(at)), 'expires_at is not a date'),
});

const AppAnswer = z.looseObject({ slug: z.string().min(1) });

/** An installation as looked up, and the repositories a lookup has shown it to cover. */
interface Installation {
  id: number;
  organization: boolean;
  selection: 'all' | 'selected';
  permissions: Record<string, string> | undefined;
  covers: Set<string>;
}

/**
 * Values that carry their own expiry, each kept until `marginMs` before it. Concurrent loads of one key
 * share one call; a failed load is not kept.
 */
class ExpiringCache<V> {
  readonly #entries = new Map<
    string,
    { load: Promise<{ value: V; expiresAt: number }>; expiresAt?: number }
  >();
  readonly #now: () => number;
  readonly #marginMs: number;

  constructor(now: () => number, marginMs: number) {
    this.#now = now;
    this.#marginMs = marginMs;
  }

  delete(key: string): void {
    this.#entries.delete(key);
  }

  async get(key: string, load: () => Promise<{ value: V; expiresAt: number }>): Promise<V> {
    const held = this.#entries.get(key);
    if (held && (held.expiresAt === undefined || held.expiresAt - this.#marginMs > this.#now())) {
      return (await held.load).value;
    }
    const entry: { load: Promise<{ value: V; expiresAt: number }>; expiresAt?: number } = { load: load() };
    this.#entries.set(key, entry);
    entry.load.then(
      ({ expiresAt }) => {
        entry.expiresAt = expiresAt;
      },
      () => {
        if (this.#entries.get(key) === entry) this.#entries.delete(key);
      },
    );
    return (await entry.load).value;
  }
}

function issuer(appId: string | number): string {
  const valid =
    typeof appId === 'number' ? Number.isSafeInteger(appId) && appId > 0 : /^[A-Za-z0-9._-]+$/.test(appId);
  if (!valid) {
    throw new TypeError(
      `a GitHub App's appId is its numeric ID or its client ID, not ${JSON.stringify(appId)}`,
    );
  }
  return String(appId);
}

function rsaKey(pem: string, app: string): KeyObject {
  let key: KeyObject;
  try {
    key = createPrivateKey({ key: pem, format: 'pem' });
  } catch (error) {
    // OpenSSL's reason names the problem, never the key's content.
    const reason = (error as Error).message;
    throw new Error(`${app}: the private key is not a PEM private key (PKCS#1 or PKCS#8): ${reason}`);
  }
  if (key.asymmetricKeyType !== 'rsa') {
    throw new Error(`${app}: the private key is ${key.asymmetricKeyType}, but app JWTs are signed RS256`);
  }
  return key;
}

/** An RS256 JWT that authenticates as the app: `iss` the app, `iat` backdated, `exp` under 10 minutes. */
function appJwt(iss: string, key: KeyObject, nowMs: number): { value: string; expiresAt: number } {
  const seconds = Math.floor(nowMs / 1000);
  const exp = seconds + jwtLifetimeS;
  const encode = (part: object) => Buffer.from(JSON.stringify(part)).toString('base64url');
  const claims = { iat: seconds - jwtBackdateS, exp, iss };
  const signed = `${encode({ alg: 'RS256', typ: 'JWT' })}.${encode(claims)}`;
  const signature = sign('sha256', Buffer.from(signed), key).toString('base64url');
  return { value: `${signed}.${signature}`, expiresAt: exp * 1000 };
}

/** The permissions to ask for that the installation has not been granted, as `name:level`. */
function missingPermissions(asked: Record<string, string>, granted: Record<string, string>): string[] {
  const rank: Record<string, number> = { read: 1, write: 2, admin: 3 };
  return Object.entries(asked)
    .filter(([name, level]) => (rank[granted[name] ?? ''] ?? 0) < (rank[level] ?? 0))
    .map(([name, level]) => `${name}:${level}`);
}

/**
 * Credentials that act as a GitHub App: for each owner, a token of the app's installation on that account,
 * asking only for `githubAppPermissions`. The app's JWT is reused until a minute before it expires; an
 * installation is looked up once per owner (`GET /repos/{owner}/{repo}/installation`, else
 * `/orgs/{owner}/installation` then `/users/{owner}/installation`) and kept an hour; its token is kept until
 * five minutes before it expires. Concurrent asks share one request; a failure is not kept. Network
 * failures, 5xx and rate limits throw `ProviderUnavailableError`; refusals a `ProviderError` saying what is
 * wrong, which never holds the key, the JWT or a token.
 */
export function githubAppCredentials(options: GithubAppOptions): Credentials {
  const { appId, privateKey, baseUrl = 'https://api.github.com', ...client } = options;
  const iss = issuer(appId);
  const app = `GitHub App ${iss}`;
  const now = options.now ?? Date.now;
  const jwts = new ExpiringCache<string>(now, jwtRenewMarginMs);
  const tokens = new ExpiringCache<string>(now, tokenRefreshMarginMs);
  const installations = new TtlCache<Installation>({ ttlMs: installationsTtlMs }, now);
  const logins = new TtlCache<string>({ maxEntries: 1, ttlMs: installationsTtlMs }, now);

  const jwt = () =>
    jwts.get('app', async () => {
      let pem: string;
      try {
        pem = await privateKey();
      } catch (error) {
        throw new Error(`${app}: could not read the private key: ${(error as Error).message}`, {
          cause: error,
        });
      }
      return appJwt(iss, rsaKey(pem, app), now());
    });

  const rest = restClient({
    ...client,
    baseUrl,
    token: { token: jwt },
    headers: { accept: 'application/vnd.github+json', 'x-github-api-version': '2022-11-28' },
    authorize: (token) => ({ authorization: `Bearer ${token}` }),
  });

  /** Sends `call` as the app; a refusal is told by `explain` (undefined: GitHub's own words). */
  async function asApp<S extends z.ZodType>(
    call: Call,
    schema: S,
    explain: (status: number) => string | undefined = () => undefined,
  ): Promise<z.output<S>> {
    try {
      return (await rest.json(call, schema)).body;
    } catch (error) {
      if (!(error instanceof ProviderError)) throw error;
      if (error.status === 401) {
        // A key rotated on GitHub's side: the next ask reads the key again.
        jwts.delete('app');
        const why =
          `${app}: GitHub did not accept the app's JWT; ` +
          "check the app ID and that the private key is the app's current one";
        throw new ProviderError(`${why} (${error.message})`, 401);
      }
      const why = explain(error.status);
      throw why === undefined ? error : new ProviderError(`${why} (${error.message})`, error.status);
    }
  }

  async function installation(owner: string, path: string, repo?: string): Promise<Installation> {
    const found = await asApp({ owner, ...(repo ? { repo } : {}), path }, InstallationAnswer);
    return {
      id: found.id,
      organization: found.target_type === 'Organization',
      selection: found.repository_selection,
      permissions: found.permissions,
      covers: new Set(repo ? [repo.toLowerCase()] : []),
    };
  }

  const isNotFound = (error: unknown) => error instanceof ProviderError && error.status === 404;

  async function repoInstallation(owner: string, repo: string): Promise<Installation> {
    const path = `/repos/${encodeURIComponent(owner)}/${encodeURIComponent(repo)}/installation`;
    try {
      return await installation(owner, path, repo);
    } catch (error) {
      if (!isNotFound(error)) throw error;
      const why =
        `${app} cannot reach ${owner}/${repo}: it is not installed on ${owner}, ` +
        `or it is installed for selected repositories and ${repo} is not one of them`;
      throw new ProviderError(`${why} (${(error as Error).message})`, 404);
    }
  }

  async function ownerInstallation(owner: string): Promise<Installation> {
    try {
      return await installation(owner, `/orgs/${encodeURIComponent(owner)}/installation`);
    } catch (error) {
      if (!isNotFound(error)) throw error;
    }
    try {
      return await installation(owner, `/users/${encodeURIComponent(owner)}/installation`);
    } catch (error) {
      if (!isNotFound(error)) throw error;
      throw new ProviderError(`${app} is not installed on ${owner} (${(error as Error).message})`, 404);
    }
  }

  function mint(owner: string, found: Installation) {
    const { members, ...repositoryPermissions } = githubAppPermissions;
    const permissions: Record<string, string> = found.organization
      ? { ...repositoryPermissions, members }
      : repositoryPermissions;
    const path = `/app/installations/${found.id}/access_tokens`;
    const refused = (status: number) => {
      const on = `${app}'s installation ${found.id} on ${owner}`;
      if (status === 404) {
        installations.delete(owner.toLowerCase());
        return `${on} is gone (uninstalled?); the next request looks it up again`;
      }
      if (status === 403) return `GitHub refused a token for ${on} (suspended, or blocked by the account)`;
      if (status !== 422) return undefined;
      const missing = missingPermissions(permissions, found.permissions ?? {});
      return missing.length > 0
        ? `${on} lacks ${missing.join(', ')}: grant them in the app's settings, and have ${owner} accept them`
        : `${on} refused the permissions asked for`;
    };
    // Minting twice only makes a second token, so the request may be sent again after any failure.
    const call = { owner, method: 'POST', path, body: { permissions }, idempotent: true } as const;
    return asApp(call, AccessTokenAnswer, refused).then((answer) => ({
      value: answer.token,
      expiresAt: Date.parse(answer.expires_at),
    }));
  }

  return {
    async token(owner, repo) {
      if (owner === '') {
        throw new Error(`${app}: an installation token belongs to one account, and this request names none`);
      }
      const key = owner.toLowerCase();
      const found = await installations.get(key, () =>
        repo === undefined ? ownerInstallation(owner) : repoInstallation(owner, repo),
      );
      if (repo !== undefined && found.selection === 'selected' && !found.covers.has(repo.toLowerCase())) {
        await repoInstallation(owner, repo);
        found.covers.add(repo.toLowerCase());
      }
      return tokens.get(String(found.id), () => mint(owner, found));
    },
    login: () =>
      logins.get('app', async () => `${(await asApp({ owner: '', path: '/app' }, AppAnswer)).slug}[bot]`),
  };
}
