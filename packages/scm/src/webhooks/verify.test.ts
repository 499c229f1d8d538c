import { createHmac } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, inject, it } from 'vitest';
import * as z from 'zod';
import type { Provider } from '../events.ts';
import { verifySignature } from './verify.ts';

const fixturesDir = inject('fixturesDir');

const Vector = z.object({
  file: z.string().optional(),
  header: z.string().optional(),
  value: z.string().optional(),
  secret: z.string().optional(),
  expect: z.string().optional(),
});
const Manifest = z.object({ signature_vectors: z.array(Vector) });

/** go-scm's vectors, where a vector that omits the file, header or secret means the first vector's. */
function signatureVectors(provider: Provider, folder: string) {
  const base = join(fixturesDir, 'go-scm', folder);
  const vectors = Manifest.parse(
    JSON.parse(readFileSync(join(base, 'MANIFEST.json'), 'utf8')),
  ).signature_vectors;
  const [first] = vectors;
  return vectors.flatMap((vector) => {
    const file = vector.file ?? first?.file;
    const header = vector.header ?? first?.header;
    const secret = vector.secret ?? first?.secret;
    if (vector.value === undefined || vector.expect === undefined || !file || !header || !secret) return [];
    return [
      {
        provider,
        file,
        header,
        value: vector.value,
        secret,
        valid: vector.expect.startsWith('valid'),
        body: readFileSync(join(base, 'testdata', 'webhooks', file)),
      },
    ];
  });
}

const vectors = [
  ...signatureVectors('github', 'github'),
  ...signatureVectors('gitlab', 'gitlab'),
  ...signatureVectors('gitea', 'gitea'),
  ...signatureVectors('bitbucketserver', 'stash'),
];

describe('go-scm signature vectors', () => {
  it('are all read', () => {
    expect(vectors.map(({ provider, valid }) => `${provider} ${valid}`)).toEqual([
      'github true',
      'github false',
      'gitlab true',
      'gitlab false',
      'gitlab false',
      'gitea true',
      'gitea false',
      'bitbucketserver true',
      'bitbucketserver false',
    ]);
  });

  // GitHub's vectors are SHA-1, which is accepted only when allowSha1 is on.
  it.each(vectors)(
    '$provider $header: $value is valid: $valid',
    ({ provider, header, value, secret, valid, body }) => {
      const verdict = verifySignature({
        provider,
        headers: { [header]: value },
        body,
        secrets: [secret],
        allowSha1: true,
      });
      expect(verdict.valid).toBe(valid);
    },
  );

  it('rejects the valid GitHub SHA-1 vector unless allowSha1 is on', () => {
    const vector = vectors.find(({ provider, valid }) => provider === 'github' && valid);
    if (!vector) throw new Error('no valid GitHub vector');
    const check = {
      provider: vector.provider,
      headers: { [vector.header]: vector.value },
      body: vector.body,
    };
    expect(verifySignature({ ...check, secrets: [vector.secret] })).toEqual({
      valid: false,
      reason: 'X-Hub-Signature uses SHA-1, which is not enabled',
    });
    expect(verifySignature({ ...check, secrets: [vector.secret], allowSha1: true })).toEqual({
      valid: true,
      signedWith: 0,
    });
  });

  it('rejects a Gitea delivery without a signature', () => {
    const vector = vectors.find(({ provider }) => provider === 'gitea');
    if (!vector) throw new Error('no Gitea vector');
    expect(
      verifySignature({ provider: 'gitea', headers: {}, body: vector.body, secrets: [vector.secret] }),
    ).toEqual({
      valid: false,
      reason: 'missing X-Gitea-Signature header',
    });
  });
});

const body = Buffer.from('{"zen":"Design for failure."}');
const hmac = (algorithm: 'sha1' | 'sha256', secret: string) =>
  createHmac(algorithm, secret).update(body).digest('hex');

/** A correctly signed header set per provider, for the secret given. */
function signed(provider: Provider, secret: string): Record<string, string> {
  switch (provider) {
    case 'github':
      return { 'X-Hub-Signature-256': `sha256=${hmac('sha256', secret)}` };
    case 'bitbucketserver':
      return { 'X-Hub-Signature': `sha256=${hmac('sha256', secret)}` };
    case 'gitea':
      return { 'X-Gitea-Signature': hmac('sha256', secret) };
    case 'gitlab':
      return { 'X-Gitlab-Token': secret };
  }
}

const providers: Provider[] = ['github', 'gitlab', 'gitea', 'bitbucketserver'];

describe.each(providers)('%s signatures', (provider) => {
  it('verify with the right secret', () => {
    expect(
      verifySignature({
        provider,
        headers: signed(provider, 'right'),
        body,
        secrets: ['', 'wrong', 'right'],
      }),
    ).toEqual({
      valid: true,
      signedWith: 2,
    });
  });

  it('fail with the wrong secret', () => {
    expect(
      verifySignature({ provider, headers: signed(provider, 'wrong'), body, secrets: ['right'] }).valid,
    ).toBe(false);
  });

  it('verify with any of several active secrets (rotation)', () => {
    const secrets = ['old', 'new'];
    expect(verifySignature({ provider, headers: signed(provider, 'old'), body, secrets }).valid).toBe(true);
    expect(verifySignature({ provider, headers: signed(provider, 'new'), body, secrets }).valid).toBe(true);
    expect(verifySignature({ provider, headers: signed(provider, 'older'), body, secrets }).valid).toBe(
      false,
    );
  });

  it('fail closed without secrets, and ignore empty ones', () => {
    for (const secrets of [[], [''], ['', '']]) {
      expect(verifySignature({ provider, headers: signed(provider, ''), body, secrets })).toEqual({
        valid: false,
        reason: 'no webhook secret configured',
      });
    }
  });

  it('fail without a signature', () => {
    expect(verifySignature({ provider, headers: {}, body, secrets: ['right'] }).valid).toBe(false);
  });

  it('cover the exact body bytes', () => {
    const reserialised = Buffer.from(JSON.stringify(JSON.parse(body.toString()), null, 2));
    const verdict = verifySignature({
      provider,
      headers: signed(provider, 'right'),
      body: reserialised,
      secrets: ['right'],
    });
    // GitLab sends the secret itself rather than a signature, so it cannot tell.
    expect(verdict.valid).toBe(provider === 'gitlab');
  });
});

describe('malformed signatures fail without throwing', () => {
  const right = hmac('sha256', 'right');
  it.each([
    ['github', 'X-Hub-Signature-256', `sha256=${'z'.repeat(64)}`],
    ['github', 'X-Hub-Signature-256', `sha256=${right.slice(0, 63)}`],
    ['github', 'X-Hub-Signature-256', `sha256=${right}0`],
    ['github', 'X-Hub-Signature-256', `sha256=${right.slice(0, 62)}zz`],
    ['github', 'X-Hub-Signature-256', `sha256= ${right}`],
    ['github', 'X-Hub-Signature-256', right],
    ['github', 'X-Hub-Signature-256', `md5=${right}`],
    ['github', 'X-Hub-Signature-256', `sha256=${right},sha256=${right}`],
    ['github', 'X-Hub-Signature-256', 'sha256='],
    ['bitbucketserver', 'X-Hub-Signature', 'sha256=380f462cd2e160b84765144beabdad2e930a7ec5'],
    ['bitbucketserver', 'X-Hub-Signature', `SHA256=${right}`],
    ['gitea', 'X-Gitea-Signature', `sha256=${right}`],
    ['gitea', 'X-Gitea-Signature', `${right.slice(0, 62)}é`],
    ['gitea', 'X-Gitea-Signature', '\u0000'],
  ] as const)('%s %s: %s', (provider, header, value) => {
    expect(verifySignature({ provider, headers: { [header]: value }, body, secrets: ['right'] })).toEqual({
      valid: false,
      reason: expect.stringMatching(/^malformed /),
    });
  });

  it('accepts upper-case hex', () => {
    const headers = { 'X-Hub-Signature-256': `sha256=${right.toUpperCase()}` };
    expect(verifySignature({ provider: 'github', headers, body, secrets: ['right'] }).valid).toBe(true);
  });
});

describe('GitHub signature headers', () => {
  const sha1 = `sha1=${hmac('sha1', 'right')}`;
  const sha256 = `sha256=${hmac('sha256', 'right')}`;

  it('prefers X-Hub-Signature-256 and never falls back to SHA-1 when it is wrong', () => {
    const headers = { 'X-Hub-Signature-256': `sha256=${hmac('sha256', 'wrong')}`, 'X-Hub-Signature': sha1 };
    expect(
      verifySignature({ provider: 'github', headers, body, secrets: ['right'], allowSha1: true }).valid,
    ).toBe(false);
  });

  it('accepts SHA-1 only when enabled', () => {
    const headers = { 'X-Hub-Signature': sha1 };
    expect(verifySignature({ provider: 'github', headers, body, secrets: ['right'] }).valid).toBe(false);
    expect(
      verifySignature({ provider: 'github', headers, body, secrets: ['right'], allowSha1: true }).valid,
    ).toBe(true);
  });

  it('names the missing header', () => {
    expect(verifySignature({ provider: 'github', headers: {}, body, secrets: ['right'] })).toEqual({
      valid: false,
      reason: 'missing X-Hub-Signature-256 header',
    });
  });

  it('reads headers case-insensitively from records and Headers', () => {
    for (const headers of [
      { 'x-hub-signature-256': sha256 },
      { 'X-HUB-SIGNATURE-256': sha256 },
      new Headers({ 'X-Hub-Signature-256': sha256 }),
    ]) {
      expect(verifySignature({ provider: 'github', headers, body, secrets: ['right'] }).valid).toBe(true);
    }
  });
});

it('GitLab compares the whole token', () => {
  for (const token of ['righ', 'rightt', 'Right', ' right']) {
    const verdict = verifySignature({
      provider: 'gitlab',
      headers: { 'X-Gitlab-Token': token },
      body,
      secrets: ['right'],
    });
    expect(verdict.valid).toBe(false);
  }
});
