import diagnostics from 'node:diagnostics_channel';
import { once } from 'node:events';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { type AddressInfo, connect, type Socket } from 'node:net';
import { gzipSync } from 'node:zlib';
import { afterEach, describe, expect, it } from 'vitest';
import { loadKubeConfig } from './config.ts';
import { KubeExpiredError, KubeNotFoundError, KubeUnavailableError } from './errors.ts';
import { Transport } from './transport.ts';

const closers: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  await Promise.all(closers.splice(0).map((close) => close()));
});

/** A local API server stand-in answering with `handle`, and a transport to it. */
async function transportTo(
  handle: (req: IncomingMessage, res: ServerResponse) => void,
  timeoutMs = 30_000,
  onConnection: () => void = () => {},
) {
  const server = createServer(handle).on('connection', onConnection).listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  const config = loadKubeConfig({
    options: {
      // Plain HTTP: client-node allows it only with TLS verification off.
      clusters: [{ name: 'local', server: `http://127.0.0.1:${port}`, skipTLSVerify: true }],
      users: [{ name: 'me', token: 'secret-token' }],
      contexts: [{ name: 'local', cluster: 'local', user: 'me' }],
      currentContext: 'local',
    },
  });
  const transport = new Transport(config, { timeoutMs, retry: { attempts: 1 } });
  closers.push(async () => {
    await transport.close();
    server.closeAllConnections();
    server.close();
  });
  return transport;
}

describe('Transport.request', () => {
  it('sends the method, path, query, credentials and JSON body, and parses the JSON answer', async () => {
    const seen: { method?: string; url?: string; headers?: IncomingMessage['headers']; body?: string } = {};
    const transport = await transportTo((req, res) => {
      let body = '';
      req.on('data', (chunk: Buffer) => {
        body += chunk.toString();
      });
      req.on('end', () => {
        Object.assign(seen, { method: req.method, url: req.url, headers: req.headers, body });
        res.writeHead(201, { 'content-type': 'application/json' }).end('{"created":true}');
      });
    });
    const answer = await transport.request({
      method: 'POST',
      path: '/api/v1/namespaces/ci/configmaps',
      query: { dryRun: 'All', skipped: undefined },
      body: { data: { a: 'b' } },
    });
    expect(answer).toEqual({ created: true });
    expect(seen).toMatchObject({
      method: 'POST',
      url: '/api/v1/namespaces/ci/configmaps?dryRun=All',
      body: '{"data":{"a":"b"}}',
      headers: {
        authorization: 'Bearer secret-token',
        'content-type': 'application/json',
        accept: 'application/json',
      },
    });
  });

  it("turns an error answer into the API server's typed error", async () => {
    const transport = await transportTo((_req, res) => {
      res
        .writeHead(404, { 'content-type': 'application/json' })
        .end('{"kind":"Status","reason":"NotFound","message":"configmaps \\"x\\" not found","code":404}');
    });
    await expect(
      transport.request({ method: 'GET', path: '/api/v1/namespaces/ci/configmaps/x' }),
    ).rejects.toThrow(KubeNotFoundError);
  });

  it('reads an answer the server compressed, as the API server does lists over 128 KiB', async () => {
    const list = {
      kind: 'ConfigMapList',
      items: Array.from({ length: 3000 }, (_, i) => ({ name: `cm-${i}` })),
    };
    let accepted: string | undefined;
    const transport = await transportTo((req, res) => {
      accepted = req.headers['accept-encoding'];
      res.writeHead(200, { 'content-type': 'application/json', 'content-encoding': 'gzip' });
      res.end(gzipSync(JSON.stringify(list)));
    });
    expect(await transport.request({ method: 'GET', path: '/api/v1/namespaces/ci/configmaps' })).toEqual(
      list,
    );
    expect(accepted).toContain('gzip');
  });

  it('fails as unavailable, saying it timed out, when the server does not answer in time', async () => {
    const transport = await transportTo(() => {}, 200);
    const failure = transport.request({ method: 'GET', path: '/api/v1/namespaces/ci', retry: false });
    await expect(failure).rejects.toThrow(KubeUnavailableError);
    await expect(failure).rejects.toThrow('GET /api/v1/namespaces/ci: timed out');
  });

  it('fails as unavailable, saying it timed out, when the answer stops half-way', async () => {
    const transport = await transportTo((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.write('{"kind":');
    }, 200);
    const failure = transport.request({ method: 'GET', path: '/api/v1/namespaces/ci', retry: false });
    await expect(failure).rejects.toThrow(KubeUnavailableError);
    await expect(failure).rejects.toThrow('GET /api/v1/namespaces/ci: timed out');
  });

  it("rejects with the caller's reason when the caller aborts while the answer arrives", async () => {
    // Node's http client says when it has read an answer's headers.
    const answered = new Promise<void>((resolve) => {
      const seen = () => {
        diagnostics.unsubscribe('http.client.response.finish', seen);
        resolve();
      };
      diagnostics.subscribe('http.client.response.finish', seen);
    });
    const transport = await transportTo((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.write('{"kind":');
    });
    const caller = new AbortController();
    const failure = transport.request({
      method: 'GET',
      path: '/api/v1/namespaces/ci',
      signal: caller.signal,
    });
    await answered;
    const reason = new Error('shutting down');
    caller.abort(reason);
    await expect(failure).rejects.toBe(reason);
  });
});

describe('Transport.stream', () => {
  it('streams the answer as it arrives', async () => {
    let more: () => void = () => {};
    const transport = await transportTo((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.write('{"type":"ADDED"}\n');
      more = () => {
        more = () => {};
        res.end('{"type":"DELETED"}\n');
      };
    });
    const chunks: string[] = [];
    for await (const chunk of await transport.stream({ method: 'GET', path: '/api/v1/configmaps' })) {
      chunks.push(chunk.toString());
      more();
    }
    expect(chunks.join('')).toBe('{"type":"ADDED"}\n{"type":"DELETED"}\n');
  });

  it("turns an error answer into the API server's typed error", async () => {
    const transport = await transportTo((_req, res) => {
      res
        .writeHead(410, { 'content-type': 'application/json' })
        .end('{"kind":"Status","reason":"Expired","message":"too old resource version","code":410}');
    });
    await expect(transport.stream({ method: 'GET', path: '/api/v1/configmaps' })).rejects.toThrow(
      KubeExpiredError,
    );
  });
});

describe('Transport connections', () => {
  it('sends one request after another over one kept-alive connection', async () => {
    let connections = 0;
    const transport = await transportTo(
      (_req, res) => {
        res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
      },
      30_000,
      () => connections++,
    );
    for (let i = 0; i < 3; i++) await transport.request({ method: 'GET', path: '/api/v1/namespaces' });
    expect(connections).toBe(1);
  });

  it('goes through the proxy the kubeconfig names for the cluster (proxy-url)', async () => {
    const api = createServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' }).end('{"proxied":true}');
    }).listen(0, '127.0.0.1');
    // An HTTP proxy: tunnels each CONNECT to the stand-in API server, whatever address it asks for.
    let asked: string | undefined;
    const proxy = createServer()
      .on('connect', (req: IncomingMessage, client: Socket, head: Buffer) => {
        asked = req.url;
        const upstream = connect((api.address() as AddressInfo).port, '127.0.0.1', () => {
          client.write('HTTP/1.1 200 Connection Established\r\n\r\n');
          upstream.write(head);
          upstream.pipe(client).pipe(upstream);
        });
        // A reset on either side (at teardown) ends the tunnel.
        client.on('error', () => upstream.destroy());
        upstream.on('error', () => client.destroy());
      })
      .listen(0, '127.0.0.1');
    await Promise.all([once(api, 'listening'), once(proxy, 'listening')]);
    const config = loadKubeConfig({
      options: {
        clusters: [
          {
            name: 'behind',
            server: 'http://api.cluster.invalid:8080',
            skipTLSVerify: true,
            proxyUrl: `http://127.0.0.1:${(proxy.address() as AddressInfo).port}`,
          },
        ],
        users: [{ name: 'me', token: 'secret-token' }],
        contexts: [{ name: 'behind', cluster: 'behind', user: 'me' }],
        currentContext: 'behind',
      },
    });
    const transport = new Transport(config, { retry: { attempts: 1 } });
    closers.push(async () => {
      await transport.close();
      for (const server of [api, proxy]) {
        server.closeAllConnections();
        server.close();
      }
    });
    expect(await transport.request({ method: 'GET', path: '/api/v1/namespaces' })).toEqual({ proxied: true });
    expect(asked).toBe('api.cluster.invalid:8080');
  });

  it('times out while a proxy does not answer the CONNECT', async () => {
    let tunnel: Socket | undefined;
    const proxy = createServer()
      .on('connect', (_req: IncomingMessage, client: Socket) => {
        // Read, so that the client's end of it is seen.
        tunnel = client.resume();
      })
      .listen(0, '127.0.0.1');
    await once(proxy, 'listening');
    const transport = new Transport(
      loadKubeConfig({
        options: {
          clusters: [
            {
              name: 'behind',
              server: 'https://api.cluster.invalid:6443',
              proxyUrl: `http://127.0.0.1:${(proxy.address() as AddressInfo).port}`,
            },
          ],
          users: [{ name: 'me', token: 'secret-token' }],
          contexts: [{ name: 'behind', cluster: 'behind', user: 'me' }],
          currentContext: 'behind',
        },
      }),
      { timeoutMs: 200, retry: { attempts: 1 } },
    );
    closers.push(async () => {
      await transport.close();
      proxy.closeAllConnections();
      proxy.close();
    });
    const failure = transport.request({ method: 'GET', path: '/api/v1/namespaces' });
    await expect(failure).rejects.toThrow(KubeUnavailableError);
    await expect(failure).rejects.toThrow('GET /api/v1/namespaces: timed out');
    // The abandoned CONNECT's connection is ended by the client, not left to the proxy.
    if (tunnel && !tunnel.readableEnded) await once(tunnel, 'end');
    expect(tunnel?.readableEnded).toBe(true);
  });

  it('fails at once, not as unavailable, when the configuration cannot give credentials', async () => {
    let asked = 0;
    const transport = await transportTo((_req, res) => {
      asked++;
      res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
    const broken = new Transport(
      loadKubeConfig({
        options: {
          clusters: [{ name: 'local', server: transport.server, skipTLSVerify: true }],
          users: [
            {
              name: 'me',
              exec: {
                command: '/nonexistent/credential-plugin',
                apiVersion: 'client.authentication.k8s.io/v1',
              },
            },
          ],
          contexts: [{ name: 'local', cluster: 'local', user: 'me' }],
          currentContext: 'local',
        },
      }),
      { retry: { attempts: 3, baseDelayMs: 1 } },
    );
    closers.push(() => broken.close());
    const failure = broken.request({ method: 'GET', path: '/api/v1/namespaces' });
    await expect(failure).rejects.toThrow();
    await expect(failure).rejects.not.toBeInstanceOf(KubeUnavailableError);
    expect(asked).toBe(0);
  });

  it('refuses calls once closed', async () => {
    const transport = await transportTo((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
    await transport.close();
    await expect(transport.request({ method: 'GET', path: '/api/v1/namespaces' })).rejects.toThrow(
      /is closed/,
    );
  });

  it('closes only after the requests under way are answered', async () => {
    let answer: () => void = () => {};
    let received: () => void = () => {};
    const arrived = new Promise<void>((resolve) => {
      received = resolve;
    });
    const transport = await transportTo((_req, res) => {
      answer = () => res.writeHead(200, { 'content-type': 'application/json' }).end('{"answered":true}');
      received();
    });
    const underWay = transport.request({ method: 'GET', path: '/api/v1/namespaces', retry: false });
    await arrived;
    let isClosed = false;
    const closed = transport.close().then(() => {
      isClosed = true;
    });
    // Closing goes nowhere while the request waits for its answer.
    await new Promise(setImmediate);
    expect(isClosed).toBe(false);
    answer();
    expect(await underWay).toEqual({ answered: true });
    await closed;
  });
});
