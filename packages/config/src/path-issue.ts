import type * as z from 'zod';

/** A problem at a place in a parsed document, before it is tied to a file. */
export interface PathIssue {
  path: readonly PropertyKey[];
  reason: string;
}

export const zodIssues = (error: z.ZodError): PathIssue[] =>
  error.issues.map((issue) => ({ path: issue.path, reason: issue.message }));
