export type { CallOptions, MetaPipelineClient } from './client.ts';
export {
  ConflictError,
  type FieldError,
  ForbiddenError,
  fromProblem,
  InvalidRequestError,
  KeyConflictError,
  MetaPipelineError,
  NotFoundError,
  toProblem,
  UnauthorizedError,
  UnavailableError,
} from './errors.ts';
export { openApiDocument, problemContentType, routes } from './openapi.ts';
export {
  checkRequestPolicy,
  defaultBuildServiceAccount,
  EnvNamePattern,
  networkSourceSchemes,
  policyRefusals,
  type RequestPolicy,
  SourceHostPattern,
  SourceSchemePattern,
} from './policy.ts';
export { createRemoteClient, type RemoteClientOptions } from './remote.ts';
export { ComputeResources, defaultMetaStepResources, Quantity } from './resources.ts';
export {
  type ActivityStage,
  branchIdentifier,
  ListFilter,
  MetaPipeline,
  MetaPipelineList,
  MetaPipelineRef,
  MetaPipelineRequest,
  type ParsedMetaPipelineRequest,
  Phase,
  PipelineKind,
  Problem,
  PullRefs,
  PullRequestRef,
  ResourceRef,
} from './schemas.ts';
