import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import {
  ConflictError,
  InvalidRequestError,
  MetaPipelineError,
  UnauthorizedError,
  UnavailableError,
} from './errors.ts';
import { createRemoteClient } from './remote.ts';
import { pullRequestRequest } from './testing/index.ts';

// The remote client's own behaviour (retries, headers, error mapping) against a local HTTP server that
// answers as a runner would; the full contract against a real runner is in apps/runner.

const pipeline = {
  ref: { namespace: 'ns', name: 'lighthouse-0123456789abcdef' },
  idempotencyKey: 'k',
  kind: 'pullrequest',
  jobName: 'unit',
  context: 'unit',
  owner: 'o',
  repo: 'r',
  branch: 'PR-1',
  buildNumber: 1,
  resources: [],
  phase: 'pending',
  description: 'meta-pipeline created',
};

type Answer = (req: IncomingMessage, res: ServerResponse) => void;

let server: Server | undefined;
const seen: IncomingMessage[] = [];

async function runner(...answers: Answer[]): Promise<string> {
  let call = 0;
  server = createServer((req, res) => {
    seen.push(req);
    req.resume();
    req.on('end', () => (answers[Math.min(call++, answers.length - 1)] as Answer)(req, res));
  });
  await new Promise<void>((resolve) => server?.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

const json =
  (status: number, body: unknown, type = 'application/json'): Answer =>
  (_req, res) => {
    res.writeHead(status, { 'content-type': type }).end(JSON.stringify(body));
  };
const problem = (status: number, name: string, extra: object = {}) =>
  json(
    status,
    { type: `urn:lighthouse-ts:problem:${name}`, title: name, status, detail: `${name}!`, ...extra },
    'application/problem+json',
  );

afterEach(async () => {
  seen.length = 0;
  await new Promise((resolve) => (server ? server.close(resolve) : resolve(undefined)));
  server = undefined;
});

describe('createRemoteClient', () => {
  it('retries 503 and 502 with the same request id, then succeeds', async () => {
    const url = await runner(problem(503, 'unavailable'), json(502, 'bad gateway'), json(200, pipeline));
    const client = createRemoteClient({ url, token: 't0k', baseDelayMs: 1 });
    expect(await client.create(pullRequestRequest('ns'))).toEqual(pipeline);
    expect(seen).toHaveLength(3);
    const ids = new Set(seen.map((r) => r.headers['x-request-id']));
    expect(ids.size).toBe(1);
    expect(seen[0]?.headers.authorization).toBe('Bearer t0k');
    expect(seen[0]?.headers.traceparent).toMatch(/^00-[0-9a-f]{32}-[0-9a-f]{16}-01$/);
  });

  it("reads a newer runner's answer, dropping the fields it does not know, so the runner may be upgraded first", async () => {
    const newer = { ...pipeline, sha: 'dd64c739', shinyNewField: { any: 'thing' } };
    const url = await runner(json(200, newer), json(200, { items: [newer], servedBy: 'runner-2' }));
    const client = createRemoteClient({ url, token: 't' });
    expect(await client.create(pullRequestRequest('ns'))).toEqual({ ...pipeline, sha: 'dd64c739' });
    expect(await client.list({ namespace: 'ns' })).toEqual([{ ...pipeline, sha: 'dd64c739' }]);
  });

  it('continues a given trace', async () => {
    const url = await runner(json(200, pipeline));
    const traceparent = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';
    await createRemoteClient({ url, token: 't' }).create(pullRequestRequest('ns'), { traceparent });
    expect(seen[0]?.headers.traceparent).toBe(traceparent);
  });

  it('maps problem documents back to the typed errors, without retrying them', async () => {
    const invalid = problem(400, 'invalid-request', { errors: [{ path: 'jobName', message: 'Required' }] });
    const cases: [Answer, unknown][] = [
      [invalid, InvalidRequestError],
      [problem(409, 'conflict'), ConflictError],
      [problem(401, 'unauthorized'), UnauthorizedError],
      [problem(500, 'error'), MetaPipelineError],
    ];
    for (const [answer, type] of cases) {
      const url = await runner(answer);
      const error = await createRemoteClient({ url, token: 't' })
        .create(pullRequestRequest('ns'))
        .catch((e) => e);
      expect(error).toBeInstanceOf(type);
      expect(seen).toHaveLength(1);
      await new Promise((resolve) => server?.close(resolve));
      seen.length = 0;
    }
  });

  it('gives up on an unreachable runner with UnavailableError after its attempts', async () => {
    const url = await runner(json(200, pipeline));
    await new Promise((resolve) => server?.close(resolve));
    server = undefined;
    const client = createRemoteClient({ url, token: 't', attempts: 2, baseDelayMs: 1 });
    const error = await client.get({ namespace: 'ns', name: 'x' }).catch((e) => e);
    expect(error).toBeInstanceOf(UnavailableError);
    expect((error as Error).message).toMatch(/ECONNREFUSED/);
  });

  it('rejects an invalid request before sending it', async () => {
    const url = await runner(json(200, pipeline));
    const client = createRemoteClient({ url, token: 't' });
    const pending = client.create({ ...pullRequestRequest('ns'), jobName: '' });
    await expect(pending).rejects.toBeInstanceOf(InvalidRequestError);
    expect(seen).toHaveLength(0);
  });

  it('times out a runner that does not answer', async () => {
    const url = await runner(() => {});
    const client = createRemoteClient({ url, token: 't', timeoutMs: 50, attempts: 1 });
    await expect(client.get({ namespace: 'ns', name: 'x' })).rejects.toThrow(/timed out/);
  });
});
