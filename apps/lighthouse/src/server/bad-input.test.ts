import { createHmac, randomUUID } from 'node:crypto';
import { once } from 'node:events';
import { Agent } from 'node:http';
import { connect } from 'node:net';
import { BodyBudget } from '@lighthouse-ts/http';
import type { Provider } from '@lighthouse-ts/scm';
import { type RawRequest, rawRequest, sample } from '@lighthouse-ts/testenv/http';
import { afterAll, beforeAll, describe, expect, inject, it, vi } from 'vitest';
import { delivery, goScmPayloads, octokitExample } from '../../../../packages/scm/test/payloads.ts';
import { serveInProcess, testSecret } from '../../test/in-process.ts';

type Served = Awaited<ReturnType<typeof serveInProcess>>;

const mib = 1024 * 1024;
const push = octokitExample('push');
const signedPush = (body: Buffer = push, secret = testSecret, event = 'push') =>
  delivery({ event, deliveryId: randomUUID(), body, secret });
const withHeaders = (request: RawRequest, change: (headers: Record<string, string>) => void): RawRequest => {
  const headers = { ...request.headers };
  change(headers);
  return { ...request, headers };
};

/** Sends a request head by hand and returns the status line of the answer (for bodies never sent). */
async function statusOfHead(port: number, head: string): Promise<string> {
  const socket = connect(port, '127.0.0.1');
  await once(socket, 'connect');
  socket.write(head);
  let text = '';
  socket.setEncoding('utf8');
  for await (const chunk of socket) {
    text += chunk;
    if (text.includes('\r\n\r\n')) break;
  }
  socket.destroy();
  return text.split('\r\n')[0] ?? '';
}

describe('bad input', () => {
  let served: Served;
  const byProvider = new Map<Provider, { event: string; body: Buffer }>();

  beforeAll(async () => {
    // The default 25 MiB cap: the limit a deployment gets.
    served = await serveInProcess();
    for (const payload of goScmPayloads(inject('fixturesDir'))) {
      if (!byProvider.has(payload.provider)) byProvider.set(payload.provider, payload);
    }
  });
  afterAll(async () => {
    await served.server.stop(1000);
  });

  const otherProvider = (provider: Provider, secret: string) => {
    const payload = byProvider.get(provider);
    if (!payload) throw new Error(`no go-scm payload for ${provider}`);
    return delivery({ provider, ...payload, deliveryId: randomUUID(), secret });
  };

  // Each row: a request, the status it gets, and what its problem document's detail says.
  const cases: { name: string; request: () => RawRequest; status: number; detail: RegExp }[] = [
    {
      name: 'no signature',
      request: () => withHeaders(signedPush(), (h) => delete h['X-Hub-Signature-256']),
      status: 401,
      detail: /missing X-Hub-Signature-256/,
    },
    {
      name: 'signature over other bytes',
      request: () => ({ ...signedPush(), body: Buffer.concat([push, Buffer.from(' ')]) }),
      status: 401,
      detail: /does not match/,
    },
    { name: 'wrong secret', request: () => signedPush(push, 'not-the-secret'), status: 401, detail: /match/ },
    {
      name: 'malformed signature header',
      request: () => withHeaders(signedPush(), (h) => (h['X-Hub-Signature-256'] = 'sha256=zz')),
      status: 401,
      detail: /malformed/,
    },
    {
      name: 'SHA-1 signature while SHA-1 is off',
      request: () =>
        withHeaders(signedPush(), (h) => {
          delete h['X-Hub-Signature-256'];
          h['X-Hub-Signature'] = `sha1=${createHmac('sha1', testSecret).update(push).digest('hex')}`;
        }),
      status: 401,
      detail: /SHA-1/,
    },
    {
      name: 'GitLab with a wrong token',
      request: () => otherProvider('gitlab', 'wrong'),
      status: 401,
      detail: /X-Gitlab-Token/,
    },
    {
      name: 'Gitea with a wrong signature',
      request: () => otherProvider('gitea', 'wrong'),
      status: 401,
      detail: /X-Gitea-Signature/,
    },
    {
      name: 'Bitbucket Server with a wrong signature',
      request: () => otherProvider('bitbucketserver', 'wrong'),
      status: 401,
      detail: /X-Hub-Signature/,
    },
    {
      name: 'no provider headers',
      request: () => ({ method: 'POST', headers: { 'content-type': 'application/json' }, body: push }),
      status: 400,
      detail: /not a webhook we know/,
    },
    {
      name: 'Bitbucket Cloud',
      request: () =>
        withHeaders(otherProvider('bitbucketserver', testSecret), (h) => (h['X-Hook-UUID'] = 'x')),
      status: 400,
      detail: /Bitbucket Cloud/,
    },
    {
      name: 'signed, without a delivery id',
      request: () => withHeaders(signedPush(), (h) => delete h['X-GitHub-Delivery']),
      status: 400,
      detail: /missing X-GitHub-Delivery/,
    },
    {
      name: 'text/plain',
      request: () => withHeaders(signedPush(), (h) => (h['Content-Type'] = 'text/plain')),
      status: 415,
      detail: /must be application\/json, not "text\/plain"/,
    },
    {
      name: 'form-encoded payload= (GitHub option)',
      request: () => {
        const body = Buffer.from(`payload=${encodeURIComponent(push.toString())}`);
        const signed = signedPush(body);
        return withHeaders(signed, (h) => (h['Content-Type'] = 'application/x-www-form-urlencoded'));
      },
      status: 415,
      detail: /set the webhook's content type to "application\/json"/,
    },
    {
      name: 'no content type',
      request: () => withHeaders(signedPush(), (h) => delete h['Content-Type']),
      status: 415,
      detail: /not no content type/,
    },
    {
      name: 'JSON in another charset',
      request: () =>
        withHeaders(signedPush(), (h) => (h['Content-Type'] = 'application/json; charset=latin1')),
      status: 415,
      detail: /charset=latin1/,
    },
    {
      name: 'empty body, signed',
      request: () => signedPush(Buffer.alloc(0)),
      status: 400,
      detail: /malformed JSON/,
    },
    {
      name: 'empty body, unsigned',
      request: () => withHeaders({ ...signedPush(), body: '' }, (h) => delete h['X-Hub-Signature-256']),
      status: 401,
      detail: /missing X-Hub-Signature-256/,
    },
    {
      name: 'truncated JSON, signed',
      request: () => signedPush(push.subarray(0, push.length - 20)),
      status: 400,
      detail: /malformed JSON/,
    },
    {
      name: 'valid signature over a pull request payload sent as a push',
      request: () => signedPush(octokitExample('pull_request', 'opened')),
      status: 400,
      detail: /github push payload/,
    },
    {
      name: 'valid signature over a JSON array',
      request: () => signedPush(Buffer.from('[]')),
      status: 400,
      detail: /github push payload/,
    },
    {
      name: 'valid signature over a push with a number for its ref',
      request: () => signedPush(Buffer.from(JSON.stringify({ ...JSON.parse(push.toString()), ref: 5 }))),
      status: 400,
      detail: /ref/,
    },
    {
      name: 'body over 25 MiB, sent chunked (no Content-Length)',
      // A keep-alive sender, as providers are: Node closes a `Connection: close` socket right after the
      // answer, and a sender still writing may then see EPIPE before it reads the 413.
      request: () => ({
        ...signedPush(),
        body: undefined,
        chunks: Array.from({ length: 30 }, () => Buffer.alloc(mib, 0x20)),
        agent: new Agent({ keepAlive: true }),
      }),
      status: 413,
      detail: /larger than 26214400 bytes/,
    },
    {
      name: 'GET /hook',
      request: () => ({ method: 'GET' }),
      status: 405,
      detail: /GET is not allowed here; use POST/,
    },
    {
      name: 'PUT /hook',
      request: () => ({ ...signedPush(), method: 'PUT' }),
      status: 405,
      detail: /PUT is not allowed/,
    },
  ];

  it.each(cases)('$name -> $status', async ({ request, status, detail }) => {
    const before = served.calls.length;
    const res = await rawRequest(served.hook, request());
    expect(res.status, res.text).toBe(status);
    expect(res.headers['content-type']).toBe('application/problem+json');
    const document = res.json();
    expect(document).toMatchObject({ status, type: expect.stringMatching(/^urn:lighthouse-ts:problem:/) });
    expect(document.detail).toMatch(detail);
    if (status === 405) expect(res.headers.allow).toBe('POST');
    if (status === 415) expect(res.headers['accept-post']).toBe('application/json');
    expect(served.calls.length).toBe(before);
  });

  it('a Content-Length over 25 MiB -> 413 before any of the body is sent', async () => {
    const head =
      'POST /hook HTTP/1.1\r\nHost: lighthouse\r\ncontent-type: application/json\r\n' +
      `x-github-event: push\r\nx-github-delivery: big\r\ncontent-length: ${25 * mib + 1}\r\n\r\n`;
    expect(await statusOfHead(served.server.port, head)).toBe('HTTP/1.1 413 Payload Too Large');
  });

  it('a body of exactly 25 MiB is read (and then judged on its signature)', async () => {
    const res = await rawRequest(served.hook, signedPush(Buffer.alloc(25 * mib, 0x20)));
    expect(res.status).toBe(400);
    expect(res.json().detail).toMatch(/malformed JSON/);
  });

  it('headers over 16 KiB -> 431 from Node, answered as a problem document', async () => {
    const res = await rawRequest(
      served.hook,
      withHeaders(signedPush(), (h) => (h['x-pad'] = 'a'.repeat(20_000))),
    );
    expect(res.status).toBe(431);
    expect(res.headers['content-type']).toBe('application/problem+json');
  });

  it('unknown routes -> 404, probes refuse other methods -> 405', async () => {
    for (const path of ['/', '/hook/', '/hooks', '/healthz/x', '/constructor', '/__proto__', '/toString']) {
      const res = await rawRequest(`${served.url}${path}`, { method: 'POST', body: '{}' });
      expect(res.status, path).toBe(404);
      expect(res.json().detail).toMatch(/webhooks go to POST \/hook/);
    }
    const res = await rawRequest(`${served.url}/healthz`, { method: 'POST' });
    expect(res.status).toBe(405);
    expect(res.headers.allow).toBe('GET, HEAD');
  });

  it('stays healthy and counts each refusal by provider, event and code (event unverified before the signature)', async () => {
    expect((await rawRequest(`${served.url}/healthz`)).status).toBe(200);
    expect((await rawRequest(`${served.url}/readyz`)).status).toBe(200);
    const metrics = (await rawRequest(`${served.url}/metrics`)).text;
    const count = (labels: Record<string, string>) =>
      sample(metrics, 'lighthouse_webhook_deliveries_total', labels);
    expect(count({ provider: 'github', event: 'unverified', code: '401' })).toBe(6);
    expect(count({ provider: 'gitlab', event: 'unverified', code: '401' })).toBe(1);
    expect(count({ provider: 'github', event: 'push', code: '400' })).toBe(7);
    expect(count({ provider: 'unknown', event: 'unverified', code: '400' })).toBe(2);
    expect(count({ provider: 'github', event: 'unverified', code: '415' })).toBe(4);
    expect(count({ provider: 'github', event: 'unverified', code: '413' })).toBe(2);
    expect(served.calls).toHaveLength(0);
  });
});

describe('bodies read at once', () => {
  it('stalled uploads hold at most the body budget: the one that would go over gets 503 with Retry-After, and deliveries pass again once they end', async () => {
    const budget = new BodyBudget(2 * mib);
    const served = await serveInProcess({ bodyBudget: budget });
    const port = served.server.port;
    // Two uploads that send 1 MiB of their declared 1.5 MiB, then stall.
    const stalled = await Promise.all(
      [1, 2].map(async (n) => {
        const socket = connect(port, '127.0.0.1');
        socket.on('error', () => {});
        await once(socket, 'connect');
        socket.write(
          'POST /hook HTTP/1.1\r\nHost: lighthouse\r\ncontent-type: application/json\r\n' +
            `x-github-event: push\r\nx-github-delivery: stalled-${n}\r\ncontent-length: ${1.5 * mib}\r\n\r\n`,
        );
        socket.write(Buffer.alloc(mib, 0x20));
        return socket;
      }),
    );
    await vi.waitFor(() => expect(budget.held).toBe(2 * mib));

    const refused = await rawRequest(served.hook, signedPush());
    expect(refused.status).toBe(503);
    expect(refused.headers['retry-after']).toBe('5');
    expect(refused.json().detail).toMatch(/too many request bodies are being read at once/);
    expect((await rawRequest(`${served.url}/healthz`)).status).toBe(200);
    expect(served.calls).toHaveLength(0);

    for (const socket of stalled) socket.destroy();
    await vi.waitFor(() => expect(budget.held).toBe(0));
    expect((await rawRequest(served.hook, signedPush())).status).toBe(200);
    await served.server.stop(1000);
  });
});
