import type { TestCluster } from '@lighthouse-ts/testenv';
import { testCluster } from '@lighthouse-ts/testenv/vitest';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createKubeClient, type KubeClient } from './client.ts';
import { KubeForbiddenError } from './errors.ts';
import {
  type Clock,
  type LeaderElection,
  type LeaderElectionOptions,
  startLeaderElection,
  systemClock,
} from './leader.ts';
import { Lease, leaseType, microTime } from './lease.ts';
import type { ResourceClient } from './resource.ts';

/** What happened, in order, across every candidate of a test; tests await entries instead of timers. */
class Timeline {
  readonly entries: string[] = [];
  readonly #waiters: { done: (entries: string[]) => boolean; resolve: () => void }[] = [];

  record(entry: string): void {
    this.entries.push(entry);
    for (const waiter of [...this.#waiters]) {
      if (waiter.done(this.entries)) {
        this.#waiters.splice(this.#waiters.indexOf(waiter), 1);
        waiter.resolve();
      }
    }
  }

  count(entry: string): number {
    return this.entries.filter((e) => e === entry).length;
  }

  /** Resolves once the entries satisfy `done`. */
  until(done: (entries: string[]) => boolean): Promise<void> {
    if (done(this.entries)) return Promise.resolve();
    return new Promise((resolve) => this.#waiters.push({ done, resolve }));
  }

  /** Resolves once `entry` has been recorded `times` times. */
  reached(entry: string, times = 1): Promise<void> {
    return this.until(() => this.count(entry) >= times);
  }
}

/** Resolves when `signal` aborts (at once if it has). */
const abortOf = (signal: AbortSignal) =>
  new Promise<void>((resolve) => {
    if (signal.aborted) resolve();
    else signal.addEventListener('abort', () => resolve(), { once: true });
  });

/** A clock that stands still: a lease can then only be taken when it is free, never because it expired. */
const frozenClock = (): Clock => {
  const at = Date.now();
  return { now: () => at, sleep: systemClock.sleep };
};

/** A clock that moves only when the candidate sleeps, by exactly what it sleeps; `onSleep` sees each step. */
function virtualClock(onSleep: (now: number) => Promise<void> = async () => {}) {
  let now = Date.UTC(2030, 0, 1);
  const clock: Clock = {
    now: () => now,
    sleep: async (ms, signal) => {
      if (signal.aborted) return;
      now += ms;
      await onSleep(now);
      await new Promise((resolve) => setImmediate(resolve));
    },
  };
  return clock;
}

describe('leader election over a Lease on a real API server', () => {
  let cluster: TestCluster;
  let kube: KubeClient;
  let leases: ResourceClient<Lease>;
  let namespace: string;
  const running: LeaderElection[] = [];
  let leaseCount = 0;
  let leaseName: string;

  beforeAll(async () => {
    cluster = await testCluster();
    kube = createKubeClient({ config: { kubeconfig: cluster.kubeconfigPath } });
    leases = kube.resource(leaseType, Lease);
    namespace = await cluster.createNamespace('leader');
  });
  afterEach(async () => {
    await Promise.all(running.splice(0).map((election) => election.stop()));
    leaseName = '';
  });
  afterAll(() => kube?.close());

  /**
   * Starts candidate `identity` for this test's lease. Its `lead` records `<identity> leads` (unless
   * another candidate of the test thinks it leads too), waits for its signal and records `<identity>
   * steps down`, with the signal's reason in `reasons`.
   */
  function candidate(
    timeline: Timeline,
    identity: string,
    options: Partial<LeaderElectionOptions> = {},
    windDown: () => Promise<void> = async () => {},
  ) {
    leaseName ||= `lease-${++leaseCount}`;
    const reasons: unknown[] = [];
    const election: LeaderElection = startLeaderElection(
      { kube, namespace, name: leaseName, identity, retryPeriodMs: 100, ...options },
      async (signal) => {
        const othersLeading = running.filter((other) => other !== election && other.isLeader()).length;
        timeline.record(othersLeading ? `${identity} leads beside another leader` : `${identity} leads`);
        await abortOf(signal);
        reasons.push(signal.reason);
        timeline.record(`${identity} steps down`);
        await windDown();
      },
    );
    running.push(election);
    return { election, reasons };
  }

  /** The lease once it satisfies `predicate`: read, then watched from that read, so no change is missed. */
  async function leaseWhen(predicate: (lease: Lease) => boolean): Promise<Lease> {
    const fieldSelector = `metadata.name=${leaseName}`;
    const { items, resourceVersion } = await leases.list(namespace, { fieldSelector });
    if (items[0] && predicate(items[0])) return items[0];
    const abort = new AbortController();
    try {
      for await (const event of leases.watch(namespace, {
        fieldSelector,
        resourceVersion,
        signal: abort.signal,
      })) {
        if (event.type !== 'BOOKMARK' && event.type !== 'DELETED' && predicate(event.object))
          return event.object;
      }
    } finally {
      abort.abort();
    }
    throw new Error('the watch ended before the lease got there');
  }

  it('acquires an absent lease, renews it, and releases it on stop', async () => {
    const timeline = new Timeline();
    const { election } = candidate(timeline, 'a');
    await timeline.reached('a leads');
    expect(election.isLeader()).toBe(true);

    const acquired = await leases.get(namespace, leaseName);
    expect(acquired.spec).toMatchObject({
      holderIdentity: 'a',
      leaseDurationSeconds: 15,
      leaseTransitions: 0,
    });
    expect(acquired.spec?.renewTime).toBe(acquired.spec?.acquireTime);
    expect(acquired.spec?.renewTime).toMatch(/\.\d{6}Z$/);

    const renewed = await leaseWhen((lease) => lease.spec?.renewTime !== acquired.spec?.renewTime);
    expect(renewed.spec).toMatchObject({
      holderIdentity: 'a',
      acquireTime: acquired.spec?.acquireTime,
      leaseTransitions: 0,
    });

    await election.stop();
    expect(election.isLeader()).toBe(false);
    expect(timeline.entries).toEqual(['a leads', 'a steps down']);
    const released = await leases.get(namespace, leaseName);
    expect(released.spec).toMatchObject({ holderIdentity: '', leaseDurationSeconds: 1, leaseTransitions: 0 });
  });

  it('of three candidates, one leads at a time, and each stop hands over at once without waiting for expiry', async () => {
    // Frozen clocks: no candidate ever sees the lease expire, so it changes hands only by release.
    const timeline = new Timeline();
    const sightings = new Timeline();
    const candidates = new Map(
      ['a', 'b', 'c'].map((identity) => {
        const started = candidate(timeline, identity, {
          clock: frozenClock(),
          onNewLeader: (holder) => sightings.record(`${identity} sees ${holder}`),
        });
        return [identity, started] as const;
      }),
    );
    const leaderOf = (entries: string[]) => {
      const last = entries.at(-1) ?? '';
      return last.endsWith(' leads') ? last.split(' ')[0] : undefined;
    };

    for (let handovers = 0; handovers < 3; handovers++) {
      await timeline.until((entries) => leaderOf(entries) !== undefined);
      const leader = leaderOf(timeline.entries) ?? '';
      const others = [...candidates.keys()].filter((id) => id !== leader);
      // The others have read the lease, seen it held, and wait.
      await Promise.all(others.map((id) => sightings.reached(`${id} sees ${leader}`)));
      expect(others.map((id) => candidates.get(id)?.election.isLeader())).toEqual(others.map(() => false));
      expect((await leases.get(namespace, leaseName)).spec?.holderIdentity).toBe(leader);
      await candidates.get(leader)?.election.stop();
      candidates.delete(leader);
    }

    const leads = timeline.entries.filter((e) => e.endsWith(' leads')).map((e) => e.split(' ')[0]);
    expect(new Set(leads).size).toBe(3);
    expect(timeline.entries).toEqual(leads.flatMap((id) => [`${id} leads`, `${id} steps down`]));
    expect((await leases.get(namespace, leaseName)).spec?.leaseTransitions).toBe(2);
  });

  it('stops leading as soon as it sees someone else wrote the lease, and leaves it to them', async () => {
    // A frozen clock never reaches the renew deadline: only seeing the other holder can end this leadership.
    const timeline = new Timeline();
    const { election, reasons } = candidate(timeline, 'a', { clock: frozenClock() });
    await timeline.reached('a leads');

    const held = await leases.get(namespace, leaseName);
    const now = microTime(Date.now());
    await leases.replace(namespace, {
      ...held,
      spec: { ...held.spec, holderIdentity: 'usurper', acquireTime: now, renewTime: now },
    });
    await timeline.reached('a steps down');
    expect(election.isLeader()).toBe(false);
    expect(String(reasons[0])).toContain(`lost the lease ${namespace}/${leaseName}: it is held by usurper`);

    await election.stop();
    expect((await leases.get(namespace, leaseName)).spec?.holderIdentity).toBe('usurper');
    expect(timeline.entries).toEqual(['a leads', 'a steps down']);
  });

  it('takes a lease whose holder died once it has gone unchanged for its duration by its own clock', async () => {
    leaseName = `lease-${++leaseCount}`;
    const longAgo = '2020-01-01T00:00:00.000000Z';
    await leases.create(namespace, {
      apiVersion: 'coordination.k8s.io/v1',
      kind: 'Lease',
      metadata: { name: leaseName },
      spec: {
        holderIdentity: 'dead',
        leaseDurationSeconds: 15,
        acquireTime: longAgo,
        renewTime: longAgo,
        leaseTransitions: 3,
      },
    });
    // The holder writes once more 10 s into the candidate's wait (by the candidate's clock): the wait
    // starts over from there, whatever renewTime says.
    let firstSeen: number | undefined;
    let lastWrite: number | undefined;
    const clock = virtualClock(async (now) => {
      if (firstSeen === undefined || lastWrite !== undefined || now < firstSeen + 10_000) return;
      const lease = await leases.get(namespace, leaseName);
      await leases.replace(namespace, { ...lease, spec: { ...lease.spec, renewTime: microTime(now) } });
      lastWrite = now;
    });
    const timeline = new Timeline();
    let ledAt: number | undefined;
    candidate(timeline, 'c', {
      clock,
      retryPeriodMs: 2_000,
      onNewLeader: (holder) => {
        if (holder === 'dead') firstSeen = clock.now();
        if (holder === 'c') ledAt = clock.now();
      },
    });
    await timeline.reached('c leads');

    expect(lastWrite).toBe((firstSeen ?? 0) + 10_000);
    const waited = (ledAt ?? 0) - (lastWrite ?? 0);
    expect(waited).toBeGreaterThanOrEqual(15_000);
    expect(waited).toBeLessThanOrEqual(15_000 + 2_000);
    const taken = await leases.get(namespace, leaseName);
    expect(taken.spec).toMatchObject({
      holderIdentity: 'c',
      leaseDurationSeconds: 15,
      leaseTransitions: 4,
      acquireTime: microTime(ledAt ?? 0),
    });
  });

  it('renews until `lead` has returned after stop, and releases only then', async () => {
    const timeline = new Timeline();
    const windDown = Promise.withResolvers<void>();
    const { election } = candidate(timeline, 'a', {}, () => windDown.promise);
    await timeline.reached('a leads');
    const stopping = election.stop();
    await timeline.reached('a steps down');
    expect(election.isLeader()).toBe(false);

    const stillHeld = await leases.get(namespace, leaseName);
    const renewedWhileWindingDown = await leaseWhen(
      (lease) => lease.spec?.renewTime !== stillHeld.spec?.renewTime,
    );
    expect(renewedWhileWindingDown.spec?.holderIdentity).toBe('a');

    windDown.resolve();
    await stopping;
    expect((await leases.get(namespace, leaseName)).spec?.holderIdentity).toBe('');
  });

  it('steps down, releases and campaigns again when `lead` fails', async () => {
    const timeline = new Timeline();
    const errors: string[] = [];
    let runs = 0;
    leaseName = `lease-${++leaseCount}`;
    const election = startLeaderElection(
      {
        kube,
        namespace,
        name: leaseName,
        identity: 'a',
        retryPeriodMs: 100,
        logger: { info() {}, warn() {}, error: (_, message) => errors.push(message) },
      },
      async (signal) => {
        timeline.record('a leads');
        if (++runs === 1) throw new Error('the work broke');
        await abortOf(signal);
      },
    );
    running.push(election);
    await timeline.reached('a leads', 2);
    expect(errors).toEqual(['lead failed']);
    const lease = await leases.get(namespace, leaseName);
    // Released after the failure, then acquired again: a change of hands.
    expect(lease.spec).toMatchObject({ holderIdentity: 'a', leaseTransitions: 1 });
  });

  it('needs only get, create and update on leases, and stops leading when it can no longer renew', async () => {
    const user = `elector-${leaseCount}`;
    const rbac = `/apis/rbac.authorization.k8s.io/v1/namespaces/${namespace}`;
    await cluster.request('POST', `${rbac}/roles`, {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'Role',
      metadata: { name: user },
      rules: [
        { apiGroups: ['coordination.k8s.io'], resources: ['leases'], verbs: ['get', 'create', 'update'] },
      ],
    });
    await cluster.request('POST', `${rbac}/rolebindings`, {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'RoleBinding',
      metadata: { name: user },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: user },
      subjects: [{ apiGroup: 'rbac.authorization.k8s.io', kind: 'User', name: user }],
    });
    const limited = createKubeClient({ config: { kubeconfig: await cluster.userKubeconfig(user) } });
    try {
      const timeline = new Timeline();
      const retries: unknown[] = [];
      const first = candidate(timeline, 'a', { kube: limited, onRetry: (error) => retries.push(error) });
      await timeline.reached('a leads');
      const acquired = await leases.get(namespace, leaseName);
      await leaseWhen((lease) => lease.spec?.renewTime !== acquired.spec?.renewTime);
      await first.election.stop();
      expect((await leases.get(namespace, leaseName)).spec?.holderIdentity).toBe('');
      expect(retries).toEqual([]);

      // With update taken away, renewals fail; by its clock the renew deadline passes, and it steps down.
      const second = candidate(timeline, 'b', {
        kube: limited,
        clock: virtualClock(),
        retryPeriodMs: 2_000,
        onRetry: (error) => retries.push(error),
      });
      await timeline.reached('b leads');
      await cluster.request('PUT', `${rbac}/roles/${user}`, {
        apiVersion: 'rbac.authorization.k8s.io/v1',
        kind: 'Role',
        metadata: { name: user },
        rules: [{ apiGroups: ['coordination.k8s.io'], resources: ['leases'], verbs: ['get', 'create'] }],
      });
      await timeline.reached('b steps down');
      expect(String(second.reasons[0])).toContain('it was not renewed within 10000 ms');
      expect(retries.length).toBeGreaterThan(0);
      expect(retries.every((error) => error instanceof KubeForbiddenError)).toBe(true);
    } finally {
      await Promise.all(running.splice(0).map((election) => election.stop()));
      await limited.close();
    }
  });

  it('refuses settings client-go would refuse, with the reason', () => {
    const base = { kube, namespace, name: 'x', identity: 'a' };
    const lead = async () => {};
    expect(() => startLeaderElection({ ...base, identity: '' }, lead)).toThrow(
      'leader election: identity must be a non-empty string',
    );
    expect(() => startLeaderElection({ ...base, leaseDurationMs: 1_500 }, lead)).toThrow(
      'leaseDurationMs must be a whole number of seconds (the Lease keeps seconds), not 1500',
    );
    expect(() => startLeaderElection({ ...base, renewDeadlineMs: 15_000 }, lead)).toThrow(
      'renewDeadlineMs must be above 0 and below leaseDurationMs (15000), not 15000',
    );
    expect(() => startLeaderElection({ ...base, retryPeriodMs: 0 }, lead)).toThrow(
      'retryPeriodMs must be above 0 and below renewDeadlineMs (10000), not 0',
    );
  });
});
