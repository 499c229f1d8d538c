import { STATUS_CODES } from 'node:http';

/** A response to send: status, body text, content type and extra headers. */
export interface Answer {
  status: number;
  body: string;
  contentType: string;
  headers?: Record<string, string>;
}

export const problemContentType = 'application/problem+json';

/** The `type` of a problem of this kind: `urn:lighthouse-ts:problem:<kind>`, as the meta-pipeline client reads it. */
export function problemType(kind: string): string {
  return `urn:lighthouse-ts:problem:${kind}`;
}

/** An RFC 9457 problem document; apps add members such as a request, delivery or trace id. */
export interface ProblemDocument {
  type: string;
  title: string;
  status: number;
  detail?: string;
  [member: string]: unknown;
}

export function json(status: number, body: unknown): Answer {
  return { status, body: JSON.stringify(body), contentType: 'application/json' };
}

/** A problem document as an answer with its own status. */
export function problemAnswer(document: ProblemDocument, headers: Record<string, string> = {}): Answer {
  return {
    status: document.status,
    body: JSON.stringify(document),
    contentType: problemContentType,
    headers,
  };
}

/** A problem document of `kind`, titled by its status; `extra` adds members such as the request or trace id. */
export function problemDocument(
  status: number,
  kind: string,
  detail: string,
  extra: Record<string, unknown> = {},
): ProblemDocument {
  return { type: problemType(kind), title: STATUS_CODES[status] ?? 'Error', status, detail, ...extra };
}

/** The answer of problemDocument(status, kind, detail, extra), with extra headers. */
export function problem(
  status: number,
  kind: string,
  detail: string,
  extra: Record<string, unknown> = {},
  headers: Record<string, string> = {},
): Answer {
  return problemAnswer(problemDocument(status, kind, detail, extra), headers);
}

/** A refusal at the HTTP layer (401, 405, 413, 415...), thrown while reading a request, answered as a problem. */
export class HttpError extends Error {
  override name = 'HttpError';
  readonly status: number;
  readonly kind: string;
  readonly headers: Record<string, string>;

  constructor(status: number, kind: string, message: string, headers: Record<string, string> = {}) {
    super(message);
    this.status = status;
    this.kind = kind;
    this.headers = headers;
  }

  /** Its problem document; `extra` adds members such as the request or trace id. */
  toProblem(extra: Record<string, unknown> = {}): ProblemDocument {
    return problemDocument(this.status, this.kind, this.message, extra);
  }

  /** Its problem answer, with its headers. */
  toAnswer(extra: Record<string, unknown> = {}): Answer {
    return problemAnswer(this.toProblem(extra), this.headers);
  }
}

export const payloadTooLarge = (maxBytes: number) =>
  new HttpError(413, 'payload-too-large', `the request body is larger than ${maxBytes} bytes`);

export const methodNotAllowed = (method: string, allow: readonly string[]) =>
  new HttpError(405, 'method-not-allowed', `${method} is not allowed here; use ${allow.join(' or ')}`, {
    allow: allow.join(', '),
  });
