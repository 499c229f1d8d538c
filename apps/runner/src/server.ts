import type { IncomingMessage, ServerResponse } from 'node:http';
import {
  type Answer,
  ClientGoneError,
  createLifecycle,
  type DrainingListener,
  header,
  json,
  type Lifecycle,
  methodNotAllowed,
  problemAnswer,
  type Readiness,
  readBody,
  requestIdOf,
  requireJson,
  sendAnswer,
  traceContextOf,
  trackedListener,
} from '@lighthouse-ts/http';
import {
  InvalidRequestError,
  ListFilter,
  type MetaPipelineClient,
  MetaPipelineRef,
  type MetaPipelineRequest,
  NotFoundError,
  openApiDocument,
  UnavailableError,
} from '@lighthouse-ts/metapipeline-client';
import type { Logger } from 'pino';
import type * as z from 'zod';
import { type BearerAuth, unauthorized } from './auth.ts';
import { parseJson } from './body.ts';
import type { Metrics } from './metrics.ts';
import { describeError } from './problem.ts';
import { allowedMethods, contractRoutes, createRouter, type Method, type Route } from './routes.ts';

export interface RunnerHandlerOptions {
  client: MetaPipelineClient;
  /** Undefined serves without authentication (--insecure-no-auth). */
  auth: BearerAuth | undefined;
  logger: Logger;
  metrics: Metrics;
  readiness: () => Promise<Readiness>;
  maxBodyBytes: number;
  /** /metrics and /openapi.json are served on a port of their own (createMetricsHandler), not here. */
  separateMetrics?: boolean;
}

/** The runner's request listener; `drained` waits for calls whose caller has gone too. */
export type RunnerHandler = DrainingListener;

interface Context {
  req: IncomingMessage;
  params: Record<string, string>;
  query: URLSearchParams;
  log: Logger;
  /** Aborts when the caller goes away before its answer. */
  signal: AbortSignal;
}

type Operation = (context: Context) => Promise<Answer>;

/** Routes that answer without a token: the probes. */
const probeRoutes: Route<string>[] = [
  { template: '/healthz', operations: { GET: 'healthz' } },
  { template: '/readyz', operations: { GET: 'readyz' } },
];

/** Routes that answer without a token, on the metrics port when there is one: metrics and the contract document. */
const metricsRoutes: Route<string>[] = [
  { template: '/metrics', operations: { GET: 'metrics' } },
  { template: '/openapi.json', operations: { GET: 'openapi' } },
];

/** The operations of metricsRoutes. */
function metricsOperations(metrics: Metrics): Record<string, Operation> {
  const openApi = JSON.stringify(openApiDocument());
  return {
    openapi: async () => ({ status: 200, body: openApi, contentType: 'application/json' }),
    metrics: async () => ({
      status: 200,
      body: await metrics.registry.metrics(),
      contentType: metrics.registry.contentType,
    }),
  };
}

export function createRunnerHandler(options: RunnerHandlerOptions): RunnerHandler {
  const { client, auth, logger, metrics, readiness, maxBodyBytes } = options;
  const lifecycle = createLifecycle(logger, readiness);

  const contract: Record<string, Operation> = {
    async createMetaPipeline({ req }) {
      requireJson(header(req, 'content-type'));
      // Validated once, by the client (every implementation checks what it is given; here the embedded one),
      // with the same InvalidRequestError as here: parsing it here too was the same work twice.
      const request = parseJson(await readBody(req, maxBodyBytes)) as MetaPipelineRequest;
      // Not aborted when the caller leaves: a creation half done would wait for a retry to finish it.
      const created = await client.create(request);
      metrics.created.inc();
      return json(200, created);
    },
    async listMetaPipelines({ params, query, signal }) {
      const filter: Record<string, string> = { ...params };
      for (const key of new Set(query.keys())) {
        const values = query.getAll(key);
        const wrong =
          key === 'namespace' ? 'belongs in the path' : values.length > 1 ? 'given more than once' : '';
        if (wrong)
          throw new InvalidRequestError(`invalid filter: ${key} ${wrong}`, [{ path: key, message: wrong }]);
        filter[key] = values[0] ?? '';
      }
      return json(200, { items: await client.list(validated(ListFilter, filter, 'filter'), { signal }) });
    },
    async getMetaPipeline({ params, signal }) {
      return json(200, await client.get(validated(MetaPipelineRef, params, 'reference'), { signal }));
    },
    async cancelMetaPipeline({ req, params }) {
      if (header(req, 'content-type') !== undefined) requireJson(header(req, 'content-type'));
      await readBody(req, maxBodyBytes);
      const cancelled = await client.cancel(validated(MetaPipelineRef, params, 'reference'));
      metrics.cancelled.inc();
      return json(200, cancelled);
    },
  };

  const open: Record<string, Operation> = {
    healthz: async () => json(200, { status: 'ok' }),
    async readyz() {
      const state = await lifecycle.readiness();
      if (state.ready) return json(200, { status: 'ready' });
      throw new UnavailableError(`not ready: ${state.reason}`);
    },
    ...(options.separateMetrics ? {} : metricsOperations(metrics)),
  };

  for (const route of contractRoutes()) {
    for (const name of Object.values(route.operations)) {
      if (!(name in contract)) throw new Error(`runner: no handler for the contract's operation ${name}`);
    }
  }
  return routedHandler({
    routes: [...contractRoutes(), ...probeRoutes, ...(options.separateMetrics ? [] : metricsRoutes)],
    operations: { ...contract, ...open },
    open: new Set(Object.keys(open)),
    auth,
    logger,
    metrics,
    lifecycle,
    maxBodyBytes,
  });
}

/** The listener of the metrics port: /metrics and /openapi.json, without a token. */
export function createMetricsHandler(options: { logger: Logger; metrics: Metrics }): RunnerHandler {
  const operations = metricsOperations(options.metrics);
  return routedHandler({
    routes: metricsRoutes,
    operations,
    open: new Set(Object.keys(operations)),
    auth: undefined,
    logger: options.logger.child({ port: 'metrics' }),
    metrics: options.metrics,
    lifecycle: createLifecycle(options.logger, async () => ({ ready: true })),
    maxBodyBytes: 0,
  });
}

interface RoutedHandlerOptions {
  routes: Route<string>[];
  operations: Record<string, Operation>;
  /** The operations that answer without a token (and log their requests at debug level). */
  open: ReadonlySet<string>;
  auth: BearerAuth | undefined;
  logger: Logger;
  metrics: Metrics;
  lifecycle: Lifecycle;
  maxBodyBytes: number;
}

/**
 * Routes each request to its operation, checks the token, answers errors with problem documents, and
 * logs and counts every request.
 */
function routedHandler(options: RoutedHandlerOptions): RunnerHandler {
  const { operations, auth, logger, metrics, lifecycle, maxBodyBytes } = options;
  const route = createRouter(options.routes);
  const isOpen = options.open;

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const started = process.hrtime.bigint();
    const requestId = requestIdOf(header(req, 'x-request-id'));
    const log = logger.child({ requestId, traceId: traceContextOf(header(req, 'traceparent')).traceId });
    const method = req.method ?? 'GET';
    const raw = req.url ?? '/';
    const queryAt = raw.indexOf('?');
    const path = queryAt === -1 ? raw : raw.slice(0, queryAt);
    let template = 'unmatched';
    let quiet = false;
    let failure: { kind: string; error: string } | undefined;
    const gone = new AbortController();
    res.setHeader('x-request-id', requestId);
    res.on('close', () => {
      if (!res.writableFinished) gone.abort(new ClientGoneError('the caller went away'));
      const status = res.writableFinished ? res.statusCode : 499;
      const seconds = Number(process.hrtime.bigint() - started) / 1e9;
      metrics.requests.inc({ route: template, method: metricMethod(method), code: status });
      metrics.requestDuration.observe({ route: template }, seconds);
      // One line per request; a failure adds its kind and message.
      const line = {
        method,
        path,
        route: template,
        status,
        durationMs: Math.round(seconds * 1000),
        ...failure,
      };
      if (quiet) log.debug(line, 'request');
      else if (status >= 500) log.warn(line, 'request');
      else log.info(line, 'request');
    });
    log.debug({ method, path }, 'request received');

    try {
      const match = route(path);
      if (!match) throw new NotFoundError(`no route for ${method} ${path}`);
      template = match.route.template;
      const name = match.route.operations[(method === 'HEAD' ? 'GET' : method) as Method];
      if (!name) throw methodNotAllowed(method, allowedMethods(match.route));
      const operation = operations[name];
      if (!operation) throw new Error(`runner: no handler for ${name}`);
      quiet = isOpen.has(name);
      if (!isOpen.has(name) && auth) {
        const result = auth.check(header(req, 'authorization'));
        if (result !== 'ok') throw unauthorized(result);
      }
      const query = new URLSearchParams(queryAt === -1 ? '' : raw.slice(queryAt + 1));
      const answer = await operation({ req, params: match.params, query, log, signal: gone.signal });
      send(req, res, answer);
    } catch (error) {
      metrics.countKubeError(error);
      // Nobody is left to answer; the request's line says 499.
      if (gone.signal.aborted || error instanceof ClientGoneError) return;
      const { problem, headers, unexpected } = describeError(error, requestId);
      if (unexpected) log.error({ err: error }, 'unexpected error');
      failure = { kind: problem.title, error: problem.detail ?? '' };
      if (res.headersSent) {
        res.destroy();
        return;
      }
      send(req, res, problemAnswer(problem, headers));
    }
  }

  function send(req: IncomingMessage, res: ServerResponse, answer: Answer): void {
    sendAnswer(req, res, answer, { closing: lifecycle.shuttingDown, maxBodyBytes });
  }

  const handler: RunnerHandler = Object.assign(trackedListener(lifecycle, logger, handle), {
    shutdown: lifecycle.shutdown,
    drained: lifecycle.drained,
  });
  return handler;
}

function validated<S extends z.ZodType>(schema: S, input: unknown, what: string): z.output<S> {
  const result = schema.safeParse(input);
  if (!result.success) throw InvalidRequestError.fromZod(result.error, what);
  return result.data;
}

const knownMethods = new Set(['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS']);

/** Bounded label values: an arbitrary method name must not make a new time series. */
function metricMethod(method: string): string {
  return knownMethods.has(method) ? method : 'other';
}
