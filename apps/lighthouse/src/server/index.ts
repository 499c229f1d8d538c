export {
  createWebhookHandler,
  defaultBudgetMs,
  defaultMaxBodyBytes,
  hookPath,
  type Readiness,
  type WebhookHandler,
  type WebhookHandlerOptions,
} from './handler.ts';
export { createMetrics, type Metrics } from './metrics.ts';
export {
  clientErrorListener,
  createLogger,
  serveUntilSignal,
  startWebhookServer,
  type WebhookServer,
  type WebhookServerOptions,
} from './serve.ts';
export { type TraceContext, traceContextOf } from './trace.ts';
