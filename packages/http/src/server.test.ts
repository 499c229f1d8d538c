import { once } from 'node:events';
import { Agent, type IncomingMessage, request } from 'node:http';
import { connect } from 'node:net';
import { join } from 'node:path';
import { killApps, spawnApp, startServingApp } from '@lighthouse-ts/testenv/app-process';
import {
  halfSentRequest,
  rawRequest,
  readAll,
  refusesConnections,
  requestInTwoParts,
} from '@lighthouse-ts/testenv/http';
import { afterAll, afterEach, describe, expect, it, vi } from 'vitest';
import { testListener, testLogger } from '../test/listener.ts';
import { type HttpServer, ListenError, type RequestIdName, startHttpServer } from './server.ts';

const fixture = join(import.meta.dirname, '../test/serve-fixture.ts');

let current: HttpServer | undefined;
async function start(idName?: RequestIdName) {
  const logger = testLogger();
  const handler = testListener(logger);
  const server = await startHttpServer({ handler, logger, host: '127.0.0.1', port: 0, idName });
  current = server;
  return { server, logger, handler };
}
afterEach(async () => {
  await current?.stop(100);
  current = undefined;
});

/** A request whose body is sent in two parts: it stays in flight until `finish()`. */
const halfSentBody = (url: string) =>
  requestInTwoParts(url, {
    headers: { 'content-type': 'application/json' },
    body: Buffer.from('{}  '),
    firstBytes: 2,
  });

async function rawExchange(port: number, text: string): Promise<{ head: string; body: string }> {
  const socket = connect(port, '127.0.0.1');
  await once(socket, 'connect');
  socket.end(text);
  const [head = '', body = ''] = (await readAll(socket)).split('\r\n\r\n');
  return { head, body };
}

describe('the connection limit', () => {
  it('closes a connection over maxConnections as it arrives, and takes one again when another closes', async () => {
    const logger = testLogger();
    const server = await startHttpServer({
      handler: testListener(logger),
      logger,
      host: '127.0.0.1',
      port: 0,
      maxConnections: 1,
    });
    current = server;
    const held = await halfSentRequest(server.port, '/healthz');
    const over = connect(server.port, '127.0.0.1');
    over.on('error', () => {});
    over.write('GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n');
    expect(await readAll(over)).toBe('');
    // A reset, not a FIN: the server would keep a half-closed connection until its headers timeout.
    held.resetAndDestroy();
    await once(held, 'close');
    // The server counts the closed connection out as it notices; ask until it has.
    await vi.waitFor(
      async () => {
        const { head } = await rawExchange(server.port, 'GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n');
        expect(head).toMatch(/^HTTP\/1\.1 200 /);
      },
      { timeout: 15_000, interval: 100 },
    );
  });
});

describe('requests Node cannot read', () => {
  it('are answered with a problem document carrying a new request id, also sent as x-request-id', async () => {
    const { server, logger } = await start();
    const { head, body } = await rawExchange(server.port, 'NOT AN HTTP REQUEST\r\n\r\n');
    expect(head).toMatch(/^HTTP\/1\.1 400 Bad Request\r\n/);
    expect(head).toMatch(/\r\ncontent-type: application\/problem\+json\r\n/);
    expect(head).toMatch(/\r\nconnection: close(\r\n|$)/);
    const requestId = head.match(/\r\nx-request-id: (\S+)/)?.[1];
    expect(requestId).toMatch(/^[0-9a-f]{16}$/);
    expect(JSON.parse(body)).toEqual({
      type: 'urn:lighthouse-ts:problem:bad-request',
      title: 'Bad Request',
      status: 400,
      detail: expect.stringMatching(/^the HTTP request could not be read \(HPE_/),
      requestId,
    });
    expect(logger.lines).toContainEqual(expect.objectContaining({ msg: 'unreadable request', requestId }));
  });

  it('name the id traceId where the app names it so, and answer headers over 16 KiB with 431', async () => {
    const { server, logger } = await start('traceId');
    const res = await rawRequest(`${server.url}/`, { headers: { 'x-pad': 'a'.repeat(20_000) } });
    expect(res.status).toBe(431);
    expect(res.headers['content-type']).toBe('application/problem+json');
    const traceId = res.headers['x-request-id'];
    expect(traceId).toMatch(/^[0-9a-f]{32}$/);
    expect(res.json()).toMatchObject({ status: 431, title: 'Request Header Fields Too Large', traceId });
    expect(logger.lines).toContainEqual(expect.objectContaining({ traceId, status: 431 }));
  });
});

describe('stop', () => {
  it('turns the handler off, stops listening, closes idle connections at once, and lets a request finish', async () => {
    const { server, logger } = await start();
    const agent = new Agent({ keepAlive: true });
    const idle = await new Promise<IncomingMessage>((resolve, reject) =>
      request(`${server.url}/`, { agent }, resolve).on('error', reject).end(),
    );
    idle.resume();
    await once(idle, 'end');
    const inFlight = halfSentBody(`${server.url}/?ms=1`);
    await logger.waitFor((line) => line.msg === 'received' && line.ms === 1);

    const stopped = server.stop(10_000);
    expect(await refusesConnections(server.port)).toBe(true);
    inFlight.finish();
    const { status, headers, text } = await inFlight.response;
    expect(status).toBe(200);
    expect(headers.connection).toBe('close');
    expect(JSON.parse(text)).toMatchObject({ outcome: 'done', bytes: 4 });
    // Had the idle keep-alive connection been left open, this would wait for its timeout (5 s) or the grace.
    expect(await stopped).toBe('drained');
    expect(server.stop(0)).toBe(stopped);
    agent.destroy();
  });

  it('past the grace period: aborts the work still running, closes the connections, and ends `cut`', async () => {
    const { server, logger, handler } = await start();
    const probe = await halfSentRequest(server.port, '/?ms=60000');
    probe.write('\r\n');
    await logger.waitFor((line) => line.msg === 'received');
    expect(await server.stop(200)).toBe('cut');
    expect(handler.aborted).toEqual(['grace period over']);
    expect(logger.lines.map((line) => line.msg)).toContain(
      'grace period over: aborting the work still running and closing the connections still open',
    );
    // The aborted request finished before stop resolved, and its connection was closed under it.
    expect(logger.lines).toContainEqual(expect.objectContaining({ msg: 'handled', outcome: 'aborted' }));
    expect(await readAll(probe)).toBe('');
  });

  it('cut ends a drain at once', async () => {
    const { server, logger, handler } = await start();
    const probe = await halfSentRequest(server.port, '/?ms=60000');
    probe.write('\r\n');
    await logger.waitFor((line) => line.msg === 'received');
    const stopped = server.stop(60_000);
    server.cut('second signal');
    expect(await stopped).toBe('cut');
    expect(handler.aborted).toEqual(['second signal']);
    probe.destroy();
  });

  it('cannot listen on a port that is taken: ListenError', async () => {
    const { server } = await start();
    const logger = testLogger();
    await expect(
      startHttpServer({ handler: testListener(logger), logger, host: '127.0.0.1', port: server.port }),
    ).rejects.toThrow(
      new ListenError(
        `cannot listen on 127.0.0.1:${server.port}: listen EADDRINUSE: address already in use 127.0.0.1:${server.port}`,
      ),
    );
  });
});

describe('serveUntilSignal, in a process of its own', () => {
  afterAll(killApps);
  const messages = (app: { logs: { msg: string }[] }) => app.logs.map((line) => line.msg);

  it('on SIGTERM: stops listening, lets the request in flight finish, releases, logs stopped, exits 0', async () => {
    const app = await startServingApp(fixture);
    expect(app.logs[0]).toMatchObject({ msg: 'listening', host: '127.0.0.1', url: app.url, fixture: true });
    const slow = rawRequest(`${app.url}/?ms=1000`);
    await app.waitForLog((line) => line.msg === 'received', '"received"');
    app.child.kill('SIGTERM');
    await app.waitForLog((line) => line.msg === 'shutting down', '"shutting down"');
    expect(await refusesConnections(app.port)).toBe(true);
    const res = await slow;
    expect(res.status).toBe(200);
    expect(res.json()).toMatchObject({ outcome: 'done' });
    expect(await app.exited).toEqual({ code: 0, signal: null });
    expect(messages(app)).toEqual([
      'listening',
      'received',
      'shutting down',
      'handled',
      'released',
      'stopped',
    ]);
    expect(app.logs.at(-1)).toMatchObject({ msg: 'stopped', ended: 'drained' });
  });

  it('past the grace period: aborts what still runs, and still exits 0', async () => {
    const app = await startServingApp(fixture, [], { FIXTURE_GRACE_MS: '300' });
    const slow = rawRequest(`${app.url}/?ms=60000`);
    slow.catch(() => {});
    await app.waitForLog((line) => line.msg === 'received', '"received"');
    expect(await app.stop()).toEqual({ code: 0, signal: null });
    expect(messages(app)).toContain(
      'grace period over: aborting the work still running and closing the connections still open',
    );
    expect(app.logs.at(-1)).toMatchObject({ msg: 'stopped', ended: 'cut' });
  });

  it('a second signal cuts the drain short', async () => {
    const app = await startServingApp(fixture, [], { FIXTURE_GRACE_MS: '60000' });
    const slow = rawRequest(`${app.url}/?ms=60000`);
    slow.catch(() => {});
    await app.waitForLog((line) => line.msg === 'received', '"received"');
    app.child.kill('SIGTERM');
    await app.waitForLog((line) => line.msg === 'shutting down', '"shutting down"');
    app.child.kill('SIGINT');
    expect(await app.exited).toEqual({ code: 0, signal: null });
    expect(messages(app)).toContain(
      'second signal: aborting the work still running and closing the connections still open',
    );
    expect(app.logs.at(-1)).toMatchObject({ msg: 'stopped', ended: 'cut' });
  });

  it('rejects with ListenError when the port is taken', async () => {
    const first = await startServingApp(fixture);
    const second = spawnApp(fixture, [], { FIXTURE_PORT: String(first.port) });
    expect((await second.exited).code).toBe(1);
    expect(second.output()).toContain(`cannot listen on 127.0.0.1:${first.port}: listen EADDRINUSE`);
    expect(messages(second)).not.toContain('listening');
    await first.stop();
  });
});
