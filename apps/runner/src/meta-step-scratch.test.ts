// Where the meta step writes, which is what its read-only root filesystem must leave writable: the
// temporary directory (/tmp in the pod, an emptyDir) and nothing else; it needs no HOME at all.
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createKubeClient, type KubeClient } from '@lighthouse-ts/kube';
import type { MetaPipelineClient } from '@lighthouse-ts/metapipeline-client';
import { createEmbeddedClient, metaStepScratch } from '@lighthouse-ts/metapipeline-client/embedded';
import { testCluster } from '@lighthouse-ts/testenv/vitest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { lighthouseFiles, startMetaPipeline } from '../../../packages/meta-step/test/meta-pipeline.ts';
import { TestRepository } from '../../../packages/meta-step/test/repository.ts';
import { killRunners, spawnRunner } from '../test/runner-process.ts';

describe("the meta step's scratch space", () => {
  let kubeconfig: string;
  let kube: KubeClient;
  let client: MetaPipelineClient;
  let namespace: string;
  let repo: TestRepository;
  let base: string;
  let scratch: string;
  let keys = 0;

  beforeAll(async () => {
    const cluster = await testCluster();
    kubeconfig = cluster.kubeconfigPath;
    kube = createKubeClient({ config: { kubeconfig } });
    client = createEmbeddedClient({
      kube: { config: { kubeconfig } },
      metaStep: { image: 'ghcr.io/lighthouse-ts/runner:test', command: ['runner', 'meta-step'] },
    });
    namespace = await cluster.createNamespace('meta-step-scratch');
    repo = await TestRepository.create();
    base = await repo.commit('master', { 'README.md': 'lighthouse\n', ...lighthouseFiles });
    scratch = await mkdtemp(join(tmpdir(), 'meta-step-scratch-'));
  });
  afterAll(async () => {
    await killRunners();
    await client?.close();
    await kube?.close();
    await repo?.remove();
    await rm(scratch, { recursive: true, force: true });
  });

  /** Runs the step for a new job with only these variables besides the job's: no HOME unless given. */
  async function runStep(env: Record<string, string>) {
    const started = await startMetaPipeline(client, kube, {
      idempotencyKey: `scratch-${process.pid}-${++keys}/github`,
      namespace,
      kind: 'release',
      jobName: 'release',
      pullRefs: {
        sourceUrl: repo.url,
        owner: 'jenkins-x',
        repo: 'lighthouse',
        baseBranch: 'master',
        baseSha: base,
      },
    });
    // The test repository is a local path, which git reaches over its `file` transport.
    const step = spawnRunner(['meta-step', '--git-protocols=file'], {
      ...started.env,
      KUBECONFIG: kubeconfig,
      ...env,
    });
    return { ...(await step.exited), step, started };
  }

  it('is the temporary directory, which the pod mounts an emptyDir at', async () => {
    expect(metaStepScratch.mountPath).toBe('/tmp');
    // No TMPDIR in the pod (neither the image nor Tekton sets one): node's temporary directory is /tmp.
    const missing = await runStep({ TMPDIR: join(scratch, 'missing'), HOME: scratch });
    expect(missing.code, missing.step.output()).toBe(1);
    expect(missing.step.output()).toMatch(/ENOENT.*missing/);
  });

  it('is all it needs: with HOME a directory that does not exist, the step clones, merges and creates the build', async () => {
    const { code, step, started } = await runStep({ TMPDIR: scratch, HOME: '/nonexistent/home' });
    expect(code, step.output()).toBe(0);
    await expect(kube.pipelineRuns.get(namespace, `${started.name}-build`)).resolves.toBeDefined();
    // The checkout was made there, and removed once done.
    expect(await readdir(scratch)).toEqual([]);
  });
});
