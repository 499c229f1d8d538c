import type * as z from 'zod';
import type { Problem } from './schemas.ts';

export interface FieldError {
  /** Dotted path of the field, e.g. `pullRefs.pulls.0.sha`. */
  path: string;
  message: string;
}

/**
 * Any failure of a meta-pipeline call. Both implementations throw the same subclasses, so callers
 * never see whether Kubernetes or HTTP was underneath.
 */
export class MetaPipelineError extends Error {
  override name = 'MetaPipelineError';
  /** The HTTP status the remote contract uses for it. */
  readonly status: number = 500;
  readonly problemType: string = 'urn:lighthouse-ts:problem:error';
  /** Whether the same call may succeed later (always safe: requests carry an idempotency key). */
  readonly retryable: boolean = false;
}

/** The request is wrong; `errors` say which fields and why. Not worth retrying. */
export class InvalidRequestError extends MetaPipelineError {
  override name = 'InvalidRequestError';
  override readonly status = 400;
  override readonly problemType = 'urn:lighthouse-ts:problem:invalid-request';
  readonly errors: FieldError[];

  constructor(message: string, errors: FieldError[] = [], options?: ErrorOptions) {
    super(message, options);
    this.errors = errors;
  }

  static fromZod(error: z.ZodError, what = 'request'): InvalidRequestError {
    const errors = error.issues.map((issue) => ({
      path: issue.path.join('.'),
      // A record's bad key says why one level down.
      message: (issue.code === 'invalid_key' ? issue.issues[0]?.message : undefined) ?? issue.message,
    }));
    const summary = errors.map((e) => `${e.path || '(root)'}: ${e.message}`).join('; ');
    return new InvalidRequestError(`invalid ${what}: ${summary}`, errors);
  }
}

export class NotFoundError extends MetaPipelineError {
  override name = 'NotFoundError';
  override readonly status = 404;
  override readonly problemType = 'urn:lighthouse-ts:problem:not-found';
}

/** The idempotency key was used before for a different request, or the state changed underneath. */
export class ConflictError extends MetaPipelineError {
  override name = 'ConflictError';
  override readonly status = 409;
  override readonly problemType: string = 'urn:lighthouse-ts:problem:conflict';
}

/**
 * The idempotency key was used before for a different request: the key's pipeline exists, made for what
 * was asked then. A caller keying on events may take it as "this event's pipeline exists".
 */
export class KeyConflictError extends ConflictError {
  override name = 'KeyConflictError';
  override readonly problemType = 'urn:lighthouse-ts:problem:key-conflict';
}

/** The runner did not accept the caller's credentials. */
export class UnauthorizedError extends MetaPipelineError {
  override name = 'UnauthorizedError';
  override readonly status = 401;
  override readonly problemType = 'urn:lighthouse-ts:problem:unauthorized';
}

/** The client's policy refuses the request, or Kubernetes refused the client. Not worth retrying. */
export class ForbiddenError extends MetaPipelineError {
  override name = 'ForbiddenError';
  override readonly status = 403;
  override readonly problemType = 'urn:lighthouse-ts:problem:forbidden';
}

/** Kubernetes or the runner cannot be reached or is overloaded: try again (with the same request). */
export class UnavailableError extends MetaPipelineError {
  override name = 'UnavailableError';
  override readonly status = 503;
  override readonly problemType = 'urn:lighthouse-ts:problem:unavailable';
  override readonly retryable = true;
}

/** The caller's signal ended the call: it did not complete, and the same call may succeed later. */
export function aborted(signal: AbortSignal, what: string): UnavailableError {
  const reason = signal.reason instanceof Error ? signal.reason.message : String(signal.reason);
  return new UnavailableError(`${what}: aborted: ${reason}`, { cause: signal.reason });
}

/**
 * The client with every call keeping the interface's promise. A call whose signal (in its last argument,
 * the CallOptions) has aborted, or that timed out, did not complete: UnavailableError. Anything else that
 * is not a MetaPipelineError yet (a bug, a library's own error) becomes a plain one, its cause kept.
 */
export function guarded<Client extends object>(client: Client): Client {
  const wrap =
    <Args extends unknown[], Result>(name: string, call: (...args: Args) => Promise<Result>) =>
    async (...args: Args): Promise<Result> => {
      try {
        return await call(...args);
      } catch (error) {
        if (error instanceof MetaPipelineError) throw error;
        const signal = (args.at(-1) as { signal?: unknown } | undefined)?.signal;
        if (signal instanceof AbortSignal && signal.aborted) throw aborted(signal, name);
        if (error instanceof DOMException && (error.name === 'AbortError' || error.name === 'TimeoutError')) {
          throw new UnavailableError(`${name}: did not complete: ${error.message}`, { cause: error });
        }
        const message = error instanceof Error ? error.message : String(error);
        throw new MetaPipelineError(`${name}: unexpected error: ${message}`, { cause: error });
      }
    };
  return Object.fromEntries(
    Object.entries(client).map(([name, call]) => [
      name,
      typeof call === 'function' ? wrap(name, call) : call,
    ]),
  ) as Client;
}

const byType = new Map<string, new (message: string) => MetaPipelineError>([
  ['urn:lighthouse-ts:problem:not-found', NotFoundError],
  ['urn:lighthouse-ts:problem:conflict', ConflictError],
  ['urn:lighthouse-ts:problem:key-conflict', KeyConflictError],
  ['urn:lighthouse-ts:problem:unauthorized', UnauthorizedError],
  ['urn:lighthouse-ts:problem:forbidden', ForbiddenError],
  ['urn:lighthouse-ts:problem:unavailable', UnavailableError],
]);

/** The problem document that stands for `error` on the wire. */
export function toProblem(error: MetaPipelineError, requestId?: string): Problem {
  return {
    type: error.problemType,
    title: error.name,
    status: error.status,
    detail: error.message,
    ...(error instanceof InvalidRequestError ? { errors: error.errors } : {}),
    ...(requestId ? { requestId } : {}),
  };
}

/** The typed error a problem document stands for; an unknown type becomes a plain MetaPipelineError. */
export function fromProblem(problem: Problem): MetaPipelineError {
  const message = problem.detail ?? problem.title;
  if (problem.type === 'urn:lighthouse-ts:problem:invalid-request') {
    return new InvalidRequestError(message, problem.errors ?? []);
  }
  const ErrorType = byType.get(problem.type);
  return ErrorType ? new ErrorType(message) : new MetaPipelineError(message);
}
