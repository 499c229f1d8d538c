import { MetaPipelineError } from '@lighthouse-ts/metapipeline-client';
import { PluginError } from '@lighthouse-ts/plugins';

/**
 * Whether a dispatch failed for good, so that a redelivery would fail the same way until the
 * configuration changes: a plugin's permanent error, or one of the meta-pipeline client's typed refusals
 * (4xx). A plain MetaPipelineError is an unexpected failure, which a redelivery may get past.
 */
export function failedForGood(error: unknown): error is MetaPipelineError | PluginError {
  if (error instanceof PluginError) return !error.retryable;
  return error instanceof MetaPipelineError && error.status < 500;
}
