import { STATUS_CODES } from 'node:http';

/** A response to send: status, body text, content type and extra headers. */
export interface Answer {
  status: number;
  body: string;
  contentType: string;
  headers?: Record<string, string>;
}

export const problemContentType = 'application/problem+json';

export function json(status: number, body: Record<string, unknown>): Answer {
  return { status, body: JSON.stringify(body), contentType: 'application/json' };
}

/**
 * An RFC 9457 problem document. `type` is `urn:lighthouse-ts:problem:<kind>`, the same scheme the runner
 * and the meta-pipeline client use; `extra` adds members such as the delivery and trace ids.
 */
export function problem(
  status: number,
  kind: string,
  detail: string,
  extra: Record<string, unknown> = {},
  headers: Record<string, string> = {},
): Answer {
  const document = {
    type: `urn:lighthouse-ts:problem:${kind}`,
    title: STATUS_CODES[status] ?? 'Error',
    status,
    detail,
    ...extra,
  };
  return { status, body: JSON.stringify(document), contentType: problemContentType, headers };
}

/** A refusal at the HTTP layer (413, 415), thrown while reading a request and answered as a problem. */
export class Refusal extends Error {
  override name = 'Refusal';
  readonly status: number;
  readonly kind: string;
  readonly headers: Record<string, string>;

  constructor(status: number, kind: string, message: string, headers: Record<string, string> = {}) {
    super(message);
    this.status = status;
    this.kind = kind;
    this.headers = headers;
  }
}
