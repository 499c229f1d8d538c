import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { labels, ownLabels } from '@lighthouse-ts/crds';
import { createKubeClient, type KubeClient, KubeNotFoundError } from '@lighthouse-ts/kube';
import type { MetaPipelineClient, MetaPipelineRequest } from '@lighthouse-ts/metapipeline-client';
import { createEmbeddedClient } from '@lighthouse-ts/metapipeline-client/embedded';
import { testCluster } from '@lighthouse-ts/testenv/vitest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { lighthouseFiles, startMetaPipeline } from '../test/meta-pipeline.ts';
import { TestRepository } from '../test/repository.ts';
import {
  BuildServiceAccountError,
  MergeConflictError,
  PipelineLoadError,
  PipelineRejectedError,
  StepEnvError,
  UnsupportedPipelineError,
} from './errors.ts';
import { type MetaStepResult, parseStepEnv, runMetaStep } from './run.ts';

/** The test repositories are local paths: git's `file` transport, which the step refuses by default. */
const local = ['file'];

describe('parseStepEnv', () => {
  const env = {
    REPO_URL: 'https://github.com/acme/app.git',
    PULL_REFS: 'main:0967f9ec,42:db8e2d27',
    JOB_NAME: 'unit',
    PIPELINE_KIND: 'pullrequest',
    LIGHTHOUSE_JOB_NAME: 'lighthouse-0123456789abcdef',
    LIGHTHOUSE_JOB_NAMESPACE: 'ci',
  };

  it('reads what the meta PipelineRun gives its step', () => {
    expect(parseStepEnv(env)).toEqual({
      repoUrl: 'https://github.com/acme/app.git',
      pullRefs: { baseRef: 'main', baseSha: '0967f9ec', pulls: [{ number: 42, sha: 'db8e2d27' }] },
      jobName: 'unit',
      jobKind: 'presubmit',
      lighthouseJob: { namespace: 'ci', name: 'lighthouse-0123456789abcdef' },
    });
    expect(parseStepEnv({ ...env, PIPELINE_KIND: 'release' }).jobKind).toBe('postsubmit');
  });

  it("reads the build's service account when the meta PipelineRun gives one", () => {
    expect(parseStepEnv({ ...env, LIGHTHOUSE_BUILD_SERVICE_ACCOUNT: 'builder' }).buildServiceAccount).toBe(
      'builder',
    );
    expect(parseStepEnv({ ...env, LIGHTHOUSE_BUILD_SERVICE_ACCOUNT: '' })).not.toHaveProperty(
      'buildServiceAccount',
    );
  });

  it('names every variable that is missing or wrong', () => {
    const { REPO_URL: _url, LIGHTHOUSE_JOB_NAMESPACE: _ns, ...partial } = env;
    const error = (() => {
      try {
        return parseStepEnv({ ...partial, PIPELINE_KIND: 'nightly' });
      } catch (e) {
        return e;
      }
    })();
    expect(error).toBeInstanceOf(StepEnvError);
    expect((error as Error).message).toMatch(
      /^the meta step's environment is incomplete: REPO_URL is not set; PIPELINE_KIND: .*, got "nightly"; LIGHTHOUSE_JOB_NAMESPACE is not set$/,
    );
  });
});

describe('runMetaStep, on a real API server with real git', () => {
  const metaServiceAccount = 'meta-step-sa';
  let kube: KubeClient;
  let client: MetaPipelineClient;
  let namespace: string;
  let repo: TestRepository;
  let base: string;
  let counter = 0;

  beforeAll(async () => {
    const cluster = await testCluster();
    const config = { kubeconfig: cluster.kubeconfigPath };
    kube = createKubeClient({ config });
    client = createEmbeddedClient({
      kube: { config },
      metaStep: {
        image: 'ghcr.io/lighthouse-ts/runner:test',
        command: ['runner', 'meta-step'],
        serviceAccount: metaServiceAccount,
      },
    });
    namespace = await cluster.createNamespace('meta-step');
    repo = await TestRepository.create();
    base = await repo.commit('main', { 'README.md': 'hello\n', ...lighthouseFiles });
  });
  afterAll(async () => {
    await client?.close();
    await kube?.close();
    await repo?.remove();
  });

  function request(overrides: Partial<MetaPipelineRequest> & { pulls?: { number: number; sha: string }[] }) {
    const { pulls = [], ...rest } = overrides;
    return {
      idempotencyKey: `delivery-${++counter}`,
      namespace,
      kind: pulls.length > 0 ? ('pullrequest' as const) : ('release' as const),
      jobName: pulls.length > 0 ? 'github' : 'release',
      pullRefs: { sourceUrl: repo.url, owner: 'acme', repo: 'app', baseBranch: 'main', baseSha: base, pulls },
      ...rest,
    };
  }

  async function jobStatus(name: string) {
    return (await kube.lighthouseJobs.get(namespace, name)).status;
  }

  function built(result: MetaStepResult) {
    if (result.outcome === 'jobFinished') throw new Error(`no build: the job is ${result.jobState}`);
    return result;
  }

  it('creates the build PipelineRun once and records it on the job', async () => {
    const pull = await repo.commit('feature', { 'feature.txt': 'new\n' });
    const started = await startMetaPipeline(
      client,
      kube,
      request({ pulls: [{ number: 7, sha: pull }], env: { GOFLAGS: '-mod=vendor' } }),
    );
    const env = parseStepEnv(started.env);

    const first = built(await runMetaStep({ kube, gitProtocols: local, env }));
    expect(first.outcome).toBe('created');
    const run = await kube.pipelineRuns.get(namespace, `${started.name}-build`);
    expect(run.metadata.uid).toBe(first.pipelineRun.metadata.uid);
    expect(run.metadata.labels).toMatchObject({
      [labels.id]: started.name,
      [labels.job]: 'github',
      [labels.pull]: '7',
      [labels.lastCommitSHA]: pull,
      [ownLabels.pipelineRole]: 'build',
    });
    expect(run.spec.params).toContainEqual({ name: 'PULL_PULL_SHA', value: pull });
    expect(run.spec.params).toContainEqual({ name: 'branch-name', value: pull });
    expect(run.spec.taskRunTemplate).toEqual({
      serviceAccountName: 'tekton-bot',
      podTemplate: { env: [{ name: 'GOFLAGS', value: '-mod=vendor' }] },
    });
    expect(await jobStatus(started.name)).toMatchObject({
      state: 'pending',
      activityName: `${started.name}-build`,
      description: `build PipelineRun ${started.name}-build created`,
    });

    const again = built(await runMetaStep({ kube, gitProtocols: local, env }));
    expect(again.outcome).toBe('existing');
    expect(again.pipelineRun.metadata.uid).toBe(run.metadata.uid);
    expect(again.head).toBe(first.head);
    const all = await kube.pipelineRuns.list(namespace, { labelSelector: `${labels.id}=${started.name}` });
    expect(all.items.map((item) => item.metadata.labels?.[ownLabels.pipelineRole]).sort()).toEqual([
      'build',
      'meta',
    ]);
  });

  it('fails with the API error when its job does not exist, having created nothing and left no checkout behind', async () => {
    const started = await startMetaPipeline(client, kube, request({}));
    const env = parseStepEnv({ ...started.env, LIGHTHOUSE_JOB_NAME: `${started.name}-missing` });
    const workDir = await mkdtemp(join(tmpdir(), 'meta-step-work-'));
    try {
      await expect(runMetaStep({ kube, gitProtocols: local, env, workDir })).rejects.toBeInstanceOf(
        KubeNotFoundError,
      );
      expect(await readdir(workDir)).toEqual([]);
      const runs = await kube.pipelineRuns.list(namespace, { labelSelector: `${labels.id}=${started.name}` });
      expect(runs.items.map((item) => item.metadata.labels?.[ownLabels.pipelineRole])).toEqual(['meta']);
    } finally {
      await rm(workDir, { recursive: true });
    }
  });

  it("builds a push from the base commit with the release job's pipeline", async () => {
    const started = await startMetaPipeline(client, kube, request({}));
    const result = built(await runMetaStep({ kube, gitProtocols: local, env: parseStepEnv(started.env) }));
    expect(result.head).toBe(base);
    const [task] = (result.pipelineRun.spec.pipelineSpec?.tasks ?? []) as { taskSpec: { steps: object[] } }[];
    expect(task?.taskSpec.steps).toEqual([{ name: 'publish', image: 'golang:1.26', script: 'make publish' }]);
    expect(result.pipelineRun.spec.params).toContainEqual({ name: 'PULL_REFS', value: `main:${base}` });
  });

  it('fails the job with the conflict when a pull does not merge', async () => {
    const first = await repo.commit('left', { 'README.md': 'left\n' });
    const second = await repo.commit('right', { 'README.md': 'right\n' });
    const started = await startMetaPipeline(
      client,
      kube,
      request({
        pulls: [
          { number: 1, sha: first },
          { number: 2, sha: second },
        ],
      }),
    );

    const error = await runMetaStep({ kube, gitProtocols: local, env: parseStepEnv(started.env) }).catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(MergeConflictError);
    const status = await jobStatus(started.name);
    expect(status).toMatchObject({ state: 'failure', description: (error as Error).message });
    expect(status?.description).toContain('pull request #2');
    expect(status?.description).toContain('README.md');
    expect(status?.completionTime).toBeDefined();
    const runs = await kube.pipelineRuns.list(namespace, { labelSelector: `${labels.id}=${started.name}` });
    expect(runs.items).toHaveLength(1);
  });

  it('fails the job when the API server refuses the pipeline, and creates nothing', async () => {
    const sha = await repo.commit('typo', {
      '.lighthouse/jenkins-x/pullrequest.yaml': `apiVersion: tekton.dev/v1
kind: PipelineRun
spec:
  pipelineRef:
    name: build
  timeout: 1h
`,
    });
    const started = await startMetaPipeline(client, kube, request({ pulls: [{ number: 3, sha }] }));

    const error = await runMetaStep({ kube, gitProtocols: local, env: parseStepEnv(started.env) }).catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(PipelineRejectedError);
    expect((error as Error).message).toMatch(
      /^the API server rejected the build PipelineRun: .*spec\.timeout/,
    );
    expect(await jobStatus(started.name)).toMatchObject({
      state: 'failure',
      description: (error as Error).message,
    });
    await expect(kube.pipelineRuns.get(namespace, `${started.name}-build`)).rejects.toThrow(/not found/);
  });

  it('fails the job with a clear reason when the pipeline uses a remote catalog', async () => {
    const sha = await repo.commit('catalog', {
      '.lighthouse/jenkins-x/pullrequest.yaml': `apiVersion: tekton.dev/v1beta1
kind: PipelineRun
spec:
  pipelineSpec:
    tasks:
      - name: from-build-pack
        taskSpec:
          steps:
            - image: uses:jenkins-x/jx3-pipeline-catalog/tasks/git-clone/git-clone.yaml@versionStream
`,
    });
    const started = await startMetaPipeline(client, kube, request({ pulls: [{ number: 4, sha }] }));

    const error = await runMetaStep({ kube, gitProtocols: local, env: parseStepEnv(started.env) }).catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(UnsupportedPipelineError);
    expect(await jobStatus(started.name)).toMatchObject({
      state: 'failure',
      description: expect.stringContaining('remote catalog'),
    });
  });

  it('fails the job when a pipeline file links outside the checkout, without quoting the file there', async () => {
    const outside = join(repo.root, 'outside.yaml');
    await writeFile(outside, 'apiVersion: s3cr3t-token\nkind: Task\n');
    const sha = await repo.commit('link-out', {
      '.lighthouse/jenkins-x/pullrequest.yaml': { symlink: outside },
    });
    const started = await startMetaPipeline(client, kube, request({ pulls: [{ number: 6, sha }] }));

    const error = await runMetaStep({ kube, gitProtocols: local, env: parseStepEnv(started.env) }).catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(PipelineLoadError);
    const message =
      '.lighthouse/jenkins-x/pullrequest.yaml is a symbolic link, or is in one, that leads outside the repository';
    expect((error as Error).message).toBe(message);
    expect(await jobStatus(started.name)).toMatchObject({ state: 'failure', description: message });
  });

  it("runs the build as the request's service account, not the meta PipelineRun's", async () => {
    const started = await startMetaPipeline(client, kube, request({ serviceAccount: 'builder' }));
    const { pipelineRun } = built(
      await runMetaStep({ kube, gitProtocols: local, env: parseStepEnv(started.env) }),
    );
    expect(pipelineRun.spec.taskRunTemplate).toEqual({ serviceAccountName: 'builder' });
  });

  it("fails the job, and creates nothing, when the build would run as the meta step's service account", async () => {
    const started = await startMetaPipeline(client, kube, request({ serviceAccount: metaServiceAccount }));

    const error = await runMetaStep({ kube, gitProtocols: local, env: parseStepEnv(started.env) }).catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(BuildServiceAccountError);
    expect(await jobStatus(started.name)).toMatchObject({
      state: 'failure',
      description: `the build's service account is ${metaServiceAccount}, the meta step's own: the build must not run with its rights`,
    });
    await expect(kube.pipelineRuns.get(namespace, `${started.name}-build`)).rejects.toThrow(/not found/);
  });

  it.each(['aborted', 'failure'] as const)(
    'creates no build for a job that is %s already, and leaves its status alone',
    async (state) => {
      const started = await startMetaPipeline(client, kube, request({}));
      const finished = { state, description: 'superseded by a newer push' };
      await kube.lighthouseJobs.patchStatus(namespace, started.name, { status: finished });

      const result = await runMetaStep({ kube, gitProtocols: local, env: parseStepEnv(started.env) });
      expect(result).toMatchObject({ outcome: 'jobFinished', jobState: state, head: base });
      await expect(kube.pipelineRuns.get(namespace, `${started.name}-build`)).rejects.toThrow(/not found/);
      expect(await jobStatus(started.name)).toMatchObject(finished);
    },
  );

  it('leaves the state of a job that ended in error when the step fails', async () => {
    const sha = await repo.commit('no-pipeline', { '.lighthouse/jenkins-x/pullrequest.yaml': null });
    const started = await startMetaPipeline(client, kube, request({ pulls: [{ number: 5, sha }] }));
    const ended = { state: 'error', description: 'the meta PipelineRun could not start' } as const;
    await kube.lighthouseJobs.patchStatus(namespace, started.name, { status: ended });

    const error = await runMetaStep({ kube, gitProtocols: local, env: parseStepEnv(started.env) }).catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(PipelineLoadError);
    expect(await jobStatus(started.name)).toMatchObject(ended);
  });
});
