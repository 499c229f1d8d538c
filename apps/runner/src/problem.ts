import { HttpError, type ProblemDocument } from '@lighthouse-ts/http';
import { MetaPipelineError, toProblem, UnavailableError } from '@lighthouse-ts/metapipeline-client';

export interface DescribedError {
  problem: ProblemDocument;
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
    return { problem: error.toProblem({ requestId }), headers: error.headers, unexpected: false };
  }
  if (error instanceof MetaPipelineError && (error.status < 500 || error instanceof UnavailableError)) {
    return { problem: toProblem(error, requestId), headers: {}, unexpected: false };
  }
  const generic = new MetaPipelineError(
    `internal error; the runner's log has the details under requestId ${requestId}`,
  );
  return { problem: toProblem(generic, requestId), headers: {}, unexpected: true };
}
