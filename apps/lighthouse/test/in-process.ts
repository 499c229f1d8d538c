// Test helper: the webhook handler on a real HTTP server inside the test process, with a dispatch that
// records its calls (the server's input, standing in for the trigger and the meta-pipeline client).

import { startHttpServer } from '@lighthouse-ts/http';
import type { DispatchContext, DispatchResult } from '@lighthouse-ts/plugins';
import type { WebhookEvent } from '@lighthouse-ts/scm';
import { createWebhookHandler, type WebhookHandlerOptions } from '../src/server/handler.ts';
import { createMetrics } from '../src/server/metrics.ts';
import { captureLogs } from './logs.ts';

export const testSecret = 'in-process-secret';

export interface DispatchCall {
  event: WebhookEvent;
  context: DispatchContext;
}

export async function serveInProcess(
  options: Partial<WebhookHandlerOptions> & {
    /** What dispatch does after recording its call; default: starts a job named `unit`. */
    respond?: (event: WebhookEvent, context: DispatchContext) => Promise<DispatchResult>;
  } = {},
) {
  const { respond = async () => ({ started: ['unit'] }), ...rest } = options;
  const logs = captureLogs();
  const metrics = createMetrics();
  const calls: DispatchCall[] = [];
  const handler = createWebhookHandler({
    secrets: [testSecret],
    logger: logs.logger,
    metrics,
    ...rest,
    dispatch: async (event, context) => {
      calls.push({ event, context });
      return respond(event, context);
    },
  });
  const server = await startHttpServer({
    handler,
    logger: logs.logger,
    host: '127.0.0.1',
    port: 0,
    idName: 'traceId',
  });
  return { url: server.url, hook: `${server.url}/hook`, calls, logs, metrics, handler, server };
}
