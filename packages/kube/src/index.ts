export { createKubeClient, type KubeClient, type KubeClientOptions } from './client.ts';
export { type KubeConfigSource, loadKubeConfig } from './config.ts';
export {
  AlreadyExistsError,
  ConflictError,
  ExpiredError,
  type FieldCause,
  ForbiddenError,
  InvalidError,
  KubeError,
  NotFoundError,
  UnauthorizedError,
  UnavailableError,
  UnexpectedObjectError,
} from './errors.ts';
export { Informer, type InformerEvents, type InformerOptions } from './informer.ts';
export type { RateLimitOptions } from './ratelimit.ts';
export {
  type CallOptions,
  type KubeObject,
  type ListOptions,
  type ListResult,
  type MergePatch,
  ResourceClient,
  type WatchEvent,
  type WatchOptions,
  type WriteOptions,
} from './resource.ts';
export type { RetryOptions } from './retry.ts';
export type { TransportOptions } from './transport.ts';
