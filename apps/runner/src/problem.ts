import {
  MetaPipelineError,
  type Problem,
  toProblem,
  UnavailableError,
} from '@lighthouse-ts/metapipeline-client';
import { HttpError } from './http-error.ts';

export interface DescribedError {
  problem: Problem;
  headers: Record<string, string>;
  /** Not the caller's doing nor an expected outage: a bug or an unknown failure, answered generically. */
  unexpected: boolean;
}

/**
 * The problem document that answers an error. Typed errors keep their status and message; anything
 * else becomes a 500 whose message hides the details (they belong in the log).
 */
export function describeError(error: unknown, requestId: string): DescribedError {
  if (error instanceof HttpError) {
    const problem = {
      type: error.problemType,
      title: error.title,
      status: error.status,
      detail: error.message,
    };
    return { problem: { ...problem, requestId }, headers: error.headers, unexpected: false };
  }
  if (error instanceof MetaPipelineError && (error.status < 500 || error instanceof UnavailableError)) {
    return { problem: toProblem(error, requestId), headers: {}, unexpected: false };
  }
  const generic = new MetaPipelineError(
    `internal error; the runner's log has the details under requestId ${requestId}`,
  );
  return { problem: toProblem(generic, requestId), headers: {}, unexpected: true };
}
