import { ConflictError, KeyConflictError, MetaPipelineError } from '@lighthouse-ts/metapipeline-client';
import { PluginError } from '@lighthouse-ts/plugins';

/**
 * Whether a dispatch failed for good, so that a redelivery would fail the same way until the
 * configuration changes: a plugin's permanent error, or one of the meta-pipeline client's typed refusals
 * (4xx). A plain MetaPipelineError is an unexpected failure, which a redelivery may get past, and so is a
 * conflict other than a key's: a race lost against another writer (a build number's counter).
 */
export function failedForGood(error: unknown): error is MetaPipelineError | PluginError {
  if (error instanceof PluginError) return !error.retryable;
  if (error instanceof ConflictError && !(error instanceof KeyConflictError)) return false;
  return error instanceof MetaPipelineError && error.status < 500;
}
