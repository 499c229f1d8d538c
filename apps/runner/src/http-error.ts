/**
 * A refusal at the HTTP layer, before any meta-pipeline call: 401, 405, 413, 415. Errors of the
 * calls themselves are the client's MetaPipelineError subclasses.
 */
export class HttpError extends Error {
  readonly status: number;
  readonly title: string;
  readonly problemType: string;
  readonly headers: Record<string, string>;

  constructor(status: number, title: string, message: string, headers: Record<string, string> = {}) {
    super(message);
    this.name = title;
    this.status = status;
    this.title = title;
    this.problemType = `urn:lighthouse-ts:problem:${title.replace(/([a-z])([A-Z])/g, '$1-$2').toLowerCase()}`;
    this.headers = headers;
  }
}

export const unauthorized = (reason: 'missing' | 'invalid') =>
  new HttpError(
    401,
    'Unauthorized',
    reason === 'missing' ? 'a bearer token is required' : 'the bearer token is not valid',
    {
      'www-authenticate':
        reason === 'missing'
          ? 'Bearer realm="lighthouse-runner"'
          : 'Bearer realm="lighthouse-runner", error="invalid_token"',
    },
  );

export const methodNotAllowed = (method: string, allow: readonly string[]) =>
  new HttpError(405, 'MethodNotAllowed', `${method} is not allowed here; use ${allow.join(' or ')}`, {
    allow: allow.join(', '),
  });

export const payloadTooLarge = (maxBytes: number) =>
  new HttpError(413, 'PayloadTooLarge', `the request body is larger than ${maxBytes} bytes`);

export const unsupportedMediaType = (contentType: string | undefined) =>
  new HttpError(
    415,
    'UnsupportedMediaType',
    `the request body must be application/json (UTF-8), not ${contentType ? JSON.stringify(contentType) : 'untyped'}`,
    { 'accept-post': 'application/json' },
  );
