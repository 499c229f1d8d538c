// Raw HTTP to an app under test (node:http and bare sockets, no retries), so a test controls every byte it
// sends; and the values of its Prometheus metrics.
import { once } from 'node:events';
import { Agent, type IncomingHttpHeaders, request } from 'node:http';
import { connect, type Socket } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';

export interface RawResponse {
  status: number;
  headers: IncomingHttpHeaders;
  text: string;
  json(): Record<string, unknown>;
}

export interface RawRequest {
  method?: string;
  headers?: Record<string, string>;
  /** Sent whole, with its Content-Length unless headers say otherwise. */
  body?: string | Buffer;
  /** Sent chunk by chunk (Transfer-Encoding: chunked) until the answer comes or they run out. */
  chunks?: Iterable<Buffer>;
  /** Reuse connections through this agent instead of one connection per request. */
  agent?: Agent;
  /**
   * Ask to keep this request's connection (as pooling clients such as fetch do) instead of sending
   * `Connection: close`, after which Node's server closes the socket as soon as it has answered.
   */
  keepAlive?: boolean;
}

export function rawRequest(url: string, options: RawRequest = {}): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const ownAgent = options.keepAlive && !options.agent ? new Agent({ keepAlive: true }) : undefined;
    const req = request(url, {
      method: options.method ?? 'GET',
      headers: options.headers,
      agent: options.agent ?? ownAgent ?? false,
    });
    let answered = false;
    req.on('response', (res) => {
      answered = true;
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        text += chunk;
      });
      res.on('end', () => {
        ownAgent?.destroy();
        resolve({ status: res.statusCode ?? 0, headers: res.headers, text, json: () => JSON.parse(text) });
      });
      res.on('error', reject);
    });
    // Writing on after the server answered and closed may fail; the answer is what counts.
    req.on('error', (error) => {
      if (!answered) reject(error);
    });
    if (options.chunks) {
      void (async () => {
        for (const chunk of options.chunks ?? []) {
          if (answered || req.destroyed) return;
          if (!req.write(chunk)) await new Promise((resolve) => req.once('drain', resolve));
        }
        if (!answered) req.end();
      })();
    } else {
      req.end(options.body);
    }
  });
}

/** The value of `name{labels}` in a Prometheus text exposition; undefined if absent. */
export function sample(text: string, name: string, labels: Record<string, string> = {}): number | undefined {
  const rendered = Object.entries(labels)
    .map(([key, value]) => `${key}="${value}"`)
    .join(',');
  const prefix = rendered ? `${name}{${rendered}} ` : `${name} `;
  const line = text.split('\n').find((l) => l.startsWith(prefix));
  return line === undefined ? undefined : Number(line.slice(prefix.length));
}

/**
 * A POST whose body is sent in two parts, the first `firstBytes` now: it stays in flight, on a kept-alive
 * connection, until `finish()` sends the rest. `response` is its status and text, or the connection's error.
 */
export function requestInTwoParts(
  url: string,
  { headers = {}, body, firstBytes }: { headers?: Record<string, string>; body: Buffer; firstBytes: number },
) {
  const req = request(url, {
    method: 'POST',
    agent: new Agent({ keepAlive: true }),
    headers: { ...headers, 'content-length': String(body.length) },
  });
  const response = new Promise<{ status: number; headers: IncomingHttpHeaders; text: string }>(
    (resolve, reject) => {
      req.on('response', async (res) => {
        let text = '';
        for await (const chunk of res) text += chunk;
        resolve({ status: res.statusCode ?? 0, headers: res.headers, text });
      });
      req.on('error', reject);
    },
  );
  response.catch(() => {});
  req.write(body.subarray(0, firstBytes));
  return { response, finish: () => req.end(body.subarray(firstBytes)) };
}

/** A connection that has sent part of a request's head, so the server counts it busy, not idle. */
export async function halfSentRequest(port: number, path: string): Promise<Socket> {
  const socket = connect(port, '127.0.0.1');
  await once(socket, 'connect');
  socket.write(`GET ${path} HTTP/1.1\r\nHost: localhost\r\n`);
  return socket;
}

/** Everything the server writes on a socket until it closes it. */
export async function readAll(socket: Socket): Promise<string> {
  let text = '';
  socket.setEncoding('utf8');
  for await (const chunk of socket) text += chunk;
  return text;
}

/** Whether a new connection is refused, asking a few times (a listener closes within a moment). */
export async function refusesConnections(port: number): Promise<boolean> {
  for (let attempt = 0; attempt < 50; attempt++) {
    const refused = await new Promise<boolean>((resolve) => {
      const socket = connect(port, '127.0.0.1');
      socket.once('connect', () => {
        socket.destroy();
        resolve(false);
      });
      socket.once('error', (error: NodeJS.ErrnoException) => resolve(error.code === 'ECONNREFUSED'));
    });
    if (refused) return true;
    await sleep(100);
  }
  return false;
}
