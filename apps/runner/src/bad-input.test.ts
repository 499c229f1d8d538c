import { once } from 'node:events';
import { connect } from 'node:net';
import { pullRequestRequest } from '@lighthouse-ts/metapipeline-client/testing';
import { type RawRequest, type RawResponse, rawRequest } from '@lighthouse-ts/testenv/http';
import { testCluster } from '@lighthouse-ts/testenv/vitest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { killRunners, type ServingRunner, startRunner, trailingLine } from '../test/runner-process.ts';

const maxBodyBytes = 64 * 1024;

interface Case {
  name: string;
  method?: string;
  /** A function of the namespace the runner serves. */
  path: string | ((namespace: string) => string);
  /** Sent as `Authorization: Bearer <token>` unless false or a header overrides it. */
  auth?: boolean;
  headers?: Record<string, string>;
  body?: string | Buffer | ((namespace: string) => string);
  chunks?: () => Iterable<Buffer>;
  keepAlive?: boolean;
  status: number;
  type: string;
  /** Further checks of the answer. */
  expect?: (response: RawResponse, problem: Record<string, unknown>) => void;
}

const json = { 'content-type': 'application/json' };
const validBody = (namespace: string) => JSON.stringify(pullRequestRequest(namespace));
const problemType = (name: string) => `urn:lighthouse-ts:problem:${name}`;
const fieldPaths = (problem: Record<string, unknown>) =>
  (problem.errors as { path: string }[]).map((e) => e.path).sort();

function* chunksOf(size: number, count: number): Iterable<Buffer> {
  yield Buffer.from('{"idempotencyKey":"');
  for (let i = 0; i < count; i++) yield Buffer.alloc(size, 'a');
}

const cases: Case[] = [
  {
    name: 'no token',
    method: 'POST',
    path: '/v1/metapipelines',
    auth: false,
    headers: json,
    body: validBody,
    status: 401,
    type: problemType('unauthorized'),
    expect: (res) => expect(res.headers['www-authenticate']).toMatch(/^Bearer /),
  },
  {
    name: 'wrong token',
    path: '/v1/namespaces/default/metapipelines',
    headers: { authorization: 'Bearer not-the-token' },
    status: 401,
    type: problemType('unauthorized'),
    expect: (res) => expect(res.headers['www-authenticate']).toMatch(/^Bearer .*error="invalid_token"/),
  },
  {
    name: 'another scheme',
    path: '/v1/namespaces/default/metapipelines/x',
    headers: { authorization: 'Basic dXNlcjpwYXNz' },
    status: 401,
    type: problemType('unauthorized'),
  },
  {
    name: 'malformed JSON',
    method: 'POST',
    path: '/v1/metapipelines',
    headers: json,
    body: "{idempotencyKey: 'x'}",
    status: 400,
    type: problemType('invalid-request'),
  },
  {
    name: 'truncated JSON',
    method: 'POST',
    path: '/v1/metapipelines',
    headers: json,
    body: (namespace) => validBody(namespace).slice(0, 100),
    status: 400,
    type: problemType('invalid-request'),
  },
  {
    name: 'empty body',
    method: 'POST',
    path: '/v1/metapipelines',
    headers: json,
    body: '',
    status: 400,
    type: problemType('invalid-request'),
  },
  {
    name: 'not UTF-8',
    method: 'POST',
    path: '/v1/metapipelines',
    headers: json,
    body: Buffer.from([0x7b, 0x22, 0xff, 0xfe, 0x22, 0x7d]),
    status: 400,
    type: problemType('invalid-request'),
  },
  {
    name: 'JSON that is not an object',
    method: 'POST',
    path: '/v1/metapipelines',
    headers: json,
    body: '[1, 2]',
    status: 400,
    type: problemType('invalid-request'),
  },
  {
    name: 'a schema violation, naming the field',
    method: 'POST',
    path: '/v1/metapipelines',
    headers: json,
    body: (namespace) => {
      const request = pullRequestRequest(namespace);
      return JSON.stringify({ ...request, pullRefs: { ...request.pullRefs, baseSha: 'main' } });
    },
    status: 400,
    type: problemType('invalid-request'),
    expect: (_, problem) => expect(fieldPaths(problem)).toEqual(['pullRefs.baseSha']),
  },
  {
    name: 'an unknown field',
    method: 'POST',
    path: '/v1/metapipelines',
    headers: json,
    body: (namespace) => JSON.stringify({ ...pullRequestRequest(namespace), priority: 'high' }),
    status: 400,
    type: problemType('invalid-request'),
    expect: (_, problem) => expect(JSON.stringify(problem.errors)).toContain('priority'),
  },
  {
    name: 'an invalid namespace in the path',
    path: '/v1/namespaces/Not_A_Namespace/metapipelines/x',
    status: 400,
    type: problemType('invalid-request'),
    expect: (_, problem) => expect(fieldPaths(problem)).toEqual(['namespace']),
  },
  {
    name: 'malformed percent-encoding in the path',
    path: '/v1/namespaces/default/metapipelines/%E0%A4%A',
    status: 400,
    type: problemType('invalid-request'),
    expect: (_, problem) => expect(fieldPaths(problem)).toEqual(['name']),
  },
  {
    name: 'an unknown list filter',
    path: '/v1/namespaces/default/metapipelines?colour=red',
    status: 400,
    type: problemType('invalid-request'),
    expect: (_, problem) => expect(JSON.stringify(problem.errors)).toContain('colour'),
  },
  {
    name: 'a list filter given twice',
    path: '/v1/namespaces/default/metapipelines?repo=a&repo=b',
    status: 400,
    type: problemType('invalid-request'),
    expect: (_, problem) => expect(fieldPaths(problem)).toEqual(['repo']),
  },
  {
    name: 'a body over the limit by Content-Length',
    method: 'POST',
    path: '/v1/metapipelines',
    headers: { ...json, 'content-length': String(maxBodyBytes + 1) },
    // The declared body is never sent: the answer must come from the header alone.
    body: Buffer.alloc(0),
    status: 413,
    type: problemType('payload-too-large'),
  },
  {
    name: 'a chunked body that grows over the limit',
    method: 'POST',
    path: '/v1/metapipelines',
    headers: json,
    // Up to 16 × the limit: the answer must come long before the sender runs out.
    chunks: () => chunksOf(8 * 1024, 128),
    keepAlive: true,
    status: 413,
    type: problemType('payload-too-large'),
  },
  {
    name: 'text/plain',
    method: 'POST',
    path: '/v1/metapipelines',
    headers: { 'content-type': 'text/plain' },
    body: validBody,
    status: 415,
    type: problemType('unsupported-media-type'),
  },
  {
    name: 'no content type',
    method: 'POST',
    path: '/v1/metapipelines',
    body: validBody,
    status: 415,
    type: problemType('unsupported-media-type'),
  },
  {
    name: 'JSON in another charset',
    method: 'POST',
    path: '/v1/metapipelines',
    headers: { 'content-type': 'application/json; charset=utf-16' },
    body: validBody,
    status: 415,
    type: problemType('unsupported-media-type'),
  },
  {
    name: 'an unknown route',
    path: '/v2/metapipelines',
    status: 404,
    type: problemType('not-found'),
  },
  {
    name: 'a path below an item',
    path: '/v1/namespaces/default/metapipelines/x/logs',
    status: 404,
    type: problemType('not-found'),
  },
  {
    name: 'a meta-pipeline that does not exist',
    path: (namespace) => `/v1/namespaces/${namespace}/metapipelines/no-such-pipeline`,
    status: 404,
    type: problemType('not-found'),
  },
  {
    name: 'a namespace the runner does not serve',
    path: '/v1/namespaces/kube-system/metapipelines',
    status: 403,
    type: problemType('forbidden'),
    expect: (_, problem) =>
      expect(problem.detail).toMatch(/^request refused by policy: namespace: "kube-system" is not allowed/),
  },
  {
    name: 'a build ServiceAccount the runner does not allow',
    method: 'POST',
    path: '/v1/metapipelines',
    headers: json,
    body: (namespace) => JSON.stringify(pullRequestRequest(namespace, { serviceAccount: 'cluster-admin' })),
    status: 403,
    type: problemType('forbidden'),
    expect: (_, problem) => expect(problem.detail).toContain('serviceAccount: "cluster-admin"'),
  },
  {
    name: 'GET on the create route',
    path: '/v1/metapipelines',
    status: 405,
    type: problemType('method-not-allowed'),
    expect: (res) => expect(res.headers.allow).toBe('POST'),
  },
  {
    name: 'DELETE on an item',
    method: 'DELETE',
    path: '/v1/namespaces/default/metapipelines/x',
    status: 405,
    type: problemType('method-not-allowed'),
    expect: (res) => expect(res.headers.allow).toBe('GET, HEAD'),
  },
  {
    name: 'POST on a probe',
    method: 'POST',
    path: '/healthz',
    auth: false,
    status: 405,
    type: problemType('method-not-allowed'),
    expect: (res) => expect(res.headers.allow).toBe('GET, HEAD'),
  },
];

describe('bad input to the runner', () => {
  let runner: ServingRunner;
  let namespace: string;

  beforeAll(async () => {
    const cluster = await testCluster();
    namespace = await cluster.createNamespace('bad-input');
    runner = await startRunner({
      kubeconfig: cluster.kubeconfigPath,
      namespace,
      args: ['--max-body-bytes', String(maxBodyBytes)],
    });
  });
  afterAll(killRunners);

  it.for(cases)('$name → $status', async (c) => {
    const headers: Record<string, string> = {
      ...(c.auth === false ? {} : { authorization: `Bearer ${runner.token}` }),
      ...c.headers,
    };
    const request: RawRequest = { method: c.method ?? 'GET', headers, keepAlive: c.keepAlive ?? false };
    if (c.chunks) request.chunks = c.chunks();
    else if (c.body !== undefined) request.body = typeof c.body === 'function' ? c.body(namespace) : c.body;
    const path = typeof c.path === 'function' ? c.path(namespace) : c.path;
    const res = await rawRequest(`${runner.url}${path}`, request);

    expect(res.status, res.text).toBe(c.status);
    expect(res.headers['content-type']).toBe('application/problem+json');
    const problem = res.json() as Record<string, unknown>;
    expect(problem).toMatchObject({ type: c.type, status: c.status, requestId: res.headers['x-request-id'] });
    expect(problem.title).toEqual(expect.any(String));
    expect(problem.detail).toEqual(expect.any(String));
    c.expect?.(res, problem);
  });

  it('answers 413, not a reset connection, to a fetch that uploads a large body', async () => {
    const res = await fetch(`${runner.url}/v1/metapipelines`, {
      method: 'POST',
      headers: { ...json, authorization: `Bearer ${runner.token}` },
      body: Buffer.alloc(32 * maxBodyBytes, ' '),
    });
    expect(res.status).toBe(413);
    expect(await res.json()).toMatchObject({ status: 413, type: problemType('payload-too-large') });
  });

  it('answers a request Node cannot parse with a problem document too', async () => {
    const socket = connect(runner.port, '127.0.0.1');
    await once(socket, 'connect');
    socket.end('NOT AN HTTP REQUEST\r\n\r\n');
    let answer = '';
    for await (const chunk of socket) answer += chunk;
    const [head = '', body = ''] = answer.split('\r\n\r\n');
    expect(head).toMatch(/^HTTP\/1\.1 400 Bad Request\r\n/);
    expect(head).toMatch(/\r\ncontent-type: application\/problem\+json\r\n/);
    const requestId = head.match(/\r\nx-request-id: (\S+)/)?.[1];
    expect(JSON.parse(body)).toMatchObject({ status: 400, requestId });
  });

  it('is still healthy, and still serves, after all of them', async () => {
    expect((await rawRequest(`${runner.url}/healthz`)).status).toBe(200);
    const created = await rawRequest(`${runner.url}/v1/metapipelines`, {
      method: 'POST',
      headers: { ...json, authorization: `Bearer ${runner.token}` },
      body: validBody(namespace),
    });
    expect(created.status, created.text).toBe(200);
    expect(runner.child.exitCode).toBeNull();
    // The log is read once it has caught up: this request's own line comes after every earlier request's.
    const requestId = created.headers['x-request-id'];
    await runner.waitForLog(
      (line) => line.requestId === requestId && line.msg === 'request',
      'of the create',
      trailingLine,
    );
    // Every failure was the sender's: none of them was answered as the runner's own error.
    expect(runner.logs.filter((line) => line.level >= 50)).toEqual([]);
  });
});
