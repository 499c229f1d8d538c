// Test helper: raw HTTP requests (node:http, no retries, no pooling), so a test controls every byte.
import { Agent, type IncomingHttpHeaders, request } from 'node:http';

export interface RawResponse {
  status: number;
  headers: IncomingHttpHeaders;
  text: string;
  json(): unknown;
}

export interface RawRequest {
  method?: string;
  headers?: Record<string, string>;
  /** Sent whole, with its Content-Length unless headers say otherwise. */
  body?: string | Buffer;
  /** Sent chunk by chunk (Transfer-Encoding: chunked) until the answer comes or they run out. */
  chunks?: Iterable<Buffer>;
  /**
   * Ask to keep the connection (as pooling clients such as fetch do) instead of sending
   * `Connection: close`, after which Node's server closes the socket as soon as it has answered.
   */
  keepAlive?: boolean;
}

export function rawRequest(url: string, options: RawRequest = {}): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const agent = options.keepAlive ? new Agent({ keepAlive: true }) : false;
    const req = request(url, { method: options.method ?? 'GET', headers: options.headers, agent });
    let answered = false;
    req.on('response', (res) => {
      answered = true;
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        text += chunk;
      });
      res.on('end', () => {
        if (agent) agent.destroy();
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
          if (!req.write(chunk)) await new Promise((r) => req.once('drain', r));
        }
        if (!answered) req.end();
      })();
    } else {
      req.end(options.body);
    }
  });
}
