import { LighthouseJob, labels, type Param, type PipelineRun } from '@lighthouse-ts/crds';
import type { TestCluster } from '@lighthouse-ts/testenv';
import { testCluster } from '@lighthouse-ts/testenv/vitest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createKubeClient, type KubeClient } from './client.ts';
import {
  KubeAlreadyExistsError,
  KubeConflictError,
  KubeForbiddenError,
  KubeInvalidError,
  KubeNotFoundError,
  KubeUnexpectedObjectError,
} from './errors.ts';

const job = (name: string, extra: Partial<LighthouseJob['spec']> = {}): LighthouseJob => ({
  apiVersion: 'lighthouse.jenkins.io/v1alpha1',
  kind: 'LighthouseJob',
  metadata: { name, labels: { [labels.job]: 'unit', [labels.repo]: 'lighthouse' } },
  spec: {
    type: 'presubmit',
    agent: 'tekton-pipeline',
    job: 'unit',
    context: 'unit',
    refs: {
      org: 'jenkins-x',
      repo: 'lighthouse',
      base_ref: 'main',
      base_sha: 'e8d56b5ee9671599c75644af574a251dd3b94a5c',
      pulls: [{ number: 813, author: 'abayer', sha: 'dd64c739442d505cf5381e2a14b60968e8a0d86e' }],
    },
    ...extra,
  },
});

const pipelineRun = (name: string): PipelineRun => ({
  apiVersion: 'tekton.dev/v1',
  kind: 'PipelineRun',
  metadata: { name, labels: { [labels.job]: 'unit' } },
  spec: {
    params: [{ name: 'PULL_REFS', value: 'main:e8d56b5e,813:dd64c739' }],
    pipelineSpec: {
      params: [{ name: 'PULL_REFS', type: 'string' }],
      tasks: [{ name: 'meta', taskSpec: { steps: [{ name: 'step', image: 'busybox', script: 'true' }] } }],
    },
    taskRunTemplate: { serviceAccountName: 'tekton-bot' },
    timeouts: { pipeline: '1h0m0s' },
  },
});

describe('resource handles on a real API server', () => {
  let cluster: TestCluster;
  let kube: KubeClient;
  let namespace: string;

  beforeAll(async () => {
    cluster = await testCluster();
    kube = createKubeClient({ config: { kubeconfig: cluster.kubeconfigPath } });
    namespace = await cluster.createNamespace('kube');
  });
  afterAll(() => kube?.close());

  it('creates, gets, lists by label, patches and deletes LighthouseJobs', async () => {
    const created = await kube.lighthouseJobs.create(namespace, job('crud'));
    expect(created.metadata.uid).toBeTruthy();
    expect(await kube.lighthouseJobs.get(namespace, 'crud')).toEqual(created);

    await kube.lighthouseJobs.create(namespace, {
      ...job('other'),
      metadata: { name: 'other', labels: { [labels.job]: 'lint' } },
    });
    const listed = await kube.lighthouseJobs.list(namespace, { labelSelector: `${labels.job}=unit` });
    expect(listed.items.map((j) => j.metadata.name)).toEqual(['crud']);
    expect(Number(listed.resourceVersion)).toBeGreaterThan(0);
    expect((await kube.lighthouseJobs.list(namespace, { limit: 1 })).items).toHaveLength(1);

    const patched = await kube.lighthouseJobs.patch(namespace, 'crud', {
      metadata: { labels: { [labels.buildNum]: '7' } },
    });
    expect(patched.metadata.labels?.[labels.buildNum]).toBe('7');

    await kube.lighthouseJobs.delete(namespace, 'crud');
    await expect(kube.lighthouseJobs.get(namespace, 'crud')).rejects.toBeInstanceOf(KubeNotFoundError);
  });

  it('updates status through the status subresource only', async () => {
    await kube.lighthouseJobs.create(namespace, job('status'));
    const pending = await kube.lighthouseJobs.patchStatus(namespace, 'status', {
      status: { state: 'pending', description: 'waiting', startTime: '2026-11-25T15:00:00Z' },
    });
    expect(pending.status).toMatchObject({ state: 'pending', startTime: '2026-11-25T15:00:00Z' });

    // A status written through the main resource is ignored by the server.
    const viaMain = await kube.lighthouseJobs.patch(namespace, 'status', { status: { state: 'success' } });
    expect(viaMain.status?.state).toBe('pending');

    const running = await kube.lighthouseJobs.replaceStatus(namespace, {
      ...pending,
      status: { ...pending.status, state: 'running' },
    });
    expect(running.status?.state).toBe('running');
  });

  it('applies server-side, as the field manager, and creates or updates alike', async () => {
    const first = await kube.lighthouseJobs.apply(namespace, job('applied'));
    expect(first.metadata.managedFields).toBeDefined();
    const again = await kube.lighthouseJobs.apply(namespace, job('applied', { context: 'changed' }));
    expect(again.spec.context).toBe('changed');
    expect(again.metadata.uid).toBe(first.metadata.uid);
  });

  it('creates and reads PipelineRuns that Tekton’s own CRD validates', async () => {
    const created = await kube.pipelineRuns.create(namespace, pipelineRun('run'));
    expect(created.spec.params).toEqual([{ name: 'PULL_REFS', value: 'main:e8d56b5e,813:dd64c739' }]);
    const cancelled = await kube.pipelineRuns.patch(namespace, 'run', { spec: { status: 'Cancelled' } });
    expect(cancelled.spec.status).toBe('Cancelled');
    const finished = await kube.pipelineRuns.patchStatus(namespace, 'run', {
      status: {
        conditions: [{ type: 'Succeeded', status: 'False', reason: 'Cancelled', message: 'cancelled' }],
      },
    });
    expect(finished.status?.conditions?.[0]?.reason).toBe('Cancelled');
  });

  it('rejects an invalid object with KubeInvalidError naming the field', async () => {
    const invalid = job('invalid', { type: 'nightly' as LighthouseJob['spec']['type'] });
    const error = await kube.lighthouseJobs.create(namespace, invalid).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(KubeInvalidError);
    expect((error as KubeInvalidError).causes).toEqual([
      expect.objectContaining({ field: 'spec.type', reason: 'FieldValueNotSupported' }),
    ]);

    const badRun = pipelineRun('no-value');
    badRun.spec.params = [{ name: 'PULL_REFS' } as Param];
    const runError = await kube.pipelineRuns.create(namespace, badRun).catch((e: unknown) => e);
    expect(runError).toBeInstanceOf(KubeInvalidError);
    expect((runError as KubeInvalidError).causes).toEqual([
      expect.objectContaining({ field: 'spec.params[0].value', reason: 'FieldValueRequired' }),
    ]);
  });

  it('rejects unknown fields instead of dropping them silently', async () => {
    const typo = { ...job('typo'), spec: { ...job('typo').spec, contxt: 'x' } } as LighthouseJob;
    const error = await kube.lighthouseJobs.create(namespace, typo).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(KubeInvalidError);
    expect((error as KubeInvalidError).message).toContain('unknown field "spec.contxt"');
  });

  it('answers AlreadyExists for a second create and Conflict for a stale resourceVersion', async () => {
    const created = await kube.lighthouseJobs.create(namespace, job('stale'));
    await expect(kube.lighthouseJobs.create(namespace, job('stale'))).rejects.toBeInstanceOf(
      KubeAlreadyExistsError,
    );

    await kube.lighthouseJobs.patch(namespace, 'stale', { metadata: { labels: { touched: 'yes' } } });
    await expect(
      kube.lighthouseJobs.replace(namespace, { ...created, spec: { ...created.spec, context: 'late' } }),
    ).rejects.toBeInstanceOf(KubeConflictError);
    await expect(
      kube.lighthouseJobs.patch(namespace, 'stale', {
        metadata: { resourceVersion: created.metadata.resourceVersion },
        spec: { context: 'late' },
      }),
    ).rejects.toBeInstanceOf(KubeConflictError);
    await expect(
      kube.lighthouseJobs.delete(namespace, 'stale', { resourceVersion: created.metadata.resourceVersion }),
    ).rejects.toBeInstanceOf(KubeConflictError);
  });

  it('validates without writing on a dry run', async () => {
    const dry = await kube.lighthouseJobs.create(namespace, job('dry'), { dryRun: true });
    expect(dry.metadata.name).toBe('dry');
    await expect(kube.lighthouseJobs.get(namespace, 'dry')).rejects.toBeInstanceOf(KubeNotFoundError);
  });

  it('answers Forbidden to a user RBAC grants nothing', async () => {
    const nobody = createKubeClient({ config: { kubeconfig: await cluster.userKubeconfig('nobody') } });
    try {
      const error = await nobody.lighthouseJobs.list(namespace).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(KubeForbiddenError);
      expect((error as KubeForbiddenError).message).toContain(
        'User "nobody" cannot list resource "lighthousejobs"',
      );
    } finally {
      await nobody.close();
    }
  });

  it('refuses an object that does not match the schema it is read with', async () => {
    await kube.lighthouseJobs.create(namespace, job('legacy'));
    const strict = kube.resource(
      kube.lighthouseJobs.type,
      LighthouseJob.extend({ spec: LighthouseJob.shape.spec.required({ max_concurrency: true }) }),
    );
    await expect(strict.get(namespace, 'legacy')).rejects.toThrow(KubeUnexpectedObjectError);
    await expect(strict.get(namespace, 'legacy')).rejects.toThrow(
      /LighthouseJob .*\/legacy .*spec\.max_concurrency/,
    );
  });
});
