// Webhooks through the server to the real embedded meta-pipeline client on the test cluster: one
// meta-pipeline per event (a stand-in for the trigger, which decides the jobs later).
import type { MetaPipelineClient, MetaPipelineRequest } from '@lighthouse-ts/metapipeline-client';
import type { Dispatch } from '@lighthouse-ts/plugins';
import type { WebhookEvent } from '@lighthouse-ts/scm';
import type { TestCluster } from '@lighthouse-ts/testenv';
import { rawRequest } from '@lighthouse-ts/testenv/http';
import { testCluster } from '@lighthouse-ts/testenv/vitest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { delivery, octokitExample, octokitExamples } from '../../../../packages/scm/test/payloads.ts';
import { serveInProcess, testSecret } from '../../test/in-process.ts';
import { createMetaPipelineClient } from '../metapipeline.ts';

type Served = Awaited<ReturnType<typeof serveInProcess>>;

/** The one job this test runs for an event: `unit` for a new or updated pull request, `release` for a branch push. */
function requestFor(event: WebhookEvent, namespace: string): MetaPipelineRequest | undefined {
  const idempotencyKey = (job: string) => `${event.provider}:${event.deliveryId}:${job}`;
  const runs = event.type === 'pull_request' && ['opened', 'reopened', 'synchronize'].includes(event.action);
  if (event.type === 'pull_request' && runs && event.base.sha && event.repo.cloneUrl) {
    return {
      idempotencyKey: idempotencyKey('unit'),
      namespace,
      kind: 'pullrequest',
      jobName: 'unit',
      pullRefs: {
        sourceUrl: event.repo.cloneUrl,
        owner: event.repo.owner,
        repo: event.repo.name,
        baseBranch: event.base.ref,
        baseSha: event.base.sha,
        pulls: [
          { number: event.number, sha: event.head.sha, author: event.author.login, title: event.title },
        ],
      },
    };
  }
  if (event.type === 'push' && event.refType === 'branch' && !event.deleted && event.repo.cloneUrl) {
    return {
      idempotencyKey: idempotencyKey('release'),
      namespace,
      kind: 'release',
      jobName: 'release',
      pullRefs: {
        sourceUrl: event.repo.cloneUrl,
        owner: event.repo.owner,
        repo: event.repo.name,
        baseBranch: event.refName,
        baseSha: event.after,
      },
    };
  }
  return undefined;
}

describe('dispatch through the embedded client', () => {
  let cluster: TestCluster;
  let namespace: string;
  let client: MetaPipelineClient;
  let served: Served;

  const lighthouseJobs = async () => {
    const list = (await cluster.request(
      'GET',
      `/apis/lighthouse.jenkins.io/v1alpha1/namespaces/${namespace}/lighthousejobs`,
    )) as { items: { metadata: { name: string; labels?: Record<string, string> } }[] };
    return list.items;
  };

  beforeAll(async () => {
    cluster = await testCluster();
    namespace = await cluster.createNamespace('lh-server');
    client = await createMetaPipelineClient({
      mode: 'embedded',
      kubeconfig: cluster.kubeconfigPath,
      metaStepImage: 'ghcr.io/lighthouse-ts/runner:test',
    });
    const dispatch: Dispatch = async (event, { log, signal, traceparent }) => {
      const request = requestFor(event, namespace);
      if (!request) return { started: [], skipped: [{ job: 'any', reason: `no job for ${event.type}` }] };
      const created = await client.create(request, { signal, traceparent });
      log.info({ metaPipeline: created.ref.name, buildNumber: created.buildNumber }, 'meta-pipeline created');
      return { started: [created.ref.name] };
    };
    served = await serveInProcess({ respond: dispatch });
  });
  afterAll(async () => {
    await served?.server.stop(5000);
    await client?.close();
  });

  const deliver = (event: string, body: Buffer, deliveryId: string) =>
    rawRequest(served.hook, delivery({ event, body, deliveryId, secret: testSecret }));

  it('a pull request and a branch push each create their LighthouseJob and meta PipelineRun, once', async () => {
    const opened = await deliver('pull_request', octokitExample('pull_request', 'opened'), 'e2e-pr-1');
    expect(opened.status, opened.text).toBe(200);
    const [prJob] = opened.json().started as string[];

    const branchPush = octokitExamples('push').find((example) => example.ref === 'refs/heads/master');
    const pushed = await deliver('push', Buffer.from(JSON.stringify(branchPush)), 'e2e-push-1');
    expect(pushed.status, pushed.text).toBe(200);
    const [pushJob] = pushed.json().started as string[];

    for (const name of [prJob, pushJob]) {
      const job = (await cluster.request(
        'GET',
        `/apis/lighthouse.jenkins.io/v1alpha1/namespaces/${namespace}/lighthousejobs/${name}`,
      )) as { spec: { type: string; refs: { org: string; repo: string } } };
      expect(job.spec.refs).toMatchObject({ org: 'Codertocat', repo: 'Hello-World' });
      const run = await cluster.request(
        'GET',
        `/apis/tekton.dev/v1/namespaces/${namespace}/pipelineruns/${name}`,
      );
      expect(run).toMatchObject({ metadata: { name } });
    }
    expect((await lighthouseJobs()).map((job) => job.metadata.name).sort()).toEqual([prJob, pushJob].sort());

    // A redelivery is a duplicate; nothing new is created.
    const again = await deliver('pull_request', octokitExample('pull_request', 'opened'), 'e2e-pr-1');
    expect(again.json()).toMatchObject({ status: 'duplicate' });
    expect(await lighthouseJobs()).toHaveLength(2);

    // An event with no job answers 200 with what was skipped.
    const closed = await deliver('pull_request', octokitExample('pull_request', 'closed'), 'e2e-pr-closed');
    expect(closed.status, closed.text).toBe(200);
    expect(closed.json()).toMatchObject({ status: 'done', started: [], skipped: [{ job: 'any' }] });
    expect(await lighthouseJobs()).toHaveLength(2);

    // Each step of each delivery is in the log under its delivery id.
    const created = served.logs.lines.filter((line) => line.msg === 'meta-pipeline created');
    expect(created.map((line) => line.deliveryId)).toEqual(['e2e-pr-1', 'e2e-push-1']);
  });

  it('when Kubernetes refuses for good, the delivery gets 202 with the reason and is tried again on redelivery', async () => {
    // A namespace that does not exist: the API server answers 404 for it, a typed client error.
    const missing = await serveInProcess({
      respond: async (event, { signal }) => {
        const request = requestFor(event, 'no-such-namespace');
        if (!request) throw new Error('the test sends a pull request');
        const created = await client.create(request, { signal });
        return { started: [created.ref.name] };
      },
    });
    try {
      const body = octokitExample('pull_request', 'opened');
      const request = delivery({
        event: 'pull_request',
        body,
        deliveryId: 'e2e-refused',
        secret: testSecret,
      });
      const res = await rawRequest(missing.hook, request);
      expect(res.status, res.text).toBe(202);
      expect(res.json()).toMatchObject({
        status: 'failed',
        errorType: 'NotFoundError',
        reason: expect.stringMatching(
          /^the jobs cannot start until the configuration changes: .*no-such-namespace/,
        ),
      });
      expect((await rawRequest(missing.hook, request)).status).toBe(202);
      expect(missing.calls).toHaveLength(2);
    } finally {
      await missing.server.stop(5000);
    }
  });
});
