import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FlagError } from '@lighthouse-ts/cli';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import * as z from 'zod';
import { connectProviders } from './connect.ts';
import { checkProviderSettings, type ProviderSettings, providerSettingsShape } from './flags.ts';

const Settings = z.object(providerSettingsShape).superRefine(checkProviderSettings);
const defaults = {
  'github-api-url': 'https://api.github.com',
  'gitlab-api-url': 'https://gitlab.com/api/v4',
};
const issues = (input: Record<string, string>) =>
  (Settings.safeParse({ ...defaults, ...input }).error?.issues ?? []).map(
    (i) => `${i.path.join('.')}: ${i.message}`,
  );

describe('checkProviderSettings', () => {
  it('asks for the API root of a Gitea or Bitbucket Server token, and both halves of a GitHub App', () => {
    expect(issues({ 'gitea-token-file': 't' })).toEqual([
      'gitea-api-url: is required with --gitea-token-file',
    ]);
    expect(issues({ 'bitbucketserver-token-file': 't' })).toEqual([
      'bitbucketserver-api-url: is required with --bitbucketserver-token-file',
    ]);
    expect(issues({ 'github-app-id': '12' })).toEqual([
      'github-app-key-file: is required with --github-app-id',
    ]);
    expect(issues({ 'github-app-key-file': 'k' })).toEqual([
      'github-app-id: is required with --github-app-key-file',
    ]);
    expect(issues({ 'github-app-id': '12', 'github-app-key-file': 'k', 'github-token-file': 't' })).toEqual([
      'github-token-file: cannot be given with --github-app-id: act as the app or with a token, not both',
    ]);
    expect(issues({ 'github-app-id': 'twelve', 'github-app-key-file': 'k' })).toEqual([
      'github-app-id: must be a GitHub App id (a number)',
    ]);
    expect(
      issues({ 'github-token-file': 't', 'gitea-token-file': 't', 'gitea-api-url': 'https://g/api/v1' }),
    ).toEqual([]);
  });
});

describe('connectProviders', () => {
  let dir: string;
  let server: Server | undefined;
  const seen: (string | undefined)[] = [];
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'providers-'));
    seen.length = 0;
  });
  afterEach(async () => {
    await new Promise((resolve) => (server ? server.close(resolve) : resolve(undefined)));
    await rm(dir, { recursive: true, force: true });
  });

  /** A GitHub API whose every org has every member, recording the authorization it was sent. */
  async function github(): Promise<string> {
    server = createServer((req, res) => {
      seen.push(req.headers.authorization);
      res.writeHead(204);
      res.end();
    });
    await new Promise<void>((resolve) => server?.listen(0, '127.0.0.1', resolve));
    return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  }

  const settings = (input: Partial<ProviderSettings>): ProviderSettings => ({ ...defaults, ...input });

  it('refuses a token file it cannot read, naming the flag and its variable', async () => {
    const missing = join(dir, 'missing');
    const refusal = await connectProviders(settings({ 'gitlab-token-file': missing }), {
      retry: { webhook: {} },
      onError: () => {},
    }).catch((error: unknown) => error);
    expect(refusal).toBeInstanceOf(FlagError);
    expect((refusal as Error).message).toContain(
      `--gitlab-token-file (LIGHTHOUSE_GITLAB_TOKEN_FILE): cannot read the token file ${missing}: ENOENT`,
    );
  });

  it('makes a client per provider given, and uses a rotated token without a restart', async () => {
    const file = join(dir, 'token');
    await writeFile(file, 'first-token\n');
    const errors: unknown[] = [];
    const { webhook: apis } = await connectProviders(
      settings({ 'github-token-file': file, 'github-api-url': await github() }),
      { retry: { webhook: { attempts: 1 } }, onError: (error) => errors.push(error), refreshMs: 0 },
    );
    expect(Object.keys(apis)).toEqual(['github']);
    // Other people each time: the client keeps membership answers.
    await apis.github?.isOrgMember('org', 'mona');
    await writeFile(file, 'second-token\n');
    await apis.github?.isOrgMember('org', 'hubot');
    await rm(file);
    await apis.github?.isOrgMember('org', 'octocat');
    expect(seen).toEqual(['Bearer first-token', 'Bearer second-token', 'Bearer second-token']);
    expect(errors).toHaveLength(1);
  });

  it("makes a set of clients per use that share a provider's rate limit: one limited pauses both", async () => {
    const file = join(dir, 'token');
    await writeFile(file, 'token\n');
    server = createServer((req, res) => {
      seen.push(req.url);
      res.writeHead(429, { 'content-type': 'application/json', 'retry-after': '120' });
      res.end('{"message":"slow down"}');
    });
    await new Promise<void>((resolve) => server?.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const { webhook, report } = await connectProviders(
      settings({ 'gitlab-token-file': file, 'gitlab-api-url': url }),
      { retry: { webhook: { maxWaitMs: 1_000 }, report: { maxWaitMs: 1_000 } }, onError: () => {} },
    );
    const limited = { name: 'ProviderUnavailableError', retryAfterMs: expect.any(Number) };
    await expect(report.gitlab?.isOrgMember('org', 'mona')).rejects.toThrow(expect.objectContaining(limited));
    await expect(webhook.gitlab?.isOrgMember('org', 'hubot')).rejects.toThrow(
      expect.objectContaining(limited),
    );
    expect(seen).toHaveLength(1);
  });
});
