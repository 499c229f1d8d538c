// Test helper: a local server answering as a provider's REST API does, from routes keyed by the request's
// path and query. The real APIs cannot be reached from here; the tests replay their documented answers.
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface Reply {
  status?: number;
  body?: unknown;
  headers?: Record<string, string>;
}

/** A reply, or one made from the server's origin (for pagination links). */
export type Route = Reply | ((origin: string) => Reply);

export interface ReplayServer {
  /** Every request so far, in order. */
  requests: IncomingMessage[];
  /** Serves these routes on a free port; resolves to the origin, `http://127.0.0.1:<port>`. */
  start(routes: Record<string, Route>): Promise<string>;
  /** Closes the server and forgets the requests: call it after each test. */
  stop(): Promise<void>;
}

export function replayServer({
  notFound = { message: 'Not Found' },
  contentType = 'application/json',
}: {
  notFound?: unknown;
  contentType?: string;
} = {}): ReplayServer {
  let server: Server | undefined;
  const requests: IncomingMessage[] = [];
  return {
    requests,
    async start(routes) {
      const listening = createServer((req, res) => {
        requests.push(req);
        const route = routes[req.url ?? ''];
        const reply =
          typeof route === 'function' ? route(origin) : (route ?? { status: 404, body: notFound });
        res.writeHead(reply.status ?? 200, { 'content-type': contentType, ...reply.headers });
        res.end(reply.body === undefined ? '' : JSON.stringify(reply.body));
      });
      server = listening;
      await new Promise<void>((resolve) => listening.listen(0, '127.0.0.1', resolve));
      const origin = `http://127.0.0.1:${(listening.address() as AddressInfo).port}`;
      return origin;
    },
    async stop() {
      requests.length = 0;
      const closing = server;
      server = undefined;
      if (closing) await new Promise((resolve) => closing.close(resolve));
    },
  };
}
