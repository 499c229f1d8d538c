import type { ListFilter, MetaPipeline, MetaPipelineRef, MetaPipelineRequest } from './schemas.ts';

export interface CallOptions {
  /** Gives up on the call (an UnavailableError); a create already under way may still finish. */
  signal?: AbortSignal;
  /** The W3C traceparent of the caller's span, continued by the remote runner's logs; a new trace if absent. */
  traceparent?: string;
}

/**
 * Starts and follows meta-pipelines. Implementations: embedded (in-process, writes to Kubernetes) and
 * remote (HTTP to a runner). Both throw only MetaPipelineError subclasses, an abort and an unexpected
 * failure included.
 */
export interface MetaPipelineClient {
  /**
   * Starts the meta-pipeline the request describes, or returns the one already started for its
   * idempotency key (ConflictError if that key was used for a different request).
   */
  create(request: MetaPipelineRequest, options?: CallOptions): Promise<MetaPipeline>;
  get(ref: MetaPipelineRef, options?: CallOptions): Promise<MetaPipeline>;
  /** Newest first. */
  list(filter: ListFilter, options?: CallOptions): Promise<MetaPipeline[]>;
  /** Stops it; cancelling one that already finished or was cancelled returns it unchanged. */
  cancel(ref: MetaPipelineRef, options?: CallOptions): Promise<MetaPipeline>;
  /** Releases connections; the client is not used after. */
  close(): Promise<void>;
}
