// The meta step's container as Kubernetes sees it: Tekton's v1 Task schema (strict field validation, so
// a misnamed field fails) and the API server's Pod Security admission at its "restricted" level.
import { createKubeClient } from '@lighthouse-ts/kube';
import type { TestCluster } from '@lighthouse-ts/testenv';
import { testCluster } from '@lighthouse-ts/testenv/vitest';
import { beforeAll, describe, expect, it } from 'vitest';
import { MetaPipelineRequest } from '../schemas.ts';
import { pullRequestRequest } from '../testing/index.ts';
import { buildMetaPipeline, createEmbeddedClient, metaStepSecurityContext } from './index.ts';

const metaStep = { image: 'ghcr.io/lighthouse-ts/runner:test', command: ['runner', 'meta-step'] };

interface Step {
  name: string;
  image: string;
  command: string[];
  env: { name: string; value: string }[];
  computeResources?: object;
  securityContext?: object;
  volumeMounts?: object[];
}
interface TaskSpec {
  params: object[];
  steps: Step[];
  volumes?: object[];
}

function metaTaskSpec(resources?: object): TaskSpec {
  const request = MetaPipelineRequest.parse(pullRequestRequest('any'));
  const { pipelineRun } = buildMetaPipeline(request, {
    name: 'lighthouse-0123456789abcdef',
    buildNumber: 1,
    metaStep: { ...metaStep, ...(resources ? { resources } : {}) },
  });
  const tasks = (pipelineRun.spec.pipelineSpec as { tasks: { taskSpec: TaskSpec }[] }).tasks;
  return tasks[0]?.taskSpec as TaskSpec;
}

/** The Pod Tekton makes for the step, as far as the step decides it (Tekton adds its own init containers). */
function podOf(spec: TaskSpec, name: string) {
  const [step] = spec.steps;
  const { computeResources, ...container } = step as Step;
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name },
    spec: {
      containers: [{ ...container, resources: computeResources }],
      volumes: spec.volumes,
      restartPolicy: 'Never',
    },
  };
}

describe("the meta step's container", () => {
  let cluster: TestCluster;
  let restricted: string;

  beforeAll(async () => {
    cluster = await testCluster();
    restricted = await cluster.createNamespace('restricted');
    await cluster.request(
      'PATCH',
      `/api/v1/namespaces/${restricted}`,
      { metadata: { labels: { 'pod-security.kubernetes.io/enforce': 'restricted' } } },
      'application/merge-patch+json',
    );
  });

  const dryRun = (path: string, body: object) =>
    cluster.request('POST', `${path}?dryRun=All&fieldValidation=Strict`, body);
  const taskPath = () => `/apis/tekton.dev/v1/namespaces/${restricted}/tasks`;
  const podPath = () => `/api/v1/namespaces/${restricted}/pods`;

  it('is a Tekton v1 step as the Task schema declares one, its fields named as v1 names them', async () => {
    const spec = metaTaskSpec();
    const task = (body: TaskSpec) => ({
      apiVersion: 'tekton.dev/v1',
      kind: 'Task',
      metadata: { name: 'meta' },
      spec: body,
    });
    await expect(dryRun(taskPath(), task(spec))).resolves.toBeDefined();
    // The same step with v1beta1's `resources`: strict validation refuses what v1 does not name.
    const { computeResources, ...step } = spec.steps[0] as Step;
    await expect(
      dryRun(taskPath(), task({ ...spec, steps: [{ ...step, resources: computeResources } as Step] })),
    ).rejects.toThrow(/strict decoding error: unknown field \W*spec\.steps\[0\]\.resources/);
  });

  it('runs non-root, read-only, without privileges or capabilities: admitted where Pods must be restricted', async () => {
    await expect(dryRun(podPath(), podOf(metaTaskSpec(), 'meta'))).resolves.toBeDefined();
    // Without its securityContext the same Pod is refused there: the admission is what decides.
    const bare = podOf(metaTaskSpec(), 'bare');
    delete (bare.spec.containers[0] as { securityContext?: object }).securityContext;
    await expect(dryRun(podPath(), bare)).rejects.toThrow(/violates PodSecurity \W*restricted/);
  });

  it('writes only to its emptyDir at /tmp, and has requests and limits the API server takes', async () => {
    const spec = metaTaskSpec({
      requests: { cpu: '250m', memory: '300Mi' },
      limits: { cpu: '2', memory: '2Gi' },
    });
    const [step] = spec.steps;
    expect(step?.volumeMounts).toEqual([{ name: 'tmp', mountPath: '/tmp' }]);
    expect(spec.volumes).toEqual([{ name: 'tmp', emptyDir: {} }]);
    const admitted = (await dryRun(podPath(), podOf(spec, 'sized'))) as {
      spec: { containers: { resources: object }[] };
    };
    expect(admitted.spec.containers[0]?.resources).toEqual({
      requests: { cpu: '250m', memory: '300Mi' },
      limits: { cpu: '2', memory: '2Gi' },
    });
  });

  it('is stored in the meta PipelineRun the client creates as it was built', async () => {
    const namespace = await cluster.createNamespace('meta-step-pod');
    const config = { kubeconfig: cluster.kubeconfigPath };
    const client = createEmbeddedClient({ kube: { config }, metaStep });
    const kube = createKubeClient({ config });
    try {
      const created = await client.create(pullRequestRequest(namespace));
      const run = await kube.pipelineRuns.get(namespace, created.ref.name);
      const stored = (run.spec.pipelineSpec as { tasks: { taskSpec: TaskSpec }[] }).tasks[0]?.taskSpec;
      expect(stored?.steps[0]).toMatchObject({
        securityContext: metaStepSecurityContext,
        computeResources: { requests: { cpu: '100m', memory: '256Mi' }, limits: { memory: '1Gi' } },
        volumeMounts: [{ name: 'tmp', mountPath: '/tmp' }],
      });
      expect(stored?.volumes).toEqual([{ name: 'tmp', emptyDir: {} }]);
    } finally {
      await client.close();
      await kube.close();
    }
  });
});
