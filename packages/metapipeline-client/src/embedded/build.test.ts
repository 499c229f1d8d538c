import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { labels, PipelineRun } from '@lighthouse-ts/crds';
import { describe, expect, inject, it } from 'vitest';
import { parse } from 'yaml';
import { branchIdentifier, MetaPipelineRequest } from '../schemas.ts';
import { buildMetaPipeline, labelValue, metaPipelineName, pullRefsString, requestHash } from './build.ts';

const metaStep = { image: 'runner:test', command: ['runner', 'meta-step'] };

// The request behind Lighthouse's own start-pullrequest case (jenkins-x/lighthouse PR 813, job "github").
const lighthousePullRequest = MetaPipelineRequest.parse({
  idempotencyKey: 'delivery-1/github',
  namespace: 'jx',
  kind: 'pullrequest',
  jobName: 'github',
  context: 'github',
  rerunCommand: '/test github',
  pullRefs: {
    sourceUrl: 'https://github.com/jenkins-x/lighthouse.git',
    owner: 'jenkins-x',
    repo: 'lighthouse',
    repoLink: 'https://github.com/jenkins-x/lighthouse',
    baseBranch: 'master',
    baseSha: 'e8d56b5ee9671599c75644af574a251dd3b94a5c',
    pulls: [{ number: 813, sha: 'dd64c739442d505cf5381e2a14b60968e8a0d86e', author: 'abayer' }],
  },
});

describe('buildMetaPipeline', () => {
  it('gives the PipelineRun the params and labels Lighthouse gives it', async () => {
    const fixture = parse(
      await readFile(
        join(
          inject('fixturesDir'),
          'lighthouse/pkg/engines/tekton/test_data/controller/start-pullrequest/expected-pr.yml',
        ),
        'utf8',
      ),
    );
    const expected = PipelineRun.parse({ apiVersion: 'tekton.dev/v1', kind: 'PipelineRun', ...fixture });
    const { pipelineRun } = buildMetaPipeline(lighthousePullRequest, { name: 'n', buildNumber: 7, metaStep });

    // Lighthouse's params, in its order; the fixture's others come from pipeline_run_params templates.
    const lighthouseOnes = (expected.spec.params ?? []).filter((p) => /^[A-Z_]+$/.test(p.name));
    expect(pipelineRun.spec.params).toEqual(
      lighthouseOnes.map((p) => (p.name === 'BUILD_ID' ? { name: 'BUILD_ID', value: '7' } : p)),
    );
    const { [labels.buildNum]: _n, [labels.id]: _id, ...expectedLabels } = expected.metadata.labels ?? {};
    expect(pipelineRun.metadata.labels).toMatchObject(expectedLabels);
    expect(pipelineRun.metadata.labels?.[labels.buildNum]).toBe('7');
    expect(pipelineRun.metadata.annotations).toEqual(expected.metadata.annotations);
    expect(pipelineRun.spec.taskRunTemplate).toEqual({ serviceAccountName: 'lighthouse-meta-step' });
  });

  it("runs the meta step as its own service account, and hands the build's on to it", () => {
    const step = (request: typeof lighthousePullRequest, serviceAccount?: string) => {
      const { pipelineRun } = buildMetaPipeline(request, {
        name: 'n',
        buildNumber: 1,
        metaStep: { ...metaStep, ...(serviceAccount ? { serviceAccount } : {}) },
      });
      const spec = pipelineRun.spec.pipelineSpec as {
        tasks: { taskSpec: { steps: { env: { name: string; value: string }[] }[] } }[];
      };
      const env = spec.tasks[0]?.taskSpec.steps[0]?.env ?? [];
      return {
        runsAs: pipelineRun.spec.taskRunTemplate?.serviceAccountName,
        build: env.find((e) => e.name === 'LIGHTHOUSE_BUILD_SERVICE_ACCOUNT')?.value,
      };
    };
    expect(step(lighthousePullRequest)).toEqual({ runsAs: 'lighthouse-meta-step', build: 'tekton-bot' });
    expect(step({ ...lighthousePullRequest, serviceAccount: 'builder' }, 'meta')).toEqual({
      runsAs: 'meta',
      build: 'builder',
    });
  });

  it('runs the meta step restricted, writing only to an emptyDir at /tmp, with bounded memory by default', () => {
    const { pipelineRun } = buildMetaPipeline(lighthousePullRequest, { name: 'n', buildNumber: 7, metaStep });
    const [task] = (pipelineRun.spec.pipelineSpec as { tasks: { taskSpec: Record<string, unknown> }[] })
      .tasks;
    const [step] = (task?.taskSpec.steps ?? []) as Record<string, unknown>[];
    expect(step).toMatchObject({
      securityContext: {
        runAsNonRoot: true,
        runAsUser: 1000,
        allowPrivilegeEscalation: false,
        readOnlyRootFilesystem: true,
        capabilities: { drop: ['ALL'] },
      },
      computeResources: { requests: { cpu: '100m', memory: '256Mi' }, limits: { memory: '1Gi' } },
      volumeMounts: [{ name: 'tmp', mountPath: '/tmp' }],
    });
    expect(task?.taskSpec.volumes).toEqual([{ name: 'tmp', emptyDir: {} }]);
  });

  it('writes the LighthouseJob as Lighthouse does, plus our idempotency annotations', () => {
    const { job } = buildMetaPipeline(lighthousePullRequest, { name: 'n', buildNumber: 7, metaStep });
    expect(job.spec).toMatchObject({
      type: 'presubmit',
      agent: 'tekton-pipeline',
      job: 'github',
      context: 'github',
      rerun_command: '/test github',
      refs: {
        org: 'jenkins-x',
        repo: 'lighthouse',
        base_ref: 'master',
        pulls: [{ number: 813, author: 'abayer' }],
      },
    });
    expect(job.metadata.annotations?.['lighthouse-ts.dev/idempotency-key']).toBe('delivery-1/github');
  });

  it('runs the meta step with the job described in its environment, the request’s variables after', () => {
    const request = { ...lighthousePullRequest, env: { EXTRA: 'x', JOB_NAME: 'cannot-override' } };
    const { pipelineRun } = buildMetaPipeline(request, { name: 'n', buildNumber: 7, metaStep });
    const tasks = pipelineRun.spec.pipelineSpec?.tasks as
      | { taskSpec: { steps: { env: { name: string; value: string }[] }[] } }[]
      | undefined;
    const step = tasks?.[0]?.taskSpec.steps[0];
    const env = Object.fromEntries((step?.env ?? []).map((e) => [e.name, e.value]));
    expect(env).toMatchObject({
      JOB_NAME: '$(params.JOB_NAME)',
      PULL_REFS: '$(params.PULL_REFS)',
      LIGHTHOUSE_JOB_NAME: 'n',
      LIGHTHOUSE_JOB_NAMESPACE: 'jx',
      BRANCH_NAME: 'PR-813',
      EXTRA: 'x',
    });
  });

  it('names branches and job types as Lighthouse does', () => {
    const pulls = lighthousePullRequest.pullRefs.pulls;
    const batch = {
      ...lighthousePullRequest,
      pullRefs: { ...lighthousePullRequest.pullRefs, pulls: [...pulls, { ...pulls[0], number: 814 }] },
    } as typeof lighthousePullRequest;
    const release = {
      ...lighthousePullRequest,
      kind: 'release',
      pullRefs: { ...lighthousePullRequest.pullRefs, pulls: [] },
    } as typeof lighthousePullRequest;
    expect([lighthousePullRequest, batch, release].map(branchIdentifier)).toEqual([
      'PR-813',
      'batch',
      'master',
    ]);
    expect(pullRefsString(batch)).toBe(
      'master:e8d56b5ee9671599c75644af574a251dd3b94a5c,813:dd64c739442d505cf5381e2a14b60968e8a0d86e,814:dd64c739442d505cf5381e2a14b60968e8a0d86e',
    );
    const params = (r: typeof lighthousePullRequest) =>
      buildMetaPipeline(r, { name: 'n', buildNumber: 1, metaStep }).pipelineRun.spec.params?.map(
        (p) => p.name,
      );
    expect(params(batch)).not.toContain('PULL_NUMBER');
    expect(params(release)).toEqual(expect.not.arrayContaining(['PULL_NUMBER', 'PULL_PULL_SHA']));
  });

  it('names a pipeline by its idempotency key alone, and tells requests apart by their content', () => {
    const other = { ...lighthousePullRequest, jobName: 'lint' };
    expect(metaPipelineName(other)).toBe(metaPipelineName(lighthousePullRequest));
    expect(metaPipelineName(lighthousePullRequest)).toMatch(/^lighthouse-[0-9a-f]{16}$/);
    expect(requestHash(other)).not.toBe(requestHash(lighthousePullRequest));
    expect(requestHash({ ...lighthousePullRequest, idempotencyKey: 'retry' })).toBe(
      requestHash(lighthousePullRequest),
    );
  });

  it('keeps label values valid: a branch path becomes its last segment, anything else is left out', () => {
    expect(labelValue('PR-813')).toBe('PR-813');
    expect(labelValue('feature/login')).toBe('login');
    expect(labelValue('x'.repeat(64))).toBeUndefined();
  });
});
