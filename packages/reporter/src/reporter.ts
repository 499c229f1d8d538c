import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import { labels, lighthouseJobType } from '@lighthouse-ts/crds';
import {
  createKubeClient,
  Informer,
  type KubeClient,
  type KubeClientOptions,
  KubeConflictError,
  KubeNotFoundError,
  startLeaderElection,
  WorkQueue,
} from '@lighthouse-ts/kube';
import {
  ProviderError,
  ProviderUnavailableError,
  type ProviderWrites,
  type ReportState,
} from '@lighthouse-ts/scm';
import { ProviderGate } from './gate.ts';
import {
  isFinalReport,
  ReportedJob,
  rank,
  type StatusReport,
  statusReport,
  type TargetUrl,
} from './report.ts';
import {
  failedJobs,
  pullRequestKey,
  type SummaryOutcome,
  summaryPullRequest,
  updateSummary,
} from './summary.ts';

/** The part of a pino logger the reporter uses. */
export interface Logger {
  info(fields: object, message: string): void;
  warn(fields: object, message: string): void;
  error(fields: object, message: string): void;
}

/** One write to a provider, or one that could not be made; for metrics. */
export type ReportEvent =
  | { kind: 'status'; provider: string; job: string; state: string; outcome: WriteOutcome }
  | {
      kind: 'comment';
      provider: string;
      pull: string;
      outcome: Exclude<WriteOutcome, 'written'> | SummaryOutcome;
    };

/** Written; not written, and dropped or tried again later; or waiting for a provider that cannot take writes now. */
export type WriteOutcome = 'written' | 'failed' | 'waiting';

export interface ReporterOptions {
  /** How to reach Kubernetes: the reporter makes a connection of its own, closed by stop(). */
  kube: KubeClientOptions;
  /** The namespace whose jobs are reported. */
  namespace: string;
  /** The client of each provider jobs report to, by the job's provider label (`github`, `gitlab`, ...). */
  providers: Readonly<Record<string, ProviderWrites>>;
  /** Jobs without a provider label (made by Go Lighthouse) report to this one. */
  defaultProvider?: string;
  /** Each status's link; none when unset. */
  targetUrl?: TargetUrl;
  /** This replica's name in the leader election: one replica reports at a time. Default the host's name (the pod's) and a random suffix. */
  identity?: string;
  /** The Lease the replicas elect a reporter by. Default `lighthouse-reporter`. */
  leaseName?: string;
  logger?: Logger;
  onReport?: (event: ReportEvent) => void;
  /** Jobs reported at once. Default 4. */
  concurrency?: number;
  /** How long a provider that refused our credentials (401, 403) is left alone before one job tries again. Default 60 s. */
  refusedPauseMs?: number;
}

export interface Reporter {
  /** Whether this replica is the one reporting now. */
  isLeader(): boolean;
  /** Stops reporting: the writes in flight finish and are recorded, then the lease is released. */
  stop(): Promise<void>;
}

const silent: Logger = { info() {}, warn() {}, error() {} };

/**
 * Reports every LighthouseJob in `namespace` to its Git provider: a commit status on each state change
 * (see statusReport), and when a pull request's job ends, its summary comment (see updateSummary).
 *
 * Exactly once: of the replicas running a reporter, the one holding the Lease reports; each status is
 * written to the provider first and then recorded on the job (`status.lastReportState`, with the
 * resourceVersion it was read at), and a job whose record says a state was reported does not report it
 * again. A reporter stopped in an orderly way finishes and records what it was writing before it lets go
 * of the Lease. Only a process killed between a provider's answer and the record's write posts that
 * status once more after it (a repeated status changes nothing on the provider); the comment is rewritten
 * only when its text would change, so it is never doubled.
 *
 * Never stale: jobs are queued by name and read from the cache when their turn comes, so a state that
 * changed while its job waited is reported in place of the older one, which never is.
 */
export function startReporter(options: ReporterOptions): Reporter {
  const { namespace, identity = `${hostname()}-${randomUUID().slice(0, 8)}`, logger = silent } = options;
  const kube = createKubeClient({ fieldManager: 'lighthouse-reporter', ...options.kube });
  const election = startLeaderElection(
    { kube, namespace, name: options.leaseName ?? 'lighthouse-reporter', identity, logger },
    (signal) => reportWhileLeading(kube, options, signal),
  );
  let stopped: Promise<void> | undefined;
  return {
    isLeader: () => election.isLeader(),
    stop: () => {
      stopped ??= election.stop().then(() => kube.close());
      return stopped;
    },
  };
}

async function reportWhileLeading(
  kube: KubeClient,
  options: ReporterOptions,
  signal: AbortSignal,
): Promise<void> {
  const { namespace, logger = silent, onReport, targetUrl = () => undefined } = options;
  const jobs = kube.resource(lighthouseJobType, ReportedJob);
  const informer = new Informer(jobs, { namespace, labelSelector: `${labels.createdByLighthouse}=true` });
  informer.on('retry', (error, delayMs) =>
    logger.warn({ err: error, delayMs }, 'watch failed; trying again'),
  );
  const concurrency = options.concurrency ?? 4;
  const refusedPauseMs = options.refusedPauseMs ?? 60_000;
  const unavailablePauseMs = 5_000;

  const providerOf = (name: string | undefined) => {
    const provider = name ?? options.defaultProvider;
    const api = provider === undefined ? undefined : options.providers[provider];
    return api && provider ? { provider, api } : undefined;
  };

  /**
   * A queue of keys written to providers, with a gate of its own: see write().
   */
  const gatedQueue = (work: (key: string) => Promise<void>, queueConcurrency: number) => {
    const gate = new ProviderGate();
    const queue: WorkQueue = new WorkQueue(
      async (key) => {
        try {
          await work(key);
        } finally {
          // A probe that found nothing to write (its job gone, or already reported) opens the gate.
          for (const parked of gate.settle(key)) queue.add(parked);
        }
      },
      { concurrency: queueConcurrency },
    );
    return { gate, queue };
  };

  /**
   * Makes one write to `provider` unless it is closed (then `key` waits for it).
   * A provider that cannot take writes now (rate limited past the client's budget, down, refusing our
   * token) closes, and `key` comes back when it opens. A write it refused for good (a commit it does
   * not know, a status limit reached, a repository the token may not write to) is logged and dropped;
   * anything else is thrown for the queue to retry.
   */
  const write = async (
    { gate, queue }: ReturnType<typeof gatedQueue>,
    provider: string,
    key: string,
    fields: object,
    writeIt: () => Promise<void>,
  ): Promise<WriteOutcome> => {
    if (gate.park(provider, key)) return 'waiting';
    try {
      await writeIt();
      for (const parked of gate.open(provider)) queue.add(parked);
      return 'written';
    } catch (error) {
      // A 401 is the token, for every repository; a 403 may be one repository's (archived, no access).
      const refused = error instanceof ProviderError && error.status === 401;
      const pauseMs =
        error instanceof ProviderUnavailableError
          ? (error.retryAfterMs ?? unavailablePauseMs)
          : refused
            ? refusedPauseMs
            : undefined;
      logger.error({ err: error, provider, ...fields, pauseMs }, 'cannot write to the provider');
      if (pauseMs !== undefined) {
        gate.close(provider, key, pauseMs, (probe) => queue.add(probe));
        return 'failed';
      }
      for (const parked of gate.open(provider)) queue.add(parked);
      if (error instanceof ProviderError) return 'failed';
      throw error;
    }
  };

  // What this leader wrote to each job's provider, and whether the job records it yet. The cache lags
  // behind the record's own write: this is what keeps a job's next event from posting the state again, or
  // an older one (pending after running) from a cache that has not caught up.
  const sent = new Map<string, { state: ReportState; recorded: boolean }>();
  /** A job that reported a final state has its pull request's summary brought up to date. */
  const summarise = (job: ReportedJob, state: ReportState) => {
    const pr = summaryPullRequest(job);
    if (pr && isFinalReport(state)) summaries.queue.add(pullRequestKey(pr));
  };
  const statuses = gatedQueue(async (name) => {
    const job = informer.get(namespace, name);
    const report = job && statusReport(job, targetUrl);
    if (!job || !report) return;
    const { status } = report;
    const already = sent.get(name);
    if (already && rank(status.state) <= rank(already.state)) {
      if (already.recorded) return;
      await record(name, already.state, report);
      already.recorded = true;
      summarise(job, already.state);
      return;
    }
    const target = providerOf(report.provider);
    if (!target) {
      logger.warn(
        { job: name, provider: report.provider },
        'no credentials for the job’s provider; not reported',
      );
      return;
    }
    const { provider, api } = target;
    const { owner, repo, sha } = report;
    const fields = { job: name, state: status.state };
    const outcome = await write(statuses, provider, name, fields, () =>
      api.createStatus(owner, repo, sha, status),
    );
    onReport?.({ kind: 'status', provider, job: name, state: status.state, outcome });
    if (outcome !== 'written') return;
    const posted = { state: status.state, recorded: false };
    sent.set(name, posted);
    await record(name, status.state, report);
    posted.recorded = true;
    summarise(job, status.state);
  }, concurrency);

  const summaries = gatedQueue(async (key) => {
    const ofPull = informer.list().filter((job) => {
      const pr = summaryPullRequest(job);
      return pr !== undefined && pullRequestKey(pr) === key;
    });
    const pr = ofPull[0] && summaryPullRequest(ofPull[0]);
    const target = pr && providerOf(pr.provider);
    if (!pr || !target) return;
    const { provider, api } = target;
    let summary: SummaryOutcome = 'unchanged';
    const outcome = await write(summaries, provider, key, { pull: key }, async () => {
      summary = await updateSummary(api, pr, failedJobs(ofPull, targetUrl), await api.whoAmI());
    });
    onReport?.({
      kind: 'comment',
      provider,
      pull: key,
      outcome: outcome === 'written' ? summary : outcome,
    });
  }, 1);

  /** Records on the job that `state` was reported, unless it or a later state is recorded already. */
  const record = async (name: string, state: ReportState, report: StatusReport) => {
    let job = informer.get(namespace, name);
    for (let conflicts = 0; job && rank(job.status?.lastReportState) < rank(state); conflicts++) {
      try {
        await jobs.patchStatus(namespace, name, {
          metadata: { resourceVersion: job.metadata.resourceVersion },
          status: { lastReportState: state, reportURL: report.status.targetUrl ?? null },
        });
        return;
      } catch (error) {
        if (error instanceof KubeNotFoundError) return;
        if (!(error instanceof KubeConflictError) || conflicts >= 10) throw error;
        job = await jobs.get(namespace, name);
      }
    }
  };

  informer.on('add', (job) => statuses.queue.add(job.metadata.name));
  informer.on('update', (job) => statuses.queue.add(job.metadata.name));
  informer.on('delete', (job) => sent.delete(job.metadata.name));
  try {
    await informer.start(signal);
    // A summary the last leader may not have written (it stopped first): those of the pull requests
    // whose jobs ended in the last hour. Each is rewritten only if its text would change.
    const recently = Date.now() - 60 * 60_000;
    for (const job of informer.list()) {
      const ended = Date.parse(job.status?.completionTime ?? '');
      const last = job.status?.lastReportState;
      if (last && ended > recently) summarise(job, last as ReportState);
    }
    statuses.queue.start();
    summaries.queue.start();
    logger.info({ namespace, jobs: informer.list().length }, 'reporting');
    await new Promise((resolve) => signal.addEventListener('abort', resolve, { once: true }));
  } finally {
    // The statuses first: the last of them may queue their summaries.
    await statuses.queue.stop();
    await summaries.queue.stop();
    statuses.gate.clear();
    summaries.gate.clear();
    await informer.stop();
  }
}
