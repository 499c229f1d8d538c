import { setTimeout as sleep } from 'node:timers/promises';
import type { KubeClient } from './client.ts';
import { KubeAlreadyExistsError, KubeConflictError, KubeNotFoundError } from './errors.ts';
import { Lease, leaseType, microTime } from './lease.ts';
import type { ResourceClient } from './resource.ts';

/** The part of a pino logger the leader election uses. */
export interface Logger {
  info(fields: object, message: string): void;
  warn(fields: object, message: string): void;
  error(fields: object, message: string): void;
}

/** Time as a candidate sees it. */
export interface Clock {
  /** Milliseconds since the epoch: measures how long a lease went unchanged, and is written into it. */
  now(): number;
  /** Waits `ms`, or less once `signal` aborts; never rejects. */
  sleep(ms: number, signal: AbortSignal): Promise<void>;
}

/** Wall time read once, then advanced by the monotonic clock: a step of the system clock cannot expire a lease. */
export const systemClock: Clock = {
  now: () => performance.timeOrigin + performance.now(),
  sleep: (ms, signal) => sleep(ms, undefined, { signal }).catch(() => {}),
};

export interface LeaderElectionOptions {
  kube: KubeClient;
  namespace: string;
  /** The Lease's name: every candidate for the same work uses the same one. */
  name: string;
  /** This candidate's name, different from every other candidate's (the pod's name). */
  identity: string;
  /**
   * How long a lease may go unchanged, by a candidate's own clock, before the candidate takes it from its
   * holder. Whole seconds, since the Lease keeps seconds. Default 15 s.
   */
  leaseDurationMs?: number;
  /** How long the leader tries to renew before it gives up leading. Below leaseDurationMs; default 10 s. */
  renewDeadlineMs?: number;
  /** How often a candidate tries to acquire and the leader renews. Below renewDeadlineMs; default 2 s. */
  retryPeriodMs?: number;
  logger?: Logger;
  /** A call to the API server failed (not a lost race); it is tried again after the retry period. */
  onRetry?: (error: unknown) => void;
  /** The holder this candidate sees changed; undefined when the lease is free. */
  onNewLeader?: (identity: string | undefined) => void;
  clock?: Clock;
}

export interface LeaderElection {
  /** Whether this candidate leads now: from when `lead` is called until its signal aborts. */
  isLeader(): boolean;
  /**
   * Stops campaigning. A leader's `lead` signal aborts; the lease is renewed until `lead` returns and then
   * released, so a successor takes over at once instead of after the lease duration.
   */
  stop(): Promise<void>;
}

type Settings = Required<Omit<LeaderElectionOptions, 'onRetry' | 'onNewLeader'>> &
  Pick<LeaderElectionOptions, 'onRetry' | 'onNewLeader'>;

/** What one try found: the lease is ours, or is not (held by `holder`, when known). */
type Attempt = { held: true } | { held: false; holder?: string };

const silent: Logger = { info() {}, warn() {}, error() {} };

/**
 * Campaigns for the Lease `namespace/name` with client-go's semantics, and runs `lead` each time this
 * candidate gains it. A candidate takes the lease when it is absent, free, its own, or unchanged for its
 * duration by the candidate's own clock since the candidate last saw it change (the holder's timestamps
 * are never trusted); every write is conflict-checked on resourceVersion, so of candidates racing for it
 * one wins. The leader renews every retry period; `lead`'s signal aborts when the lease is seen held by
 * another, when it cannot be renewed within the renew deadline, or on stop(). If `lead` returns or
 * throws while leading, the candidate steps down, releases the lease and campaigns again.
 *
 * It needs `get`, `create` and `update` on `leases` (group `coordination.k8s.io`) in `namespace`.
 */
export function startLeaderElection(
  options: LeaderElectionOptions,
  lead: (signal: AbortSignal) => Promise<void>,
): LeaderElection {
  const elector = new LeaderElector(settingsOf(options), lead);
  const running = elector.run();
  return {
    isLeader: () => elector.leading,
    stop: () => {
      elector.stop();
      return running;
    },
  };
}

function settingsOf(options: LeaderElectionOptions): Settings {
  for (const field of ['namespace', 'name', 'identity'] as const) {
    if (typeof options[field] !== 'string' || options[field] === '')
      throw new TypeError(`leader election: ${field} must be a non-empty string`);
  }
  const leaseDurationMs = options.leaseDurationMs ?? 15_000;
  const renewDeadlineMs = options.renewDeadlineMs ?? 10_000;
  const retryPeriodMs = options.retryPeriodMs ?? 2_000;
  if (!Number.isInteger(leaseDurationMs / 1000) || leaseDurationMs < 1000)
    throw new RangeError(
      `leader election: leaseDurationMs must be a whole number of seconds (the Lease keeps seconds), not ${leaseDurationMs}`,
    );
  if (!(renewDeadlineMs > 0 && renewDeadlineMs < leaseDurationMs))
    throw new RangeError(
      `leader election: renewDeadlineMs must be above 0 and below leaseDurationMs (${leaseDurationMs}), not ${renewDeadlineMs}`,
    );
  if (!(retryPeriodMs > 0 && retryPeriodMs < renewDeadlineMs))
    throw new RangeError(
      `leader election: retryPeriodMs must be above 0 and below renewDeadlineMs (${renewDeadlineMs}), not ${retryPeriodMs}`,
    );
  return {
    ...options,
    leaseDurationMs,
    renewDeadlineMs,
    retryPeriodMs,
    logger: options.logger ?? silent,
    clock: options.clock ?? systemClock,
  };
}

function holderOf(lease: Lease): string | undefined {
  return lease.spec?.holderIdentity || undefined;
}

class LeaderElector {
  readonly #settings: Settings;
  readonly #lead: (signal: AbortSignal) => Promise<void>;
  readonly #leases: ResourceClient<Lease>;
  readonly #stopping = new AbortController();
  readonly #fields: { lease: string; identity: string };
  #leadership: AbortController | undefined;
  /** The lease as last read or written, and when (by our clock) its spec last changed. */
  #observed: { lease: Lease; spec: string; since: number } | undefined;
  #reportedHolder: string | undefined | null = null;
  leading = false;

  constructor(settings: Settings, lead: (signal: AbortSignal) => Promise<void>) {
    this.#settings = settings;
    this.#lead = lead;
    this.#leases = settings.kube.resource(leaseType, Lease);
    this.#fields = { lease: `${settings.namespace}/${settings.name}`, identity: settings.identity };
  }

  stop(): void {
    this.#stopping.abort();
    if (this.#leadership) this.#stepDown(this.#leadership, new Error('leader election stopped'));
  }

  async run(): Promise<void> {
    const { clock, retryPeriodMs, renewDeadlineMs } = this.#settings;
    const stopping = this.#stopping.signal;
    while (!stopping.aborted) {
      // Not cut short by stop(): a write the server made after we gave up on it would hold the lease unseen.
      const attempt = await this.#tryAcquireOrRenew(AbortSignal.timeout(renewDeadlineMs));
      if (attempt.held) {
        if (!stopping.aborted) await this.#leadWhileHeld();
        await this.#release();
      }
      await clock.sleep(retryPeriodMs, stopping);
    }
  }

  async #leadWhileHeld(): Promise<void> {
    const { clock, retryPeriodMs, renewDeadlineMs, identity, logger } = this.#settings;
    const leadership = new AbortController();
    this.#leadership = leadership;
    this.leading = true;
    logger.info(this.#fields, 'started leading');
    const leadReturned = new AbortController();
    const ended = this.#runLead(leadership.signal).then(() => leadReturned.abort());
    let renewedAt = clock.now();
    let lost: string | undefined;
    // Renewing goes on after stop() until `lead` returns: the work it winds down is still guarded.
    while (!leadReturned.signal.aborted && lost === undefined) {
      await clock.sleep(retryPeriodMs, leadReturned.signal);
      if (leadReturned.signal.aborted) break;
      const remainingMs = renewedAt + renewDeadlineMs - clock.now();
      if (remainingMs > 0) {
        const attempt = await this.#tryAcquireOrRenew(AbortSignal.timeout(Math.ceil(remainingMs)));
        if (attempt.held) {
          renewedAt = clock.now();
          continue;
        }
        if (attempt.holder !== undefined && attempt.holder !== identity) {
          lost = `it is held by ${attempt.holder}`;
          continue;
        }
      }
      if (clock.now() >= renewedAt + renewDeadlineMs)
        lost = `it was not renewed within ${renewDeadlineMs} ms`;
    }
    const reason = lost === undefined ? 'lead returned' : `lost the lease ${this.#fields.lease}: ${lost}`;
    if (!leadership.signal.aborted) logger.warn({ ...this.#fields, reason }, 'stopping leading');
    this.#stepDown(leadership, new Error(reason));
    await ended;
    this.#leadership = undefined;
    logger.info(this.#fields, 'stopped leading');
  }

  #stepDown(leadership: AbortController, reason: Error): void {
    this.leading = false;
    if (!leadership.signal.aborted) leadership.abort(reason);
  }

  async #runLead(signal: AbortSignal): Promise<void> {
    try {
      await this.#lead(signal);
    } catch (error) {
      this.#settings.logger.error({ ...this.#fields, err: error }, 'lead failed');
    }
  }

  async #tryAcquireOrRenew(signal: AbortSignal): Promise<Attempt> {
    const { namespace, name, identity } = this.#settings;
    try {
      const known = this.#observed?.lease;
      // Ours by our last sight: write over that version; a conflict means someone else wrote since.
      if (known && holderOf(known) === identity) {
        try {
          return this.#wrote(await this.#leases.replace(namespace, this.#claimed(known), { signal }));
        } catch (error) {
          if (!(error instanceof KubeConflictError)) throw error;
        }
      }
      let lease: Lease;
      try {
        lease = await this.#leases.get(namespace, name, { signal });
      } catch (error) {
        if (!(error instanceof KubeNotFoundError)) throw error;
        return this.#wrote(await this.#leases.create(namespace, this.#created(), { signal }));
      }
      this.#observe(lease);
      const holder = holderOf(lease);
      if (holder !== undefined && holder !== identity && !this.#expired()) return { held: false, holder };
      return this.#wrote(await this.#leases.replace(namespace, this.#claimed(lease), { signal }));
    } catch (error) {
      // Another candidate wrote first: the next try reads who.
      if (error instanceof KubeAlreadyExistsError || error instanceof KubeConflictError)
        return { held: false };
      this.#settings.logger.warn({ ...this.#fields, err: error }, 'cannot read or write the lease');
      this.#settings.onRetry?.(error);
      return { held: false };
    }
  }

  #wrote(lease: Lease): Attempt {
    this.#observe(lease);
    return { held: true };
  }

  #observe(lease: Lease): void {
    const spec = JSON.stringify(lease.spec ?? {});
    this.#observed =
      this.#observed?.spec === spec
        ? { ...this.#observed, lease }
        : { lease, spec, since: this.#settings.clock.now() };
    const holder = holderOf(lease);
    if (holder !== this.#reportedHolder) {
      this.#reportedHolder = holder;
      this.#settings.onNewLeader?.(holder);
    }
  }

  /** Unchanged, by our clock, for as long as the lease says it lasts since we saw it change. */
  #expired(): boolean {
    const observed = this.#observed;
    if (!observed) return false;
    const seconds = observed.lease.spec?.leaseDurationSeconds ?? this.#settings.leaseDurationMs / 1000;
    return observed.since + seconds * 1000 <= this.#settings.clock.now();
  }

  #created(): Lease {
    const now = microTime(this.#settings.clock.now());
    return {
      apiVersion: 'coordination.k8s.io/v1',
      kind: 'Lease',
      metadata: { name: this.#settings.name },
      spec: {
        holderIdentity: this.#settings.identity,
        leaseDurationSeconds: this.#settings.leaseDurationMs / 1000,
        acquireTime: now,
        renewTime: now,
        leaseTransitions: 0,
      },
    };
  }

  /** `lease` renewed when it is ours, else taken over (one more transition). */
  #claimed(lease: Lease): Lease {
    const { identity, leaseDurationMs } = this.#settings;
    const now = microTime(this.#settings.clock.now());
    const spec = lease.spec ?? {};
    const renewing = holderOf(lease) === identity;
    return {
      ...lease,
      spec: {
        ...spec,
        holderIdentity: identity,
        leaseDurationSeconds: leaseDurationMs / 1000,
        acquireTime: renewing ? (spec.acquireTime ?? now) : now,
        renewTime: now,
        leaseTransitions: (spec.leaseTransitions ?? 0) + (renewing ? 0 : 1),
      },
    };
  }

  /** Gives the lease up, as client-go's ReleaseOnCancel does: no holder, and a one-second duration. */
  async #release(): Promise<void> {
    const { namespace, renewDeadlineMs, logger } = this.#settings;
    const lease = this.#observed?.lease;
    if (!lease || holderOf(lease) !== this.#settings.identity) return;
    const now = microTime(this.#settings.clock.now());
    try {
      const released = await this.#leases.replace(
        namespace,
        {
          ...lease,
          spec: {
            ...lease.spec,
            holderIdentity: '',
            leaseDurationSeconds: 1,
            acquireTime: now,
            renewTime: now,
          },
        },
        { signal: AbortSignal.timeout(renewDeadlineMs) },
      );
      this.#observe(released);
      logger.info(this.#fields, 'released the lease');
    } catch (error) {
      logger.warn({ ...this.#fields, err: error }, 'cannot release the lease; it expires by itself');
    }
  }
}
