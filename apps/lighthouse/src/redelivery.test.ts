// What one event starts, however often and in whatever order its deliveries come: the trigger and the
// real embedded client on the test cluster, events as the providers' payloads normalise to.
import { type LighthouseConfig, parseConfig } from '@lighthouse-ts/config';
import {
  type MetaPipelineClient,
  type MetaPipelineRequest,
  UnavailableError,
} from '@lighthouse-ts/metapipeline-client';
import { type DispatchResult, inMemoryFacts, PluginError } from '@lighthouse-ts/plugins';
import type { PullRequestCommentEvent, PullRequestEvent } from '@lighthouse-ts/scm';
import type { TestCluster } from '@lighthouse-ts/testenv';
import { testCluster } from '@lighthouse-ts/testenv/vitest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDispatch } from './dispatch.ts';
import { createMetaPipelineClient } from './metapipeline.ts';
import { createMetrics } from './server/metrics.ts';

const repo = { owner: 'org', name: 'repo', cloneUrl: 'https://github.com/org/repo.git' };
const sha = (n: number) => n.toString(16).padStart(40, 'c');
const log = { debug() {}, info() {}, warn() {}, error() {} };

const pushed = (head: number, deliveryId: string): PullRequestEvent => ({
  type: 'pull_request',
  provider: 'github',
  deliveryId,
  action: head === 1 ? 'opened' : 'synchronize',
  repo,
  number: 7,
  title: 'Fix the widget',
  author: { id: '1', login: 'mona' },
  draft: false,
  base: { ref: 'main', sha: 'ba5e000000000000000000000000000000000001' },
  head: { ref: 'fix', sha: sha(head) },
  labels: [],
  merged: false,
});
const retest = (commentId: string, deliveryId: string): PullRequestCommentEvent => ({
  type: 'pull_request_comment',
  provider: 'github',
  deliveryId,
  repo,
  number: 7,
  commentId,
  body: '/retest',
  author: { id: '1', login: 'mona' },
});

const configOf = (jobs: string) =>
  parseConfig(
    { configPath: 'config.yaml', pluginsPath: 'plugins.yaml' },
    { config: `presubmits:\n  org/repo:\n${jobs}`, plugins: 'plugins:\n  org/repo: [trigger]\n' },
  );
const unit = '  - name: unit\n    always_run: true\n';
const lint = '  - name: lint\n    always_run: true\n';

let cluster: TestCluster;
let embedded: MetaPipelineClient;

beforeAll(async () => {
  cluster = await testCluster();
  embedded = await createMetaPipelineClient({
    mode: 'embedded',
    kubeconfig: cluster.kubeconfigPath,
    metaStepImage: 'ghcr.io/lighthouse-ts/runner:test',
  });
});
afterAll(async () => {
  await embedded?.close();
});

/** A dispatch on a namespace of its own; `config` may be swapped between deliveries. */
async function dispatcher(options: { client?: MetaPipelineClient } = {}) {
  const namespace = await cluster.createNamespace('redelivery');
  let config: LighthouseConfig = configOf(unit);
  const dispatch = createDispatch({
    config: { current: () => config },
    client: options.client ?? embedded,
    facts: () =>
      inMemoryFacts({
        collaborators: { 'org/repo': ['mona'] },
        pullRequests: {
          'org/repo#7': {
            open: true,
            draft: false,
            author: 'mona',
            head: { ref: 'fix', sha: sha(1) },
            base: { ref: 'main', sha: 'ba5e000000000000000000000000000000000001' },
          },
        },
      }),
    writes: () => undefined,
    webUrls: () => ['https://github.com'],
    namespace,
    metrics: createMetrics(),
  });
  const context = { log, signal: new AbortController().signal, traceparent: '' };
  return {
    deliver: (event: PullRequestEvent | PullRequestCommentEvent) => dispatch(event, context),
    useConfig: (jobs: string) => {
      config = configOf(jobs);
    },
    /** The pull request's pipelines, oldest first. */
    pipelines: async () => {
      const all = await embedded.list({ namespace, owner: 'org', repo: 'repo', branch: 'PR-7' });
      return all.reverse().map((p) => ({ job: p.jobName, build: p.buildNumber, phase: p.phase }));
    },
  };
}

describe('one event, one run of each job', () => {
  it('the same event under a new delivery id (a replay, Gitea redelivering) starts nothing new', async () => {
    const { deliver, pipelines } = await dispatcher();
    expect(await deliver(pushed(1, 'delivery-1'))).toMatchObject({ started: ['unit'] });
    expect(await deliver(pushed(1, 'replayed-under-another-id'))).toMatchObject({ started: ['unit'] });
    expect(await pipelines()).toEqual([{ job: 'unit', build: 1, phase: 'pending' }]);
  });

  it('each /retest comment starts a run; the same comment delivered again does not', async () => {
    const { deliver, pipelines } = await dispatcher();
    await deliver(pushed(1, 'delivery-1'));
    await deliver(retest('41', 'delivery-2'));
    await deliver(retest('41', 'delivery-3'));
    await deliver(retest('42', 'delivery-4'));
    expect((await pipelines()).map((p) => p.build)).toEqual([1, 2, 3]);
  });

  it("a late redelivery of an older push cancels nothing newer: the newest head's run goes on", async () => {
    const { deliver, pipelines } = await dispatcher();
    await deliver(pushed(1, 'push-a'));
    await deliver(pushed(2, 'push-b'));
    expect(await pipelines()).toEqual([
      { job: 'unit', build: 1, phase: 'cancelled' },
      { job: 'unit', build: 2, phase: 'pending' },
    ]);
    await deliver(pushed(1, 'push-a-again'));
    expect(await pipelines()).toEqual([
      { job: 'unit', build: 1, phase: 'cancelled' },
      { job: 'unit', build: 2, phase: 'pending' },
    ]);
  });

  it('a redelivery after the config changed keeps the run the event started, without a conflict', async () => {
    const { deliver, useConfig, pipelines } = await dispatcher();
    await deliver(pushed(1, 'delivery-1'));
    useConfig('  - name: unit\n    always_run: true\n    context: unit-tests\n');
    const again = await deliver(pushed(1, 'delivery-2'));
    expect(again).toMatchObject({ started: ['unit'] });
    expect(await pipelines()).toEqual([{ job: 'unit', build: 1, phase: 'pending' }]);
  });

  it('a job that cannot start does not keep the others from starting; a redelivery starts only it', async () => {
    let lintRefused = true;
    const flaky = {
      ...embedded,
      create: (request: MetaPipelineRequest, options?: Parameters<MetaPipelineClient['create']>[1]) => {
        if (request.jobName === 'lint' && lintRefused) {
          return Promise.reject(new UnavailableError('the API server is restarting'));
        }
        return embedded.create(request, options);
      },
    } as MetaPipelineClient;
    const { deliver, useConfig, pipelines } = await dispatcher({ client: flaky });
    useConfig(lint + unit);
    const failed = await deliver(pushed(1, 'delivery-1')).catch((error: unknown) => error);
    expect(failed).toBeInstanceOf(PluginError);
    expect(failed).toMatchObject({
      retryable: true,
      message: '1 of 2 jobs could not start (lint: the API server is restarting)',
    });
    expect((await pipelines()).map((p) => p.job)).toEqual(['unit']);

    lintRefused = false;
    const redelivered = (await deliver(pushed(1, 'delivery-1'))) as DispatchResult;
    expect([...redelivered.started].sort()).toEqual(['lint', 'unit']);
    expect((await pipelines()).map((p) => p.job).sort()).toEqual(['lint', 'unit']);
  });
});
