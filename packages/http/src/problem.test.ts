import { once } from 'node:events';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { rawRequest } from '@lighthouse-ts/testenv/http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HttpError, json, methodNotAllowed, payloadTooLarge, problem, problemAnswer } from './problem.ts';
import { sendAnswer } from './send.ts';

describe('problem answers', () => {
  it('are RFC 9457 documents typed urn:lighthouse-ts:problem:<kind>, titled by their status', () => {
    const answer = problem(
      503,
      'dispatch-failed',
      'could not start',
      { traceId: 't' },
      { 'retry-after': '5' },
    );
    expect(answer).toMatchObject({
      status: 503,
      contentType: 'application/problem+json',
      headers: { 'retry-after': '5' },
    });
    expect(JSON.parse(answer.body)).toEqual({
      type: 'urn:lighthouse-ts:problem:dispatch-failed',
      title: 'Service Unavailable',
      status: 503,
      detail: 'could not start',
      traceId: 't',
    });
    const document = { type: 'urn:lighthouse-ts:problem:not-found', title: 'NotFoundError', status: 404 };
    expect(problemAnswer(document)).toEqual({
      status: 404,
      body: JSON.stringify(document),
      contentType: 'application/problem+json',
      headers: {},
    });
  });

  it('answer HTTP errors with their headers', () => {
    const refused = methodNotAllowed('PUT', ['GET', 'HEAD']);
    expect(refused.message).toBe('PUT is not allowed here; use GET or HEAD');
    const answer = refused.toAnswer({ requestId: 'r' });
    expect(answer).toMatchObject({ status: 405, headers: { allow: 'GET, HEAD' } });
    expect(JSON.parse(answer.body)).toMatchObject({
      type: 'urn:lighthouse-ts:problem:method-not-allowed',
      requestId: 'r',
    });
    expect(payloadTooLarge(10)).toMatchObject({ status: 413, kind: 'payload-too-large' });
    expect(new HttpError(401, 'unauthorized', 'no')).toBeInstanceOf(Error);
  });
});

describe('sendAnswer', () => {
  let closing = false;
  const server = createServer((req, res) => {
    const answer = req.url === '/problem' ? payloadTooLarge(1).toAnswer() : json(200, { é: 'ü' });
    sendAnswer(req, res, answer, { closing });
    // A second answer to the same request is ignored, not an error.
    sendAnswer(req, res, json(500, {}), { closing });
  });
  let url: string;
  beforeAll(async () => {
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise((resolve) => server.close(resolve)));

  it('sends once, with its type, its length in bytes and no-store; and the problem headers', async () => {
    const res = await rawRequest(url, { keepAlive: true });
    expect(res.status).toBe(200);
    expect(res.headers).toMatchObject({
      'content-type': 'application/json',
      'content-length': String(Buffer.byteLength('{"é":"ü"}')),
      'cache-control': 'no-store',
      connection: 'keep-alive',
    });
    expect(res.json()).toEqual({ é: 'ü' });
    const refused = await rawRequest(`${url}/problem`);
    expect(refused.status).toBe(413);
    expect(refused.headers['content-type']).toBe('application/problem+json');
  });

  it('asks the client to close the connection while shutting down', async () => {
    closing = true;
    const res = await rawRequest(url, { keepAlive: true });
    expect(res.headers.connection).toBe('close');
  });
});
