// Test helper: a local server answering as a provider's REST API does, from routes keyed by the request's
// path and query (and, for writes, its method). The real APIs cannot be reached from here; the tests replay
// their documented answers and read back every request the client made.
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface Reply {
  status?: number;
  /** Sent as JSON. */
  body?: unknown;
  /** Sent as it is, for answers that are not JSON. */
  text?: string;
  headers?: Record<string, string>;
}

/** A reply, or one made from the server's origin (for pagination links). */
export type Respond = Reply | ((origin: string) => Reply);

/** A reply to every request, or one reply per request in turn, the last repeated. */
export type Route = Respond | Respond[];

/** A request as the server received it; `body` is parsed when it is JSON. */
export interface Recorded {
  method: string;
  url: string;
  headers: IncomingHttpHeaders;
  body: unknown;
}

export interface ReplayServer {
  /** Every request so far, in order. */
  requests: Recorded[];
  /**
   * Serves these routes on a free port; resolves to the origin, `http://127.0.0.1:<port>`. A route is keyed
   * `<path and query>`, or `<METHOD> <path and query>` to answer one method only (that key wins).
   */
  start(routes: Record<string, Route>): Promise<string>;
  /** Closes the server and forgets the requests: call it after each test. */
  stop(): Promise<void>;
}

function parse(raw: string): unknown {
  if (raw === '') return undefined;
  try {
    return JSON.parse(raw);
  } catch {
    return raw;
  }
}

export function replayServer({
  notFound = { message: 'Not Found' },
  contentType = 'application/json',
}: {
  notFound?: unknown;
  contentType?: string;
} = {}): ReplayServer {
  let server: Server | undefined;
  const requests: Recorded[] = [];
  return {
    requests,
    async start(routes) {
      const served = new Map<string, number>();
      const listening = createServer(async (req, res) => {
        const chunks: Buffer[] = [];
        for await (const chunk of req) chunks.push(chunk as Buffer);
        const method = req.method ?? 'GET';
        const url = req.url ?? '';
        requests.push({
          method,
          url,
          headers: req.headers,
          body: parse(Buffer.concat(chunks).toString('utf8')),
        });
        const key = `${method} ${url}` in routes ? `${method} ${url}` : url;
        const route = routes[key];
        const turn = served.get(key) ?? 0;
        served.set(key, turn + 1);
        const pick = Array.isArray(route) ? route[Math.min(turn, route.length - 1)] : route;
        const reply = typeof pick === 'function' ? pick(origin) : (pick ?? { status: 404, body: notFound });
        res.writeHead(reply.status ?? 200, { 'content-type': contentType, ...reply.headers });
        res.end(reply.text ?? (reply.body === undefined ? '' : JSON.stringify(reply.body)));
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
