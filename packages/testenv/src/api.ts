import { request as httpsRequest } from 'node:https';

export interface Credentials {
  server: string;
  ca: Buffer;
  cert: Buffer;
  key: Buffer;
}

export interface ApiResponse {
  status: number;
  body: string;
}

/**
 * The few calls testenv itself makes (readiness, CRDs, namespaces). Everything else talks to the
 * cluster through @lighthouse-ts/kube; this stays dependency-free so testenv does not pull a client in.
 */
export function apiRequest(
  credentials: Credentials,
  method: string,
  path: string,
  body?: unknown,
  contentType = 'application/json',
): Promise<ApiResponse> {
  const url = new URL(path, credentials.server);
  const payload = body === undefined ? undefined : JSON.stringify(body);
  return new Promise((resolve, reject) => {
    const req = httpsRequest(
      url,
      {
        method,
        ca: credentials.ca,
        cert: credentials.cert,
        key: credentials.key,
        headers: payload ? { 'content-type': contentType, 'content-length': Buffer.byteLength(payload) } : {},
        timeout: 10_000,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () =>
          resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }),
        );
        res.on('error', reject);
      },
    );
    req.on('timeout', () => req.destroy(new Error(`timeout: ${method} ${url}`)));
    req.on('error', reject);
    req.end(payload);
  });
}

export async function apiCall(
  credentials: Credentials,
  method: string,
  path: string,
  body?: unknown,
  contentType?: string,
): Promise<unknown> {
  const res = await apiRequest(credentials, method, path, body, contentType);
  if (res.status < 200 || res.status >= 300) {
    throw new Error(`testenv: ${method} ${path} answered ${res.status}: ${res.body.slice(0, 2000)}`);
  }
  return res.body ? JSON.parse(res.body) : undefined;
}
