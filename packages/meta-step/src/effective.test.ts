import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { LighthouseJob, labels, ownLabels, type PipelineRun } from '@lighthouse-ts/crds';
import { describe, expect, inject, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { effectivePipelineRun } from './effective.ts';
import { BuildServiceAccountError, MetaStepError, UnsupportedPipelineError } from './errors.ts';
import { TektonPipeline, type TektonPipelineRun } from './inrepo/tekton.ts';

const controllerData = join(inject('fixturesDir'), 'lighthouse/pkg/engines/tekton/test_data/controller');
const uid = '0f6c4a36-0000-4000-8000-000000000001';

async function readYaml(path: string): Promise<unknown> {
  return parseYaml(await readFile(path, 'utf8'));
}

/**
 * Lighthouse's observed job, as read from the API server (with a uid), the PipelineRun the in-repo loader
 * would make of its spec, and the PipelineRun Lighthouse made. Without pipeline_run_params Lighthouse
 * fills the parameters the Pipeline's git-clone task uses, reading the Pipeline the spec references; the
 * meta step reads inline pipelines only, so there the Pipeline goes inline.
 */
async function observedCase(name: string) {
  const observed = LighthouseJob.parse(await readYaml(join(controllerData, name, 'observed-lhjob.yml')));
  const { pipeline_run_params: templated = [], pipeline_run_spec: spec = {}, ...jobSpec } = observed.spec;
  const job: LighthouseJob = { ...observed, metadata: { ...observed.metadata, uid }, spec: jobSpec };
  const { spec: pipelineSpec } = TektonPipeline.parse(
    await readYaml(join(controllerData, name, 'observed-pipeline.yml')),
  );
  const { pipelineRef: _referenced, ...rest } = spec;
  const inline = templated.length === 0;
  const loaded: TektonPipelineRun = {
    apiVersion: 'tekton.dev/v1',
    kind: 'PipelineRun',
    metadata: {},
    spec: inline ? { ...rest, pipelineSpec } : spec,
  };
  const expected = (await readYaml(join(controllerData, name, 'expected-pr.yml'))) as PipelineRun;
  if (inline) expected.spec = { ...expected.spec, pipelineRef: undefined, pipelineSpec };
  return { job, loaded, expected, templated: templated.map((p) => p.name) };
}

describe('effectivePipelineRun, against the PipelineRuns Lighthouse made for the same jobs', () => {
  it.each(['start-pullrequest', 'start-push', 'start-batch-pullrequest'])('%s', async (name) => {
    const { job, loaded, expected, templated } = await observedCase(name);
    const run = effectivePipelineRun(loaded, job);

    // Lighthouse's PipelineRun also has the parameters its pipeline_run_params templates make, which
    // this meta step does not support.
    expect(run.spec.params).toEqual(expected.spec.params?.filter((p) => !templated.includes(p.name)));
    expect(run.metadata.labels).toEqual({ ...expected.metadata.labels, [ownLabels.pipelineRole]: 'build' });
    expect(run.metadata.annotations).toEqual(expected.metadata.annotations);
    expect(run.metadata.ownerReferences).toEqual(
      expected.metadata.ownerReferences?.map((owner) => ({ ...owner, uid })),
    );
    expect(run.metadata).toMatchObject({ name: `${job.metadata.name}-build`, namespace: 'jx' });
    expect(run.spec.pipelineRef).toEqual(expected.spec.pipelineRef);
    expect(run.spec.pipelineSpec).toEqual(expected.spec.pipelineSpec);
    expect(run.spec.timeouts).toEqual(expected.spec.timeouts);
    expect(run.spec.taskRunTemplate?.serviceAccountName).toBe(
      expected.spec.taskRunTemplate?.serviceAccountName,
    );
  });
});

describe('effectivePipelineRun', () => {
  const job: LighthouseJob = {
    apiVersion: 'lighthouse.jenkins.io/v1alpha1',
    kind: 'LighthouseJob',
    metadata: {
      name: 'lighthouse-0123456789abcdef',
      namespace: 'ci',
      uid,
      labels: { [labels.buildNum]: '3', [labels.context]: 'unit', 'team.example.com/owner': 'web' },
      annotations: { 'lighthouse-ts.dev/idempotency-key': 'delivery/unit' },
    },
    spec: {
      type: 'postsubmit',
      job: 'unit',
      context: 'unit',
      refs: {
        org: 'Acme',
        repo: 'app',
        base_ref: 'main',
        base_sha: 'aaaa1111',
        clone_uri: 'https://x/app.git',
      },
    },
  };
  const loaded = (spec: TektonPipelineRun['spec']): TektonPipelineRun => ({
    apiVersion: 'tekton.dev/v1',
    kind: 'PipelineRun',
    metadata: { name: 'from-the-file', labels: { from: 'file' }, annotations: { from: 'file' } },
    spec,
  });

  it('names it after the job and labels it with the job, its own labels and the build role', () => {
    const run = effectivePipelineRun(loaded({ pipelineRef: { name: 'p' } }), job);
    expect(run.metadata.name).toBe('lighthouse-0123456789abcdef-build');
    expect(run.metadata.name).toBe('lighthouse-0123456789abcdef-build');
    expect(run.metadata.labels).toEqual({
      'created-by-lighthouse': 'true',
      [labels.type]: 'postsubmit',
      [labels.job]: 'unit',
      [labels.context]: 'unit',
      [labels.org]: 'acme',
      [labels.repo]: 'app',
      [labels.branch]: 'main',
      [labels.baseSHA]: 'aaaa1111',
      [labels.lastCommitSHA]: 'aaaa1111',
      [labels.buildNum]: '3',
      'team.example.com/owner': 'web',
      [labels.id]: 'lighthouse-0123456789abcdef',
      [ownLabels.pipelineRole]: 'build',
    });
    expect(run.metadata.annotations).toEqual({
      'lighthouse.jenkins-x.io/job': 'unit',
      'lighthouse.jenkins-x.io/cloneURI': 'https://x/app.git',
    });
  });

  it("gives the pipeline's own parameters their Lighthouse values and adds the rest in name order", () => {
    const run = effectivePipelineRun(
      loaded({
        pipelineRef: { name: 'p' },
        params: [
          { name: 'version', value: '1.0' },
          { name: 'REPO_NAME', value: '' },
          { name: 'BUILD_ID', value: 'old' },
        ],
      }),
      job,
    );
    expect(run.spec.params).toEqual([
      { name: 'version', value: '1.0' },
      { name: 'REPO_NAME', value: 'app' },
      { name: 'BUILD_ID', value: '3' },
      { name: 'JOB_NAME', value: 'unit' },
      { name: 'JOB_SPEC', value: 'type:postsubmit' },
      { name: 'JOB_TYPE', value: 'postsubmit' },
      { name: 'PULL_BASE_REF', value: 'main' },
      { name: 'PULL_BASE_SHA', value: 'aaaa1111' },
      { name: 'PULL_REFS', value: 'main:aaaa1111' },
      { name: 'REPO_OWNER', value: 'Acme' },
      { name: 'REPO_URL', value: 'https://x/app.git' },
    ]);
  });

  it.each([
    { case: 'the request names one', named: undefined, given: 'builder', expected: 'builder' },
    { case: 'the pipeline names the same', named: 'builder', given: 'builder', expected: 'builder' },
    { case: 'nobody names one', named: undefined, given: undefined, expected: 'tekton-bot' },
  ])("runs the build as the job's service account when $case", ({ named, given, expected }) => {
    const spec = {
      pipelineRef: { name: 'p' },
      ...(named ? { taskRunTemplate: { serviceAccountName: named } } : {}),
    };
    const options = { metaServiceAccountName: 'lighthouse-meta-step', serviceAccountName: given };
    const run = effectivePipelineRun(loaded(spec), job, options);
    expect(run.spec.taskRunTemplate?.serviceAccountName).toBe(expected);
  });

  const meta = 'lighthouse-meta-step';
  it.each([
    {
      case: "the pipeline's taskRunTemplate names lighthouse's",
      spec: { taskRunTemplate: { serviceAccountName: 'lighthouse' } },
      message:
        "the pipeline's taskRunTemplate.serviceAccountName asks for service account lighthouse; this job's builds run as tekton-bot only (a pipeline from the repository does not choose its own rights)",
    },
    {
      case: "the pipeline's taskRunSpecs name the meta step's",
      spec: { taskRunSpecs: [{ pipelineTaskName: 'build', serviceAccountName: meta }] },
      message:
        "the pipeline's taskRunSpecs for build asks for service account lighthouse-meta-step; this job's builds run as tekton-bot only (a pipeline from the repository does not choose its own rights)",
    },
  ])('refuses a service account the pipeline chooses: $case', ({ spec, message }) => {
    const build = () =>
      effectivePipelineRun(loaded({ pipelineRef: { name: 'p' }, ...spec }), job, {
        metaServiceAccountName: meta,
      });
    expect(build).toThrow(BuildServiceAccountError);
    expect(build).toThrow(message);
  });

  it.each([
    { case: 'the request', requested: meta, own: meta },
    { case: 'the default', requested: undefined, own: 'tekton-bot' },
  ])(
    "refuses to run the build as the meta step's own service account, named by $case",
    ({ requested, own }) => {
      const build = () =>
        effectivePipelineRun(loaded({ pipelineRef: { name: 'p' } }), job, {
          serviceAccountName: requested,
          metaServiceAccountName: own,
        });
      expect(build).toThrow(
        `the build's service account is ${own}, the meta step's own: the build must not run with its rights`,
      );
    },
  );

  it("keeps the pipeline's timeouts, or gives it Lighthouse's day", () => {
    const own = effectivePipelineRun(
      loaded({ pipelineRef: { name: 'p' }, timeouts: { pipeline: '1h0m0s' } }),
      job,
    );
    expect(own.spec.timeouts).toEqual({ pipeline: '1h0m0s' });
    const none = effectivePipelineRun(
      loaded({ pipelineRef: { name: 'p' }, timeouts: { tasks: '30m0s' } }),
      job,
    );
    expect(none.spec.timeouts).toEqual({ tasks: '30m0s', pipeline: '24h0m0s' });
  });

  it("puts the request's variables on every step through the pod template, over the pipeline's own", () => {
    const spec = {
      pipelineRef: { name: 'p' },
      taskRunTemplate: {
        podTemplate: {
          nodeSelector: { pool: 'ci' },
          env: [
            { name: 'KEEP', value: 'mine' },
            { name: 'MODE', value: 'file' },
          ],
        },
      },
    };
    const run = effectivePipelineRun(loaded(spec), job, { env: { MODE: 'request', EXTRA: 'x' } });
    expect(run.spec.taskRunTemplate?.podTemplate).toEqual({
      nodeSelector: { pool: 'ci' },
      env: [
        { name: 'KEEP', value: 'mine' },
        { name: 'MODE', value: 'request' },
        { name: 'EXTRA', value: 'x' },
      ],
    });
  });

  it('does not change the loaded PipelineRun', () => {
    const original = loaded({ pipelineRef: { name: 'p' }, params: [{ name: 'BUILD_ID', value: '' }] });
    const copy = structuredClone(original);
    effectivePipelineRun(original, job, { env: { A: 'b' } });
    expect(original).toEqual(copy);
  });

  it('refuses a job it cannot build for', () => {
    const spec = { pipelineRef: { name: 'p' } };
    const { uid: _uid, ...unsaved } = job.metadata;
    expect(() => effectivePipelineRun(loaded(spec), { ...job, metadata: unsaved })).toThrow(MetaStepError);
    const { [labels.buildNum]: _build, ...unnumbered } = job.metadata.labels ?? {};
    expect(() =>
      effectivePipelineRun(loaded(spec), { ...job, metadata: { ...job.metadata, labels: unnumbered } }),
    ).toThrow(`LighthouseJob lighthouse-0123456789abcdef has no ${labels.buildNum} label`);
    const templated = {
      ...job,
      spec: { ...job.spec, pipeline_run_params: [{ name: 'x', value_template: '{{.Refs}}' }] },
    };
    expect(() => effectivePipelineRun(loaded(spec), templated)).toThrow(UnsupportedPipelineError);
  });
});
