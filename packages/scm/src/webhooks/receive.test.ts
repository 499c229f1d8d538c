import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, inject, it } from 'vitest';
import type { Provider } from '../events.ts';
import { receiveWebhook, scopedSecrets, signedWebhookHeaders } from './index.ts';

const secret = 'receive-test-secret';
const deliveryId = '5f1c0d2e-8b7a-4f36-9e2d-1a0b3c4d5e6f';
const webhooks = join(inject('fixturesDir'), 'go-scm', 'github', 'testdata', 'webhooks');
const pullRequest = readFileSync(join(webhooks, 'pr_opened.json'));

function signed(provider: Provider, event: string, body: Buffer, signingSecret = secret) {
  return signedWebhookHeaders({ provider, event, deliveryId, body, secret: signingSecret });
}

function without(headers: Record<string, string>, name: string) {
  return Object.fromEntries(
    Object.entries(headers).filter(([key]) => key.toLowerCase() !== name.toLowerCase()),
  );
}

describe('receiveWebhook', () => {
  it('normalises a correctly signed delivery', () => {
    const outcome = receiveWebhook({
      headers: signed('github', 'pull_request', pullRequest),
      body: pullRequest,
      secrets: [secret],
    });
    expect(outcome).toMatchObject({
      kind: 'event',
      event: { type: 'pull_request', provider: 'github', deliveryId, action: 'opened', number: 1 },
    });
  });

  it('accepts any active secret during a rotation', () => {
    const headers = signed('github', 'pull_request', pullRequest, 'next-secret');
    expect(receiveWebhook({ headers, body: pullRequest, secrets: [secret, 'next-secret'] }).kind).toBe(
      'event',
    );
  });

  it('ignores, with a reason, an event it does not handle', () => {
    const body = readFileSync(join(webhooks, 'fork.json'));
    expect(receiveWebhook({ headers: signed('github', 'fork', body), body, secrets: [secret] })).toEqual({
      kind: 'ignored',
      reason: 'github fork',
    });
  });

  it.each(['constructor', '__proto__', 'toString', 'hasOwnProperty'])(
    'ignores events and actions named %s, like any other it does not know',
    (name) => {
      const fixtures = join(inject('fixturesDir'), 'go-scm');
      /** A real payload with the value at `path` replaced. */
      const withValue = (file: string, path: string[], value: string) => {
        const payload = JSON.parse(readFileSync(join(fixtures, file), 'utf8'));
        const key = path.pop() ?? '';
        path.reduce((object, step) => object[step], payload)[key] = value;
        return Buffer.from(JSON.stringify(payload));
      };
      const deliveries = [
        ['github', name, pullRequest, `github ${name}`],
        ['bitbucketserver', name, pullRequest, `bitbucketserver ${name}`],
        [
          'github',
          'pull_request',
          withValue('github/testdata/webhooks/pr_opened.json', ['action'], name),
          `github pull_request ${name}`,
        ],
        [
          'gitea',
          'pull_request',
          withValue('gitea/testdata/webhooks/pull_request_opened.json', ['action'], name),
          `gitea pull_request ${name}`,
        ],
        [
          'gitlab',
          'Merge Request Hook',
          withValue(
            'gitlab/testdata/webhooks/pull_request_create.json',
            ['object_attributes', 'action'],
            name,
          ),
          `gitlab Merge Request Hook ${name}`,
        ],
      ] as const;
      for (const [provider, event, body, reason] of deliveries) {
        expect(receiveWebhook({ headers: signed(provider, event, body), body, secrets: [secret] })).toEqual({
          kind: 'ignored',
          reason,
        });
      }
    },
  );

  describe('rejects with 401', () => {
    const headers = signed('github', 'pull_request', pullRequest);
    const sha256 = headers['X-Hub-Signature-256'] ?? '';

    it.each([
      [
        'no signature',
        without(headers, 'X-Hub-Signature-256'),
        [secret],
        'missing X-Hub-Signature-256 header',
      ],
      [
        'a wrong signature',
        { ...headers, 'X-Hub-Signature-256': `sha256=${'0'.repeat(64)}` },
        [secret],
        'X-Hub-Signature-256 does not match the body for any configured secret',
      ],
      [
        'a signature made with another secret',
        signed('github', 'pull_request', pullRequest, 'not-the-secret'),
        [secret, 'another'],
        'X-Hub-Signature-256 does not match the body for any configured secret',
      ],
      ['no configured secret', headers, [], 'no webhook secret configured'],
      ['only empty secrets', headers, ['', ''], 'no webhook secret configured'],
      [
        'malformed hex',
        { ...headers, 'X-Hub-Signature-256': `${sha256.slice(0, -2)}xy` },
        [secret],
        'malformed X-Hub-Signature-256 header',
      ],
      [
        'a SHA-1 signature without allowSha1',
        {
          ...without(headers, 'X-Hub-Signature-256'),
          'X-Hub-Signature': 'sha1=e9c4409d39729236fda483f22e7fb7513e5cd273',
        },
        [secret],
        'X-Hub-Signature uses SHA-1, which is not enabled',
      ],
      [
        'a bad signature and no delivery id (verification comes first)',
        without({ ...headers, 'X-Hub-Signature-256': `sha256=${'0'.repeat(64)}` }, 'X-GitHub-Delivery'),
        [secret],
        'X-Hub-Signature-256 does not match the body for any configured secret',
      ],
    ] as const)('%s', (_, headers, secrets, reason) => {
      expect(receiveWebhook({ headers, body: pullRequest, secrets })).toEqual({
        kind: 'rejected',
        status: 401,
        reason,
      });
    });

    it('a body changed after signing', () => {
      const changed = Buffer.from(pullRequest.toString().replace('"number": 1', '"number": 2'));
      expect(changed.equals(pullRequest)).toBe(false);
      expect(receiveWebhook({ headers, body: changed, secrets: [secret] })).toMatchObject({ status: 401 });
    });

    it.each([
      ['gitlab', 'Merge Request Hook', 'X-Gitlab-Token'],
      ['gitea', 'pull_request', 'X-Gitea-Signature'],
      ['bitbucketserver', 'pr:opened', 'X-Hub-Signature'],
    ] as const)('a %s delivery without %s', (provider, event, header) => {
      const headers = without(signed(provider, event, pullRequest), header);
      expect(receiveWebhook({ headers, body: pullRequest, secrets: [secret] })).toEqual({
        kind: 'rejected',
        status: 401,
        reason: `missing ${header} header`,
      });
    });
  });

  describe('rejects with 400', () => {
    it('headers of no provider we know', () => {
      expect(
        receiveWebhook({
          headers: { 'content-type': 'application/json' },
          body: pullRequest,
          secrets: [secret],
        }),
      ).toEqual({
        kind: 'rejected',
        status: 400,
        reason: 'not a webhook we know: no GitHub, GitLab, Gitea or Bitbucket Server event header',
      });
    });

    it.each([
      ['github', 'pull_request', 'X-GitHub-Delivery'],
      ['gitlab', 'Merge Request Hook', 'X-Gitlab-Event-UUID'],
      ['gitea', 'pull_request', 'X-Gitea-Delivery'],
      ['bitbucketserver', 'pr:opened', 'X-Request-Id'],
    ] as const)('a %s delivery without %s', (provider, event, header) => {
      const headers = without(signed(provider, event, pullRequest), header);
      expect(receiveWebhook({ headers, body: pullRequest, secrets: [secret] })).toEqual({
        kind: 'rejected',
        status: 400,
        reason: `missing ${header} header`,
      });
    });

    it.each([
      ['too long', 'd'.repeat(129)],
      ['with spaces', 'a delivery'],
      ['with a line break', 'a\nb'],
      ['with markup', '<script>'],
    ])('a signed delivery whose id is %s', (_, deliveryId) => {
      const headers = signedWebhookHeaders({
        provider: 'github',
        event: 'pull_request',
        deliveryId,
        body: pullRequest,
        secret,
      });
      expect(receiveWebhook({ headers, body: pullRequest, secrets: [secret] })).toEqual({
        kind: 'rejected',
        status: 400,
        reason: "X-GitHub-Delivery must be 1 to 128 letters, digits and . _ : - (a provider's delivery id)",
      });
    });

    it.each([
      ['malformed JSON', Buffer.from('{"action": opened}')],
      ['truncated JSON', pullRequest.subarray(0, pullRequest.length / 2)],
      ['an empty body', Buffer.alloc(0)],
      ['a form-encoded body', Buffer.from(`payload=${encodeURIComponent(pullRequest.toString())}`)],
    ])('%s', (_, body) => {
      const outcome = receiveWebhook({
        headers: signed('github', 'pull_request', body),
        body,
        secrets: [secret],
      });
      expect(outcome).toEqual({
        kind: 'rejected',
        status: 400,
        reason: expect.stringMatching(/^malformed JSON: /),
      });
    });

    it.each([
      ['github', 'pull_request', '{}', 'github pull_request payload: action: '],
      ['github', 'pull_request', '{"action":"opened"}', 'github pull_request payload: repository: '],
      ['github', 'pull_request', 'null', 'github pull_request payload: (payload): '],
      ['github', 'pull_request', '[]', 'github pull_request payload: (payload): '],
      ['github', 'push', '{"ref":"refs/heads/main"}', 'github push payload: before: '],
      [
        'github',
        'issue_comment',
        '{"action":"created","issue":{}}',
        'github issue_comment payload: repository: ',
      ],
      ['gitlab', 'Merge Request Hook', '{}', 'gitlab Merge Request Hook payload: object_attributes: '],
      [
        'gitlab',
        'Note Hook',
        '{"object_attributes":{}}',
        'gitlab Note Hook payload: object_attributes.noteable_type: ',
      ],
      ['gitea', 'pull_request', '{"action":"opened"}', 'gitea pull_request payload: repository: '],
      ['bitbucketserver', 'pr:opened', '{}', 'bitbucketserver pr:opened payload: pullRequest: '],
      [
        'bitbucketserver',
        'repo:refs_changed',
        '{"changes":[]}',
        'bitbucketserver repo:refs_changed payload: actor: ',
      ],
    ] as const)(
      'a valid signature over a %s %s payload of the wrong shape: %s',
      (provider, event, json, reason) => {
        const body = Buffer.from(json);
        const outcome = receiveWebhook({ headers: signed(provider, event, body), body, secrets: [secret] });
        expect(outcome).toEqual({ kind: 'rejected', status: 400, reason: expect.stringContaining(reason) });
      },
    );

    it('names the nested field that has the wrong type', () => {
      const payload = JSON.parse(pullRequest.toString());
      payload.pull_request.number = '1';
      payload.pull_request.head.sha = 'not-a-sha';
      const body = Buffer.from(JSON.stringify(payload));
      expect(
        receiveWebhook({ headers: signed('github', 'pull_request', body), body, secrets: [secret] }),
      ).toEqual({
        kind: 'rejected',
        status: 400,
        reason: expect.stringMatching(/^github pull_request payload: pull_request\.number: /),
      });
    });

    it('a push payload sent as a pull request', () => {
      const body = readFileSync(join(webhooks, 'push.json'));
      expect(
        receiveWebhook({ headers: signed('github', 'pull_request', body), body, secrets: [secret] }),
      ).toEqual({
        kind: 'rejected',
        status: 400,
        reason: expect.stringMatching(/^github pull_request payload: action: /),
      });
    });
  });

  describe('with secrets by repository', () => {
    const stash = join(inject('fixturesDir'), 'go-scm', 'stash', 'testdata', 'webhooks');
    const comment = JSON.parse(readFileSync(join(stash, 'pr_comment.json'), 'utf8'));
    const target = comment.pullRequest.toRef.repository;
    const secrets = scopedSecrets({
      [`${target.project.key}/${target.slug}`]: ['target-secret'],
      'ATT/mine': ['attacker-secret'],
    });
    const deliver = (body: Buffer, signingSecret: string) =>
      receiveWebhook({
        headers: signed('bitbucketserver', 'pr:comment:added', body, signingSecret),
        body,
        secrets,
      });

    it("verifies a pull request's event with its target repository's secret", () => {
      const body = Buffer.from(JSON.stringify(comment));
      expect(deliver(body, 'target-secret').kind).toBe('event');
      expect(deliver(body, 'attacker-secret')).toMatchObject({ kind: 'rejected', status: 401 });
    });

    it("refuses a push signed with another repository's secret that names that one where a pull request would", () => {
      const push = JSON.parse(readFileSync(join(stash, 'push.json'), 'utf8'));
      const pushed = `${push.repository.project.key}/${push.repository.slug}`;
      const scoped = scopedSecrets({ [pushed]: ['pushed-secret'], 'ATT/mine': ['attacker-secret'] });
      const forged = {
        ...push,
        pullRequest: { toRef: { repository: { project: { key: 'ATT' }, slug: 'mine' } } },
      };
      const body = Buffer.from(JSON.stringify(forged));
      const headers = signed('bitbucketserver', 'repo:refs_changed', body, 'attacker-secret');
      expect(receiveWebhook({ headers, body, secrets: scoped })).toMatchObject({
        kind: 'rejected',
        status: 401,
      });
    });

    it("refuses an event signed with another repository's secret that names that repository beside its own", () => {
      const forged = { ...comment, repository: { project: { key: 'ATT' }, slug: 'mine' } };
      const body = Buffer.from(JSON.stringify(forged));
      expect(deliver(body, 'attacker-secret')).toMatchObject({ kind: 'rejected', status: 401 });
      expect(deliver(body, 'target-secret')).toMatchObject({
        kind: 'event',
        event: { repo: { owner: target.project.key, name: target.slug } },
      });
    });
  });
});
