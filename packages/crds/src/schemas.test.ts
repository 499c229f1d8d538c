import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { TestCluster } from '@lighthouse-ts/testenv';
import { testCluster } from '@lighthouse-ts/testenv/vitest';
import { beforeAll, describe, expect, inject, it } from 'vitest';
import { parse } from 'yaml';
import {
  LighthouseJob,
  labels,
  lighthouseJobType,
  ownedCustomResourceDefinitions,
  PipelineRun,
} from './index.ts';

const controllerCases = join(inject('fixturesDir'), 'lighthouse/pkg/engines/tekton/test_data/controller');
const fixture = async (path: string) => parse(await readFile(join(controllerCases, path), 'utf8'));

describe('schemas against Lighthouse fixtures', () => {
  it('parse the LighthouseJobs Lighthouse writes', async () => {
    for (const name of ['start-pullrequest', 'start-push', 'start-batch-pullrequest']) {
      const job = LighthouseJob.parse(await fixture(`${name}/expected-lhjob.yml`));
      expect(job.spec.refs?.org).toBe('jenkins-x');
      expect(job.metadata.labels?.[labels.job]).toBe(job.spec.job);
    }
  });

  it('parse the PipelineRuns Lighthouse creates, keeping fields we do not model', async () => {
    const raw = await fixture('start-pullrequest/expected-pr.yml');
    const run = PipelineRun.parse({ apiVersion: 'tekton.dev/v1', kind: 'PipelineRun', ...raw });
    expect(run.spec.params?.find((p) => p.name === 'PULL_REFS')?.value).toBe(
      'master:e8d56b5ee9671599c75644af574a251dd3b94a5c,813:dd64c739442d505cf5381e2a14b60968e8a0d86e',
    );
    expect(run.spec.timeouts?.pipeline).toBe('24h0m0s');
    expect(run.spec.taskRunTemplate?.podTemplate).toEqual({});
  });

  it('name the field that is wrong', () => {
    const result = LighthouseJob.safeParse({
      apiVersion: 'lighthouse.jenkins.io/v1alpha1',
      kind: 'LighthouseJob',
      metadata: { name: 'x' },
      spec: { type: 'nightly', refs: { org: 'o' } },
    });
    expect(result.success).toBe(false);
    expect(result.error?.issues.map((i) => i.path.join('.')).sort()).toEqual(['spec.refs.repo', 'spec.type']);
  });
});

describe('the LighthouseJob CRD on a real API server', () => {
  let cluster: TestCluster;
  let namespace: string;
  const path = () =>
    `/apis/${lighthouseJobType.group}/${lighthouseJobType.version}/namespaces/${namespace}/lighthousejobs`;

  beforeAll(async () => {
    cluster = await testCluster();
    namespace = await cluster.createNamespace('crds');
  });

  it('is the generated one', async () => {
    const installed = (await cluster.request(
      'GET',
      '/apis/apiextensions.k8s.io/v1/customresourcedefinitions/lighthousejobs.lighthouse.jenkins.io',
    )) as { spec: { versions: { schema: unknown }[] } };
    const generated = ownedCustomResourceDefinitions().map((crd) => crd.spec.versions.map((v) => v.schema));
    expect(generated).toEqual([installed.spec.versions.map((v) => v.schema)]);
  });

  it('accepts a job Lighthouse wrote and returns it unchanged', async () => {
    const { metadata, ...job } = await fixture('start-pullrequest/expected-lhjob.yml');
    const created = LighthouseJob.parse(
      await cluster.request('POST', path(), {
        ...job,
        metadata: { name: metadata.name, labels: metadata.labels },
      }),
    );
    expect(created.spec).toEqual(LighthouseJob.parse({ ...job, metadata }).spec);
  });

  it('rejects an invalid job, naming the field', async () => {
    const invalid = {
      apiVersion: 'lighthouse.jenkins.io/v1alpha1',
      kind: 'LighthouseJob',
      metadata: { name: 'invalid' },
      spec: {
        type: 'nightly',
        refs: { org: 'o', repo: 'r', pulls: [{ number: 'one', sha: 'abc', author: 'a' }] },
      },
    };
    const message = await cluster.request('POST', path(), invalid).then(
      () => 'accepted',
      (error: Error) => error.message,
    );
    expect(message).toMatch(/answered 422/);
    expect(message).toMatch(/spec\.type: Unsupported value/);
    expect(message).toMatch(/spec\.refs\.pulls\[0\]\.number: Invalid value/);
  });
});
