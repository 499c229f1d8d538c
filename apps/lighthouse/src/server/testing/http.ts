// Test helper: raw HTTP requests (node:http, no retries), so a test controls every byte it sends.
import { type Agent, type IncomingHttpHeaders, request } from 'node:http';

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
}

export function rawRequest(url: string, options: RawRequest = {}): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const req = request(url, {
      method: options.method ?? 'GET',
      headers: options.headers,
      agent: options.agent ?? false,
    });
    let answered = false;
    req.on('response', (res) => {
      answered = true;
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        text += chunk;
      });
      res.on('end', () =>
        resolve({ status: res.statusCode ?? 0, headers: res.headers, text, json: () => JSON.parse(text) }),
      );
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
