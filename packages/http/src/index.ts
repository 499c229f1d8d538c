export {
  BodyBudget,
  type BodyMeter,
  bodyBudgetExceeded,
  ClientGoneError,
  checkDeclaredLength,
  discardRest,
  readBody,
  requireJson,
} from './body.ts';
export { createLifecycle, type Lifecycle, type Readiness, trackedListener } from './lifecycle.ts';
export { type HttpLogger, type LogMethod, typedByName } from './logger.ts';
export {
  type Answer,
  HttpError,
  json,
  methodNotAllowed,
  type ProblemDocument,
  payloadTooLarge,
  problem,
  problemAnswer,
  problemContentType,
  problemDocument,
  problemType,
} from './problem.ts';
export { type RereadOptions, readSecretFile, rereading, SecretFileError } from './secret-file.ts';
export { header, type SendOptions, sendAnswer } from './send.ts';
export {
  clientErrorListener,
  type DrainingListener,
  type HttpServer,
  type HttpServerOptions,
  ListenError,
  type RequestIdName,
  type ServeUntilSignalOptions,
  serveUntilSignal,
  startHttpServer,
} from './server.ts';
export { newTraceId, requestIdOf, type TraceContext, traceContextOf } from './trace.ts';
export { within } from './within.ts';
