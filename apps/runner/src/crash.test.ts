import { createKubeClient } from '@lighthouse-ts/kube';
import {
  createRemoteClient,
  type MetaPipeline,
  MetaPipelineError,
  type MetaPipelineRequest,
} from '@lighthouse-ts/metapipeline-client';
import { pullRequestRequest } from '@lighthouse-ts/metapipeline-client/testing';
import { testCluster } from '@lighthouse-ts/testenv/vitest';
import { afterAll, describe, expect, it } from 'vitest';
import { killRunners, type ServingRunner, startRunner } from '../test/runner-process.ts';

const idempotencyKeyAnnotation = 'lighthouse-ts.dev/idempotency-key';
const total = 200;
const concurrency = 20;
const killAfter = 60;

type Outcome = { ok: true; pipeline: MetaPipeline } | { ok: false; error: unknown };

describe('crash safety', () => {
  afterAll(killRunners);

  it(`${total} creates through a runner SIGKILLed mid-way: each success exists once, each failure is typed, retries finish the rest`, {
    timeout: 300_000,
  }, async () => {
    const cluster = await testCluster();
    const kubeconfig = cluster.kubeconfigPath;
    const namespace = await cluster.createNamespace('crash');
    let runner: ServingRunner = await startRunner({ kubeconfig, namespace });
    const { port, token } = runner;
    const client = createRemoteClient({ url: runner.url, token });
    // Five pull requests, so that build numbers are contended per branch too.
    const requests: MetaPipelineRequest[] = Array.from({ length: total }, (_, i) =>
      pullRequestRequest(namespace, { idempotencyKey: `burst-${i}/unit`, number: 3000 + (i % 5) }),
    );

    const outcomes = new Map<number, Outcome>();
    let next = 0;
    let inFlight = 0;
    let restarted: Promise<void> | undefined;
    let atKill: { done: number; inFlight: number } | undefined;
    const killAndRestart = async () => {
      runner.child.kill('SIGKILL');
      expect((await runner.exited).signal).toBe('SIGKILL');
      runner = await startRunner({ kubeconfig, namespace, token, port });
    };
    const worker = async () => {
      while (next < total) {
        const i = next++;
        inFlight++;
        try {
          outcomes.set(i, { ok: true, pipeline: await client.create(requests[i] as MetaPipelineRequest) });
        } catch (error) {
          outcomes.set(i, { ok: false, error });
        }
        inFlight--;
        if (outcomes.size === killAfter && !restarted) {
          atKill = { done: outcomes.size, inFlight };
          restarted = killAndRestart();
        }
      }
    };
    await Promise.all(Array.from({ length: concurrency }, worker));
    await restarted;

    // The kill came mid-way, with creates in flight.
    expect(atKill?.done).toBe(killAfter);
    expect(atKill?.inFlight).toBeGreaterThan(0);
    expect(outcomes.size).toBe(total);

    // Every failure is one of the client's typed errors.
    const failed = [...outcomes].flatMap(([i, o]) => (o.ok ? [] : [{ i, error: o.error }]));
    const untyped = failed.filter(({ error }) => !(error instanceof MetaPipelineError));
    expect(untyped.map(({ error }) => String(error))).toEqual([]);

    const kube = createKubeClient({ config: { kubeconfig } });
    try {
      const jobsByKey = async () => {
        const byKey = new Map<string, string[]>();
        for (const job of (await kube.lighthouseJobs.list(namespace)).items) {
          const key = job.metadata.annotations?.[idempotencyKeyAnnotation] ?? '(none)';
          byKey.set(key, [...(byKey.get(key) ?? []), job.metadata.name ?? '']);
        }
        return byKey;
      };

      // Every create that reported success exists exactly once, under the name it reported.
      const afterBurst = await jobsByKey();
      for (const [i, outcome] of outcomes) {
        if (!outcome.ok) continue;
        expect(afterBurst.get(requests[i]?.idempotencyKey ?? '')).toEqual([outcome.pipeline.ref.name]);
      }

      // Retrying each failure with the same request (same key) creates it exactly once.
      const final = new Map<number, MetaPipeline>();
      for (const [i, outcome] of outcomes) if (outcome.ok) final.set(i, outcome.pipeline);
      for (const { i } of failed) final.set(i, await client.create(requests[i] as MetaPipelineRequest));

      const jobs = await jobsByKey();
      expect(jobs.size).toBe(total);
      expect([...jobs.values()].filter((names) => names.length !== 1)).toEqual([]);
      for (const [i, pipeline] of final) {
        expect(jobs.get(requests[i]?.idempotencyKey ?? '')).toEqual([pipeline.ref.name]);
        expect(pipeline.resources.map((r) => r.kind)).toEqual(['LighthouseJob', 'PipelineRun']);
      }
      const runs = (await kube.pipelineRuns.list(namespace)).items;
      expect(runs).toHaveLength(total);
      expect(new Set(runs.map((run) => run.metadata.name))).toEqual(
        new Set([...final.values()].map((p) => p.ref.name)),
      );

      // No build number was handed out twice on a branch, kill or not.
      const numbers = new Map<string, number[]>();
      for (const pipeline of final.values()) {
        numbers.set(pipeline.branch, [...(numbers.get(pipeline.branch) ?? []), pipeline.buildNumber]);
      }
      expect(numbers.size).toBe(5);
      for (const list of numbers.values()) expect(new Set(list).size).toBe(list.length);
    } finally {
      await kube.close();
      await client.close();
    }
    expect(await runner.stop()).toEqual({ code: 0, signal: null });
  });
});
