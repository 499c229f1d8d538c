/** A field the API server named when it rejected an object (`details.causes` of its Status). */
export interface FieldCause {
  field?: string;
  reason?: string;
  message?: string;
}

export interface KubeErrorDetails {
  status?: number;
  reason?: string;
  causes?: FieldCause[];
  cause?: unknown;
}

/** Any failure of a Kubernetes call. Subclasses say which; `retryable` says whether trying again may help. */
export class KubeError extends Error {
  override name = 'KubeError';
  readonly status: number | undefined;
  readonly reason: string | undefined;
  readonly causes: FieldCause[];
  readonly retryable: boolean = false;

  constructor(message: string, details: KubeErrorDetails = {}) {
    super(message, details.cause === undefined ? undefined : { cause: details.cause });
    this.status = details.status;
    this.reason = details.reason;
    this.causes = details.causes ?? [];
  }
}

export class KubeNotFoundError extends KubeError {
  override name = 'KubeNotFoundError';
}

export class KubeAlreadyExistsError extends KubeError {
  override name = 'KubeAlreadyExistsError';
}

/** The object changed since it was read (stale resourceVersion): read it again and retry the change. */
export class KubeConflictError extends KubeError {
  override name = 'KubeConflictError';
}

export class KubeForbiddenError extends KubeError {
  override name = 'KubeForbiddenError';
}

export class KubeUnauthorizedError extends KubeError {
  override name = 'KubeUnauthorizedError';
}

/** The server rejected the object or request (422, 400: e.g. an unknown field); `causes` name the fields. */
export class KubeInvalidError extends KubeError {
  override name = 'KubeInvalidError';
}

/** A watch or list asked for a resourceVersion the server no longer has (410 Gone): list again. */
export class KubeExpiredError extends KubeError {
  override name = 'KubeExpiredError';
}

/** Throttled, overloaded, unreachable or timed out: the request may succeed if tried again. */
export class KubeUnavailableError extends KubeError {
  override name = 'KubeUnavailableError';
  override readonly retryable = true;
  /** How long the server asked us to wait (Retry-After), if it said. */
  readonly retryAfterMs: number | undefined;

  constructor(message: string, details: KubeErrorDetails & { retryAfterMs?: number } = {}) {
    super(message, details);
    this.retryAfterMs = details.retryAfterMs;
  }
}

/** An object from the server that does not match the schema we read it with. */
export class KubeUnexpectedObjectError extends KubeError {
  override name = 'KubeUnexpectedObjectError';
}

interface Status {
  message?: string;
  reason?: string;
  code?: number;
  details?: { causes?: FieldCause[]; retryAfterSeconds?: number };
}

function parseStatus(body: string): Status {
  try {
    const parsed = JSON.parse(body) as unknown;
    return parsed && typeof parsed === 'object' ? (parsed as Status) : {};
  } catch {
    return {};
  }
}

function retryAfterMs(header: string | null, status: Status): number | undefined {
  const seconds =
    header !== null && /^\d+$/.test(header.trim()) ? Number(header) : status.details?.retryAfterSeconds;
  return seconds === undefined ? undefined : seconds * 1000;
}

/** The typed error for a non-2xx answer, from its status code, `Status` body and Retry-After header. */
export function errorFromResponse(
  request: string,
  status: number,
  body: string,
  retryAfterHeader: string | null = null,
): KubeError {
  const parsed = parseStatus(body);
  const reason = parsed.reason;
  const message = `${request}: ${parsed.message ?? (body.slice(0, 500) || `HTTP ${status}`)}`;
  const details = { status, reason, causes: parsed.details?.causes };
  switch (true) {
    case status === 404:
      return new KubeNotFoundError(message, details);
    case status === 409 && reason === 'AlreadyExists':
      return new KubeAlreadyExistsError(message, details);
    case status === 409:
      return new KubeConflictError(message, details);
    case status === 403:
      return new KubeForbiddenError(message, details);
    case status === 401:
      return new KubeUnauthorizedError(message, details);
    case status === 422 || status === 400:
      return new KubeInvalidError(message, details);
    case status === 410:
      return new KubeExpiredError(message, details);
    case status === 429 || status >= 500:
      return new KubeUnavailableError(message, {
        ...details,
        retryAfterMs: retryAfterMs(retryAfterHeader, parsed),
      });
    default:
      return new KubeError(message, details);
  }
}
