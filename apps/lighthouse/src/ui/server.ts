import type { IncomingMessage, ServerResponse } from 'node:http';
import {
  type Answer,
  createLifecycle,
  methodNotAllowed,
  sendAnswer,
  trackedListener,
} from '@lighthouse-ts/http';
import { type MetaPipelineClient, NotFoundError, type Phase } from '@lighthouse-ts/metapipeline-client';
import type { EnabledPlugin } from '@lighthouse-ts/plugins';
import type { Logger } from 'pino';
import { liveScript, styleSheet } from './assets.ts';
import type { Html } from './html.ts';
import { logUrlOf } from './log-url.ts';
import {
  deliveriesPage,
  deliveryPage,
  jobPage,
  jobStates,
  jobsPage,
  layout,
  messagePage,
  type Section,
} from './pages.ts';
import type { RecentDeliveries } from './recent.ts';

export interface UiOptions {
  deliveries: RecentDeliveries;
  /** Where the jobs are read: the meta-pipeline client, so remote mode needs no Kubernetes access. */
  client: MetaPipelineClient;
  namespace: string;
  /** A job's logs, e.g. a Tekton dashboard: `{namespace}`, `{job}`, `{pipelineRun}`, `{build}`, `{owner}`, `{repo}`. */
  logUrl?: string;
  logger: Logger;
  /** How often the jobs are read while a page is open live; default 2 s. */
  jobsPollMs?: number;
  /** Live pages open at once; default 100 (more get 503 and fall back to reloading). */
  maxLiveClients?: number;
  /** The plugins enabled for a repository (`owner/name`), for `/plugins.json?repo=`. */
  plugins?: (owner: string, name: string) => EnabledPlugin[];
}

export type UiHandler = ((req: IncomingMessage, res: ServerResponse) => void) & {
  shutdown(): void;
  drained(): Promise<void>;
};

/** Most jobs one page shows. */
const jobsShown = 200;
/** Bytes a live page may leave unread before it is dropped. */
const maxUnsentBytes = 64 * 1024;
/** A job's name: a DNS label, no dots (so never a `..` path segment). */
const jobName = /^[a-z0-9]([-a-z0-9]{0,251}[a-z0-9])?$/;

const securityHeaders = {
  'content-security-policy':
    "default-src 'none'; style-src 'self'; script-src 'self'; connect-src 'self'; img-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'",
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
};

/**
 * The read-only web page of deliveries and jobs, on its own port: server-rendered HTML that works
 * without JavaScript, made live by a small script listening to `/events` (server-sent events).
 */
export function createUiHandler(options: UiOptions): UiHandler {
  const { deliveries, client, namespace, logger } = options;
  const jobsPollMs = options.jobsPollMs ?? 2000;
  const maxLiveClients = options.maxLiveClients ?? 100;
  const lifecycle = createLifecycle(logger);
  // Each live page's response, and the topic it listens for.
  const live = new Map<ServerResponse, Section>();
  let heartbeat: NodeJS.Timeout | undefined;
  let pollTimer: NodeJS.Timeout | undefined;
  const stopping = new AbortController();

  function page(title: string, section: Section, body: Html, liveTopic?: Section, status = 200): Answer {
    return {
      status,
      body: layout({ title, section, body, ...(liveTopic ? { live: liveTopic } : {}) }),
      contentType: 'text/html; charset=utf-8',
      headers: securityHeaders,
    };
  }

  async function route(path: string, search: URLSearchParams): Promise<Answer> {
    if (path === '/')
      return { status: 302, body: '', contentType: 'text/plain', headers: { location: '/deliveries' } };
    if (path === '/assets/ui.css') return asset(styleSheet, 'text/css; charset=utf-8');
    if (path === '/assets/live.js') return asset(liveScript, 'text/javascript; charset=utf-8');
    if (path === '/deliveries') {
      const body = deliveriesPage(deliveries.list(), deliveries.refused(), deliveries);
      return page('Deliveries', 'deliveries', body, 'deliveries');
    }
    const delivery = /^\/deliveries\/(\d{1,15})$/.exec(path);
    if (delivery) {
      const story = deliveries.get(Number(delivery[1]));
      if (!story)
        return notFound(
          'deliveries',
          'This delivery is not in this replica’s list (another replica’s, or gone from the ring).',
        );
      return page(
        `Delivery ${story.deliveryId ?? story.seq}`,
        'deliveries',
        deliveryPage(story),
        'deliveries',
      );
    }
    if (path === '/jobs') return jobsAnswer(search);
    if (path === '/plugins.json' && options.plugins)
      return pluginsAnswer(options.plugins, search.get('repo'));
    const [, jobs, jobNamespace, name] = path.split('/');
    if (jobs === 'jobs' && name !== undefined && path.split('/').length === 4) {
      // Only the jobs' namespace: the page reads no other, whatever the address asks.
      if (jobNamespace !== namespace || !jobName.test(name)) return notFound('jobs', 'No such job.');
      return jobAnswer(name);
    }
    return notFound('deliveries', `No page at ${path}.`);
  }

  async function jobsAnswer(search: URLSearchParams): Promise<Answer> {
    const repo = search.get('repo')?.trim() || undefined;
    const stateParam = search.get('state') || undefined;
    const state = jobStates.includes(stateParam as Phase) ? (stateParam as Phase) : undefined;
    const [owner, name] = repo?.split('/') ?? [];
    const filter = { namespace, ...(owner ? { owner } : {}), ...(name ? { repo: name } : {}) };
    return readJobs('Jobs', async () => {
      const all = await client.list(filter, { signal: stopping.signal });
      const shown = all.filter((job) => !state || job.phase === state).slice(0, jobsShown);
      const body = jobsPage(
        shown,
        { ...(repo ? { repo } : {}), ...(state ? { state } : {}) },
        {
          namespace,
          shown: jobsShown,
          now: new Date(),
        },
      );
      return page('Jobs', 'jobs', body, 'jobs');
    });
  }

  async function jobAnswer(name: string): Promise<Answer> {
    return readJobs('Job', async () => {
      const job = await client.get({ namespace, name }, { signal: stopping.signal });
      const logUrl = options.logUrl ? logUrlOf(options.logUrl, job) : undefined;
      const body = jobPage(job, { now: new Date(), ...(logUrl ? { logUrl } : {}) });
      return page(`${job.jobName} #${job.buildNumber}`, 'jobs', body, 'jobs');
    });
  }

  async function readJobs(title: string, read: () => Promise<Answer>): Promise<Answer> {
    try {
      return await read();
    } catch (error) {
      if (error instanceof NotFoundError) return notFound('jobs', 'No such job.');
      logger.warn({ err: error }, 'the web page cannot read the jobs');
      const why = error instanceof Error ? error.message : String(error);
      return page(title, 'jobs', messagePage('Jobs cannot be read now', why), undefined, 503);
    }
  }

  /** The plugins a repository has, and their commands, as JSON (as `lighthouse plugins --json` prints). */
  function pluginsAnswer(plugins: NonNullable<UiOptions['plugins']>, repo: string | null): Answer {
    const slash = repo?.lastIndexOf('/') ?? -1;
    if (!repo || slash <= 0 || slash === repo.length - 1) {
      const body = JSON.stringify({ error: 'repo must be org/repo, e.g. /plugins.json?repo=org/repo' });
      return { status: 400, body, contentType: 'application/json', headers: securityHeaders };
    }
    const body = JSON.stringify({ repo, plugins: plugins(repo.slice(0, slash), repo.slice(slash + 1)) });
    return { status: 200, body, contentType: 'application/json', headers: securityHeaders };
  }

  function notFound(section: Section, message: string): Answer {
    return page('Not found', section, messagePage('Not found', message), undefined, 404);
  }

  function asset(body: string, contentType: string): Answer {
    return { status: 200, body, contentType, headers: securityHeaders };
  }

  /**
   * `/events?topic=deliveries|jobs`: an event of that name when the deliveries change (at most one a
   * second), or when a poll of the jobs (only while someone listens for them) sees them change; a comment
   * line every 25 s keeps the stream open through proxies. A listener that does not read is dropped.
   */
  function openEvents(req: IncomingMessage, res: ServerResponse, topic: string | null): void {
    if (topic !== 'deliveries' && topic !== 'jobs') {
      sendAnswer(
        req,
        res,
        page(
          'Bad request',
          'deliveries',
          messagePage('Bad request', 'topic must be deliveries or jobs'),
          undefined,
          400,
        ),
      );
      return;
    }
    if (live.size >= maxLiveClients || lifecycle.shuttingDown) {
      res.writeHead(503, { 'content-type': 'text/plain', 'retry-after': '30' }).end('too many live pages');
      return;
    }
    res.writeHead(200, {
      'content-type': 'text/event-stream',
      'cache-control': 'no-store',
      'x-accel-buffering': 'no',
    });
    if (req.method === 'HEAD') {
      res.end();
      return;
    }
    res.on('error', () => live.delete(res));
    res.on('close', () => live.delete(res));
    live.set(res, topic);
    write(res, 'retry: 5000\n\n');
    heartbeat ??= setInterval(() => {
      for (const listener of live.keys()) write(listener, ': still here\n\n');
    }, 25_000);
    if (topic === 'jobs') pollJobs();
  }

  function write(res: ServerResponse, text: string): void {
    if (res.writableEnded || res.destroyed) return;
    if (res.writableLength > maxUnsentBytes) {
      live.delete(res);
      res.destroy();
      return;
    }
    res.write(text);
  }

  function broadcast(topic: Section): void {
    for (const [res, wanted] of live) if (wanted === topic) write(res, `event: ${topic}\ndata: \n\n`);
  }

  // A burst of changes (one delivery tells several; a stranger may send many) makes one event a second.
  let deliveriesTimer: NodeJS.Timeout | undefined;
  let deliveriesSentAt = 0;
  deliveries.subscribe(() => {
    if (deliveriesTimer || live.size === 0) return;
    const waitMs = Math.max(0, deliveriesSentAt + 1000 - Date.now());
    deliveriesTimer = setTimeout(() => {
      deliveriesTimer = undefined;
      deliveriesSentAt = Date.now();
      broadcast('deliveries');
    }, waitMs);
  });

  let polling = false;
  let lastJobs: string | undefined;
  /** Reads the jobs, then again `jobsPollMs` after each read ends, while someone listens for them. */
  function pollJobs(): void {
    if (polling) return;
    polling = true;
    const poll = async () => {
      if (![...live.values()].includes('jobs') || stopping.signal.aborted) {
        polling = false;
        lastJobs = undefined;
        return;
      }
      try {
        const jobs = await client.list({ namespace }, { signal: stopping.signal });
        const seen = JSON.stringify(jobs.map((j) => [j.ref.name, j.phase, j.description, j.stages?.length]));
        if (lastJobs !== undefined && seen !== lastJobs) broadcast('jobs');
        lastJobs = seen;
      } catch (error) {
        logger.debug({ err: error }, 'the web page cannot poll the jobs');
      }
      pollTimer = setTimeout(poll, jobsPollMs);
    };
    void poll();
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const method = req.method ?? 'GET';
    if (method !== 'GET' && method !== 'HEAD') {
      sendAnswer(req, res, methodNotAllowed(method, ['GET', 'HEAD']).toAnswer());
      return;
    }
    let url: URL;
    try {
      url = new URL(req.url ?? '/', 'http://ui');
    } catch {
      const body = messagePage('Bad request', 'The address cannot be read.');
      sendAnswer(req, res, page('Bad request', 'deliveries', body, undefined, 400));
      return;
    }
    if (url.pathname === '/events') return openEvents(req, res, url.searchParams.get('topic'));
    sendAnswer(req, res, await route(url.pathname, url.searchParams), { closing: lifecycle.shuttingDown });
  }

  const internalError = (req: IncomingMessage, res: ServerResponse) =>
    sendAnswer(
      req,
      res,
      page('Error', 'deliveries', messagePage('Error', 'See lighthouse’s log.'), undefined, 500),
    );
  return Object.assign(trackedListener(lifecycle, logger, handle, internalError), {
    shutdown() {
      lifecycle.shutdown();
      stopping.abort(new Error('shutting down'));
      clearTimeout(pollTimer);
      clearTimeout(deliveriesTimer);
      clearInterval(heartbeat);
      for (const res of live.keys()) res.end();
      live.clear();
    },
    drained: lifecycle.drained,
  });
}
