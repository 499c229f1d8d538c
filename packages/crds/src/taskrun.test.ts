import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { TestCluster } from '@lighthouse-ts/testenv';
import { testCluster } from '@lighthouse-ts/testenv/vitest';
import { beforeAll, describe, expect, inject, it } from 'vitest';
import { parse } from 'yaml';
import { apiVersionOf, CustomRun, customRunType, type ResourceType, TaskRun, taskRunType } from './index.ts';

const activityCases = join(inject('fixturesDir'), 'lighthouse/pkg/engines/tekton/test_data/activity');
const fixture = async (path: string) => parse(await readFile(join(activityCases, path), 'utf8'));

describe('TaskRun and CustomRun schemas against Lighthouse fixtures', () => {
  it('read the steps of a TaskRun Tekton wrote', async () => {
    const { status } = await fixture('running_multiple_tasks/tr2.yaml');
    const parsed = TaskRun.shape.status.parse(status);
    expect(
      parsed?.steps?.map((s) => Object.keys(s).find((k) => ['terminated', 'running'].includes(k))),
    ).toEqual(['terminated', 'running', 'running', 'running', 'running', 'terminated', 'terminated']);
    expect(parsed?.steps?.[0]?.terminated?.exitCode).toBe(0);
  });

  it('read the status of a CustomRun', async () => {
    const { status } = await fixture('customrun_failed/cr.yaml');
    expect(CustomRun.shape.status.parse(status)?.conditions?.[0]).toMatchObject({
      type: 'Succeeded',
      status: 'False',
      reason: 'ChildPipelineRunCreationFailed',
    });
  });
});

describe('TaskRun and CustomRun on a real API server with Tekton CRDs', () => {
  let cluster: TestCluster;
  let namespace: string;
  const path = (type: ResourceType, name = '') =>
    `/apis/${apiVersionOf(type)}/namespaces/${namespace}/${type.plural}${name && `/${name}`}`;

  beforeAll(async () => {
    cluster = await testCluster();
    namespace = await cluster.createNamespace('crds-taskrun');
  });

  it('a TaskRun and the status Tekton gives it come back as written', async () => {
    const taskRun: TaskRun = {
      apiVersion: 'tekton.dev/v1',
      kind: 'TaskRun',
      metadata: { name: 'build-abcde', labels: { 'tekton.dev/pipelineRun': 'build' } },
      spec: {
        serviceAccountName: 'tekton-bot',
        timeout: '1h0m0s',
        taskSpec: { steps: [{ name: 'compile', image: 'golang:1.26', script: 'go build ./...' }] },
      },
    };
    const created = TaskRun.parse(await cluster.request('POST', path(taskRunType), taskRun));
    // Tekton's CRD requires the pod's name, which the fixture (from a fake client) lacks.
    const status = {
      ...(await fixture('running_multiple_tasks/tr2.yaml')).status,
      podName: 'build-abcde-pod',
    };
    const withStatus = TaskRun.parse(
      await cluster.request('PUT', `${path(taskRunType, 'build-abcde')}/status`, { ...created, status }),
    );
    expect(withStatus.spec).toEqual(taskRun.spec);
    expect(withStatus.status).toEqual(TaskRun.shape.status.parse(status));
  });

  it('a CustomRun and its status come back as written', async () => {
    const customRun: CustomRun = {
      apiVersion: 'tekton.dev/v1beta1',
      kind: 'CustomRun',
      metadata: { name: 'cleanup-fghij' },
      spec: {
        customRef: { apiVersion: 'example.dev/v1', kind: 'Cleanup' },
        params: [{ name: 'a', value: 'b' }],
      },
    };
    const created = CustomRun.parse(await cluster.request('POST', path(customRunType), customRun));
    const { status } = await fixture('customrun_failed/cr.yaml');
    const withStatus = CustomRun.parse(
      await cluster.request('PUT', `${path(customRunType, 'cleanup-fghij')}/status`, { ...created, status }),
    );
    expect(withStatus.spec).toEqual(customRun.spec);
    expect(withStatus.status).toEqual(CustomRun.shape.status.parse(status));
  });
});
