import { once } from 'node:events';
import { Agent, createServer, type IncomingMessage, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { connect } from 'node:net';
import { rawRequest } from '@lighthouse-ts/testenv/http';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { BodyBudget, ClientGoneError, discardRest, readBody, requireJson } from './body.ts';
import { HttpError, json } from './problem.ts';
import { header, sendAnswer } from './send.ts';

const maxBytes = 64 * 1024;
const jsonType = { 'content-type': 'application/json' };

/** A server that takes JSON bodies up to `maxBytes`, as the apps' handlers do, and keeps what went wrong. */
function bodyServer() {
  const gone: ClientGoneError[] = [];
  const server = createServer(async (req, res) => {
    try {
      requireJson(header(req, 'content-type'), { 'text/plain': 'say it in JSON' });
      const body = await readBody(req, maxBytes);
      sendAnswer(req, res, json(200, { bytes: body.length }), { maxBodyBytes: maxBytes });
    } catch (error) {
      if (error instanceof ClientGoneError) {
        gone.push(error);
        return;
      }
      if (!(error instanceof HttpError)) throw error;
      sendAnswer(req, res, error.toAnswer(), { maxBodyBytes: maxBytes });
    }
  });
  return { server, gone };
}

async function listen(server: Server): Promise<string> {
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

describe('reading a body', () => {
  const { server, gone } = bodyServer();
  let url: string;
  beforeAll(async () => {
    url = await listen(server);
  });
  afterAll(() => new Promise((resolve) => server.close(resolve)));

  it('reads a body of exactly the limit, sent whole or chunked', async () => {
    const whole = await rawRequest(url, { method: 'POST', headers: jsonType, body: Buffer.alloc(maxBytes) });
    expect(whole.json()).toEqual({ bytes: maxBytes });
    const chunks = Array.from({ length: 4 }, () => Buffer.alloc(maxBytes / 4));
    const chunked = await rawRequest(url, { method: 'POST', headers: jsonType, chunks });
    expect(chunked.json()).toEqual({ bytes: maxBytes });
  });

  it('refuses a Content-Length over the limit before a byte of the body is sent', async () => {
    const socket = connect((server.address() as AddressInfo).port, '127.0.0.1');
    await once(socket, 'connect');
    socket.write(
      `POST / HTTP/1.1\r\nHost: x\r\ncontent-type: application/json\r\ncontent-length: ${maxBytes + 1}\r\n\r\n`,
    );
    let text = '';
    for await (const chunk of socket) {
      text += chunk;
      if (text.includes('}')) break;
    }
    socket.destroy();
    expect(text).toMatch(/^HTTP\/1\.1 413 Payload Too Large\r\n/);
    expect(text).toContain('"type":"urn:lighthouse-ts:problem:payload-too-large"');
    expect(text).toContain(`"detail":"the request body is larger than ${maxBytes} bytes"`);
  });

  it('answers 413, not a reset connection, to a client still uploading a body over the limit', async () => {
    // Chunked, on a keep-alive connection, up to 16 × the limit: the answer must come long before the end.
    const chunks = Array.from({ length: 128 }, () => Buffer.alloc(8 * 1024, 'a'));
    const agent = new Agent({ keepAlive: true });
    const res = await rawRequest(url, { method: 'POST', headers: jsonType, chunks, agent });
    expect(res.status).toBe(413);
    expect(res.headers['content-type']).toBe('application/problem+json');
    agent.destroy();
    // fetch sends the whole body at once, with its length: the same answer.
    const fetched = await fetch(url, {
      method: 'POST',
      headers: jsonType,
      body: Buffer.alloc(32 * maxBytes),
    });
    expect(fetched.status).toBe(413);
  });

  it('rejects with ClientGoneError when the client leaves before its body ends', async () => {
    const before = gone.length;
    const received = once(server, 'request');
    const req = request(url, { method: 'POST', headers: { ...jsonType, 'content-length': '100' } });
    req.on('error', () => {});
    req.write('{"half":');
    await received;
    req.destroy();
    for (let i = 0; i < 500 && gone.length === before; i++) await new Promise((r) => setTimeout(r, 10));
    expect(gone.at(-1)).toBeInstanceOf(ClientGoneError);
  });
});

describe('the body budget', () => {
  const budget = new BodyBudget(1000);
  const server = createServer(async (req, res) => {
    try {
      const body = await readBody(req, maxBytes, budget.meter(res));
      sendAnswer(req, res, json(200, { bytes: body.length }), { maxBodyBytes: maxBytes });
    } catch (error) {
      if (!(error instanceof HttpError)) throw error;
      sendAnswer(req, res, error.toAnswer(), { maxBodyBytes: maxBytes });
    }
  });
  let url: string;
  beforeAll(async () => {
    url = await listen(server);
  });
  afterAll(() => new Promise((resolve) => server.close(resolve)));

  it('refuses with 503 and Retry-After the body that would take the bodies held over it, and gives bytes back when answered', async () => {
    // A stalled upload: 700 of its 800 bytes sent, then nothing.
    const stalled = request(url, { method: 'POST', headers: { ...jsonType, 'content-length': '800' } });
    const stalledAnswer = new Promise<number>((resolve, reject) => {
      stalled.on('response', (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      });
      stalled.on('error', reject);
    });
    stalled.write(Buffer.alloc(700, 'a'));
    await vi.waitFor(() => expect(budget.held).toBe(700));

    const refused = await rawRequest(url, { method: 'POST', headers: jsonType, body: Buffer.alloc(400) });
    expect(refused.status).toBe(503);
    expect(refused.headers['retry-after']).toBe('5');
    expect(refused.json()).toMatchObject({ type: 'urn:lighthouse-ts:problem:body-budget-exceeded' });
    // Its bytes are given back once it is answered; a smaller one still fits beside the stalled one.
    await vi.waitFor(() => expect(budget.held).toBe(700));
    expect(
      (await rawRequest(url, { method: 'POST', headers: jsonType, body: Buffer.alloc(200) })).status,
    ).toBe(200);

    stalled.end(Buffer.alloc(100, 'a'));
    expect(await stalledAnswer).toBe(200);
    await vi.waitFor(() => expect(budget.held).toBe(0));
    const again = await rawRequest(url, { method: 'POST', headers: jsonType, body: Buffer.alloc(400) });
    expect(again.json()).toEqual({ bytes: 400 });
  });
});

describe('requireJson', () => {
  it.for([
    'application/json',
    'application/json; charset=utf-8',
    'application/json;charset="UTF-8"',
    'Application/JSON; charset=utf8',
    'application/vnd.github+json',
    'application/problem+json',
  ])('accepts %j', (contentType) => {
    expect(() => requireJson(contentType)).not.toThrow();
  });

  it.for([
    ['text/plain', 'the body must be application/json, not "text/plain"; say it in JSON'],
    [undefined, 'the body must be application/json, not no content type'],
    [
      'application/json; charset=latin1',
      'the body must be application/json, not "application/json; charset=latin1"',
    ],
    ['application/jsonx', 'the body must be application/json, not "application/jsonx"'],
    [
      'application/x-www-form-urlencoded',
      'the body must be application/json, not "application/x-www-form-urlencoded"',
    ],
  ] as const)('refuses %j with 415', ([contentType, message]) => {
    let refused: unknown;
    try {
      requireJson(contentType, { 'text/plain': 'say it in JSON' });
    } catch (error) {
      refused = error;
    }
    expect(refused).toBeInstanceOf(HttpError);
    expect(refused).toMatchObject({
      status: 415,
      kind: 'unsupported-media-type',
      message,
      headers: { 'accept-post': 'application/json' },
    });
  });

  it('never takes advice from an inherited member', () => {
    expect(() => requireJson('constructor')).toThrow(/not "constructor"$/);
  });
});

describe('discardRest', () => {
  it('cuts the connection once the budget is spent, or the time is up', async () => {
    const cuts: string[] = [];
    const server = createServer((req: IncomingMessage, res) => {
      const budget = req.url === '/small-budget' ? 1024 : 1024 * 1024;
      discardRest(req, budget, req.url === '/short-time' ? 100 : 60_000);
      req.socket.once('close', () => cuts.push(req.url ?? ''));
      res.writeHead(413).end();
    });
    const url = await listen(server);
    try {
      for (const path of ['/small-budget', '/short-time']) {
        const req = request(`${url}${path}`, { method: 'POST', headers: { 'content-length': '1000000' } });
        req.on('error', () => {});
        req.write(Buffer.alloc(path === '/small-budget' ? 4096 : 10));
        await once(req, 'response');
        for (let i = 0; i < 300 && !cuts.includes(path); i++) await new Promise((r) => setTimeout(r, 10));
        expect(cuts).toContain(path);
        req.destroy();
      }
    } finally {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    }
  });

  it('leaves nothing on a kept-alive connection once a refused body has ended', async () => {
    const listeners: number[] = [];
    const server = createServer((req, res) => {
      sendAnswer(req, res, json(405, {}), { maxBodyBytes: maxBytes });
      req.once('end', () => listeners.push(req.socket.listenerCount('close')));
    });
    const url = await listen(server);
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    try {
      for (let i = 0; i < 12; i++) {
        const res = await fetchWith(agent, url);
        expect(res).toBe(405);
      }
      expect(new Set(listeners).size).toBe(1);
    } finally {
      agent.destroy();
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    }
  });
});

function fetchWith(agent: Agent, url: string): Promise<number | undefined> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method: 'POST', agent, headers: { 'content-length': '2' } }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode));
    });
    req.on('error', reject);
    req.end('{}');
  });
}
