export {
  createExternalPlugins,
  type ExternalPlugins,
  unbuiltExternalPluginEvents,
} from './external-plugins.ts';
export {
  createWebhookHandler,
  defaultBudgetMs,
  defaultMaxBodyBytes,
  hookPath,
  type WebhookHandler,
  type WebhookHandlerOptions,
} from './handler.ts';
export { createLogger } from './logger.ts';
export { createMetrics, type Metrics } from './metrics.ts';
export { openPendingStore, type PendingStore } from './pending.ts';
