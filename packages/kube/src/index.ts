export { createKubeClient, type KubeClient, type KubeClientOptions } from './client.ts';
export { type KubeConfigSource, loadKubeConfig } from './config.ts';
export {
  type FieldCause,
  KubeAlreadyExistsError,
  KubeConflictError,
  KubeError,
  KubeExpiredError,
  KubeForbiddenError,
  KubeInvalidError,
  KubeNotFoundError,
  KubeUnauthorizedError,
  KubeUnavailableError,
  KubeUnexpectedObjectError,
} from './errors.ts';
export { Informer, type InformerEvents, type InformerOptions } from './informer.ts';
export {
  type Clock,
  type LeaderElection,
  type LeaderElectionOptions,
  type Logger,
  startLeaderElection,
  systemClock,
} from './leader.ts';
export { Lease, LeaseSpec, leaseType } from './lease.ts';
export { WorkQueue, type WorkQueueOptions } from './queue.ts';
export type { RateLimitOptions } from './ratelimit.ts';
export { type KubeReadinessOptions, kubeReadiness, type Readiness } from './readiness.ts';
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
