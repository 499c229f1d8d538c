// End to end: the meta step as the meta PipelineRun runs it, a process with the PipelineRun's step
// environment and a service account's rights, against the real API server with Tekton's CRDs.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { labels, ownLabels, type PipelineRun } from '@lighthouse-ts/crds';
import { createKubeClient, type KubeClient } from '@lighthouse-ts/kube';
import type { MetaPipelineClient } from '@lighthouse-ts/metapipeline-client';
import { createEmbeddedClient } from '@lighthouse-ts/metapipeline-client/embedded';
import type { TestCluster } from '@lighthouse-ts/testenv';
import { testCluster } from '@lighthouse-ts/testenv/vitest';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import {
  lighthouseFiles,
  type StartedMetaPipeline,
  startMetaPipeline,
} from '../../../packages/meta-step/test/meta-pipeline.ts';
import { TestRepository } from '../../../packages/meta-step/test/repository.ts';
import { killRunners, spawnRunner } from '../test/runner-process.ts';

/** The rights a meta step's service account needs, in its namespace. */
const metaStepRole = {
  apiVersion: 'rbac.authorization.k8s.io/v1',
  kind: 'Role',
  metadata: { name: 'lighthouse-meta-step' },
  rules: [
    { apiGroups: ['lighthouse.jenkins.io'], resources: ['lighthousejobs'], verbs: ['get'] },
    { apiGroups: ['lighthouse.jenkins.io'], resources: ['lighthousejobs/status'], verbs: ['patch'] },
    { apiGroups: ['tekton.dev'], resources: ['pipelineruns'], verbs: ['get', 'create'] },
  ],
};

/** Lighthouse's PipelineRun for PR 813 of jenkins-x/lighthouse, job `github`: what ours must look like. */
const lighthouseCase = join(
  inject('fixturesDir'),
  'lighthouse/pkg/engines/tekton/test_data/controller/start-pullrequest',
);
const lighthouse = {
  baseSha: 'e8d56b5ee9671599c75644af574a251dd3b94a5c',
  pullSha: 'dd64c739442d505cf5381e2a14b60968e8a0d86e',
  cloneUrl: 'https://github.com/jenkins-x/lighthouse.git',
  buildId: '7828158075477027098',
  jobId: 'f46327af-b47e-11ea-b797-9256b7b8d9b0',
};

describe('runner meta-step', () => {
  let cluster: TestCluster;
  let kube: KubeClient;
  let client: MetaPipelineClient;
  let namespace: string;
  let kubeconfig: string;
  let repo: TestRepository;
  let base: string;
  let keys = 0;

  beforeAll(async () => {
    cluster = await testCluster();
    const config = { kubeconfig: cluster.kubeconfigPath };
    kube = createKubeClient({ config });
    client = createEmbeddedClient({
      kube: { config },
      metaStep: { image: 'ghcr.io/lighthouse-ts/runner:test', command: ['runner', 'meta-step'] },
    });
    namespace = await cluster.createNamespace('meta-step');
    const user = `meta-step-${process.pid}`;
    await cluster.request(
      'POST',
      `/apis/rbac.authorization.k8s.io/v1/namespaces/${namespace}/roles`,
      metaStepRole,
    );
    await cluster.request('POST', `/apis/rbac.authorization.k8s.io/v1/namespaces/${namespace}/rolebindings`, {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'RoleBinding',
      metadata: { name: 'lighthouse-meta-step' },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: metaStepRole.metadata.name },
      subjects: [{ apiGroup: 'rbac.authorization.k8s.io', kind: 'User', name: user }],
    });
    kubeconfig = await cluster.userKubeconfig(user);
    repo = await TestRepository.create();
    base = await repo.commit('master', { 'README.md': 'lighthouse\n', ...lighthouseFiles });
  });
  afterAll(async () => {
    await killRunners();
    await client?.close();
    await kube?.close();
    await repo?.remove();
  });

  /** A pull request job on the repository, as the webhook of Lighthouse's test case would start it. */
  function startPullRequest(pulls: { number: number; sha: string }[]): Promise<StartedMetaPipeline> {
    return startMetaPipeline(client, kube, {
      idempotencyKey: `delivery-${process.pid}-${++keys}/github`,
      namespace,
      kind: 'pullrequest',
      jobName: 'github',
      rerunCommand: '/test github',
      pullRefs: {
        sourceUrl: repo.url,
        owner: 'jenkins-x',
        repo: 'lighthouse',
        baseBranch: 'master',
        baseSha: base,
        pulls: pulls.map((pull) => ({ ...pull, author: 'abayer' })),
      },
    });
  }

  async function runStep(env: Record<string, string>) {
    // The test repository is a local path, which git reaches over its `file` transport.
    const step = spawnRunner(['meta-step', '--git-protocols=file'], { ...env, KUBECONFIG: kubeconfig });
    return { ...(await step.exited), step };
  }

  it('creates the build PipelineRun Lighthouse would, once, and records it on the job', async () => {
    const pullSha = await repo.commit(
      'pr-813',
      { 'CHANGELOG.md': 'fix: better message\n' },
      { from: 'master' },
    );
    const started = await startPullRequest([{ number: 813, sha: pullSha }]);

    const { code, step } = await runStep(started.env);
    expect(code, step.output()).toBe(0);

    const buildName = `${started.name}-build`;
    const build = await kube.pipelineRuns.get(namespace, buildName);
    const job = await kube.lighthouseJobs.get(namespace, started.name);
    const buildId = job.metadata.labels?.[labels.buildNum] ?? '';
    // Lighthouse's run, with this repository's commits, URL, job and build number in place of its own.
    const ours = (text: string) =>
      text
        .replaceAll(lighthouse.baseSha, base)
        .replaceAll(lighthouse.pullSha, pullSha)
        .replaceAll(lighthouse.cloneUrl, repo.url)
        .replaceAll(lighthouse.buildId, buildId)
        .replaceAll(lighthouse.jobId, started.name);
    const expected = parseYaml(
      ours(await readFile(join(lighthouseCase, 'expected-pr.yml'), 'utf8')),
    ) as PipelineRun;

    // foo-param comes from a pipeline_run_params template of Lighthouse's job; branch-name and repo-url
    // are the parameters the pipeline's git-clone task takes, which both fill.
    expect(build.spec.params).toEqual(expected.spec.params?.filter((param) => param.name !== 'foo-param'));
    expect(build.metadata.labels).toEqual({ ...expected.metadata.labels, [ownLabels.pipelineRole]: 'build' });
    expect(build.metadata.annotations).toEqual(expected.metadata.annotations);
    expect(build.metadata.ownerReferences).toEqual([
      {
        apiVersion: 'lighthouse.jenkins.io/v1alpha1',
        kind: 'LighthouseJob',
        name: started.name,
        uid: job.metadata.uid,
        controller: true,
      },
    ]);
    expect(build.spec.taskRunTemplate?.serviceAccountName).toBe(
      expected.spec.taskRunTemplate?.serviceAccountName,
    );
    expect(build.spec.timeouts).toEqual(expected.spec.timeouts);
    expect(job.status).toMatchObject({
      state: 'pending',
      activityName: buildName,
      description: `build PipelineRun ${buildName} created`,
    });
    expect(step.logs.find((line) => line.msg === 'build PipelineRun created')).toMatchObject({
      pipelineRun: buildName,
      created: true,
    });

    const rerun = await runStep(started.env);
    expect(rerun.code, rerun.step.output()).toBe(0);
    expect(rerun.step.logs.some((line) => line.msg === 'build PipelineRun was already created')).toBe(true);
    const runs = await kube.pipelineRuns.list(namespace, { labelSelector: `${labels.id}=${started.name}` });
    expect(runs.items.map((run) => [run.metadata.name, run.metadata.uid]).sort()).toEqual(
      [
        [started.name, expect.any(String)],
        [buildName, build.metadata.uid],
      ].sort(),
    );
  });

  it('fails, and fails the job with the conflict, when a pull does not merge', async () => {
    const first = await repo.commit('pr-1', { 'README.md': 'first\n' }, { from: 'master' });
    const second = await repo.commit('pr-2', { 'README.md': 'second\n' }, { from: 'master' });
    const started = await startPullRequest([
      { number: 1, sha: first },
      { number: 2, sha: second },
    ]);

    const { code, step } = await runStep(started.env);
    expect(code, step.output()).toBe(1);

    const message = `pull request #2 (${second}) does not merge cleanly: conflicts in README.md`;
    const job = await kube.lighthouseJobs.get(namespace, started.name);
    expect(job.status).toMatchObject({ state: 'failure', description: message });
    expect(job.status?.completionTime).toEqual(expect.any(String));
    expect(step.logs.some((line) => line.msg === message)).toBe(true);
    await expect(kube.pipelineRuns.get(namespace, `${started.name}-build`)).rejects.toThrow(/not found/);
  });

  it('exits 2 naming what its environment lacks, before touching anything', async () => {
    const { code, step } = await runStep({ REPO_URL: repo.url, PIPELINE_KIND: 'pullrequest' });
    expect(code).toBe(2);
    expect(step.output()).toContain(
      "runner: the meta step's environment is incomplete: PULL_REFS is not set; JOB_NAME is not set; LIGHTHOUSE_JOB_NAME is not set; LIGHTHOUSE_JOB_NAMESPACE is not set",
    );
  });
});
