// Test fixture: lighthouse's webhook server in a process of its own (as `lighthouse serve` will run it),
// with a dispatch that only records its calls in the log. Deliveries whose id starts with `slow-` take
// FIXTURE_SLOW_MS, or until the dispatch is aborted.
import { setTimeout as sleep } from 'node:timers/promises';
import { serveUntilSignal } from '@lighthouse-ts/http';
import { UnavailableError } from '@lighthouse-ts/metapipeline-client';
import type { Dispatch } from '@lighthouse-ts/plugins';
import { createLogger, createMetrics, createWebhookHandler } from '../src/server/index.ts';

const env = (name: string, fallback: string) => process.env[name] ?? fallback;
const logger = createLogger('debug');

const dispatch: Dispatch = async (event, { log, signal }) => {
  log.info({ type: event.type }, 'test dispatch');
  if (event.deliveryId.startsWith('slow-')) {
    try {
      await sleep(Number(env('FIXTURE_SLOW_MS', '1000')), undefined, { signal });
    } catch {
      log.warn('test dispatch aborted');
      throw new UnavailableError('aborted by shutdown');
    }
  }
  return { started: [] };
};

const handler = createWebhookHandler({
  secrets: [env('FIXTURE_SECRET', 'fixture-secret')],
  dispatch,
  logger,
  metrics: createMetrics(),
  budgetMs: Number(env('FIXTURE_BUDGET_MS', '8000')),
});
await serveUntilSignal({
  handler,
  logger,
  host: '127.0.0.1',
  port: 0,
  idName: 'traceId',
  graceMs: Number(env('FIXTURE_GRACE_MS', '10000')),
});
