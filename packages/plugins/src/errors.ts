import { ProviderError, ProviderUnavailableError } from '@lighthouse-ts/scm';

/** A plugin could not decide or act. `retryable` says whether the same event later may succeed. */
export class PluginError extends Error {
  override name = 'PluginError';
  readonly retryable: boolean;

  constructor(message: string, retryable: boolean, options?: ErrorOptions) {
    super(message, options);
    this.retryable = retryable;
  }
}

/** The same event may succeed later: the provider was down or rate-limited us. */
export class RetryableError extends PluginError {
  override name = 'RetryableError';

  constructor(message: string, options?: ErrorOptions) {
    super(message, true, options);
  }
}

/** The event cannot be handled as things are configured (no API token, a token the provider refuses). */
export class PermanentError extends PluginError {
  override name = 'PermanentError';

  constructor(message: string, options?: ErrorOptions) {
    super(message, false, options);
  }
}

/**
 * The provider's errors in the plugin contract's terms: an outage is retryable, a refusal (bad token,
 * missing scope, unknown repository) is permanent. Anything else is returned as it is.
 */
export function asPluginError(error: unknown): unknown {
  if (error instanceof PluginError) return error;
  if (error instanceof ProviderUnavailableError) return new RetryableError(error.message, { cause: error });
  if (error instanceof ProviderError) return new PermanentError(error.message, { cause: error });
  return error;
}
