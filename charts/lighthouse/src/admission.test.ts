// The chart's ValidatingAdmissionPolicy on a real API server: whoever may create PipelineRuns in the jobs'
// namespace (a person, another pipeline) can no longer make one that claims to be a job's meta or build
// PipelineRun; only the ServiceAccount that makes each may. The API server authenticates the creator,
// where a label, a name or an owner reference says only what its writer chose.
import type { TestCluster } from '@lighthouse-ts/testenv';
import { testCluster } from '@lighthouse-ts/testenv/vitest';
import { beforeAll, describe, expect, inject, it, vi } from 'vitest';
import { helmTemplate } from './helm.ts';
import { type Answer, apply, clientAs } from './kube.ts';

const helm = inject('helm');
const role = 'lighthouse-ts.dev/pipeline-role';

type Client = Awaited<ReturnType<typeof clientAs>>;

/** A PipelineRun claiming `claim` (a role, or nothing), owned by `owner` when given. */
function pipelineRun(name: string, claim?: 'meta' | 'build', owner?: { name: string; uid: string }) {
  return {
    apiVersion: 'tekton.dev/v1',
    kind: 'PipelineRun',
    metadata: {
      name,
      labels: {
        'lighthouse.jenkins-x.io/id': 'lighthouse-0123456789abcdef',
        ...(claim ? { [role]: claim } : {}),
      },
      ...(owner
        ? {
            ownerReferences: [
              {
                apiVersion: 'lighthouse.jenkins.io/v1alpha1',
                kind: 'LighthouseJob',
                ...owner,
                controller: true,
              },
            ],
          }
        : {}),
    },
    spec: {
      pipelineSpec: { tasks: [{ name: 't', taskSpec: { steps: [{ name: 's', image: 'busybox' }] } }] },
    },
  };
}

describe("the chart's admission policy for PipelineRuns", () => {
  let cluster: TestCluster;
  /** The release's namespace, where lighthouse's ServiceAccount lives. */
  let release: string;
  /** The jobs' namespace, where the runs are made and the policy applies. */
  let namespace: string;
  let someone: Client;
  let metaStep: Client;
  let lighthouse: Client;
  const runs = () => `/apis/tekton.dev/v1/namespaces/${namespace}/pipelineruns`;
  const create = (as: Client, run: object, dryRun = false) =>
    as('POST', `${runs()}${dryRun ? '?dryRun=All' : ''}`, run);
  const patch = (as: Client, name: string, change: object) =>
    as('PATCH', `${runs()}/${name}`, change, 'application/merge-patch+json');
  const refusal = (answer: Answer) => (JSON.parse(answer.body) as { message?: string }).message ?? '';

  beforeAll(async () => {
    cluster = await testCluster();
    release = await cluster.createNamespace('admission');
    // Short: a client certificate's name (system:serviceaccount:<namespace>:<name>) has 64 characters at most.
    namespace = await cluster.createNamespace('jobs');
    const objects = await helmTemplate(helm, { namespace: release, values: { jobsNamespace: namespace } });
    for (const object of objects.filter((o) => o.kind.startsWith('ValidatingAdmissionPolicy'))) {
      await apply(cluster, object);
    }
    // Each may write PipelineRuns here: the policy, not RBAC, is what tells them apart.
    const users = {
      someone: 'someone',
      metaStep: `system:serviceaccount:${namespace}:ci-lighthouse-meta-step`,
      lighthouse: `system:serviceaccount:${release}:ci-lighthouse`,
    };
    await cluster.request('POST', `/apis/rbac.authorization.k8s.io/v1/namespaces/${namespace}/roles`, {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'Role',
      metadata: { name: 'pipelinerun-writer' },
      rules: [
        {
          apiGroups: ['tekton.dev'],
          resources: ['pipelineruns'],
          verbs: ['create', 'get', 'update', 'patch'],
        },
      ],
    });
    await cluster.request('POST', `/apis/rbac.authorization.k8s.io/v1/namespaces/${namespace}/rolebindings`, {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'RoleBinding',
      metadata: { name: 'pipelinerun-writer' },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'pipelinerun-writer' },
      subjects: Object.values(users).map((name) => ({
        apiGroup: 'rbac.authorization.k8s.io',
        kind: 'User',
        name,
      })),
    });
    someone = await clientAs(cluster, users.someone);
    metaStep = await clientAs(cluster, users.metaStep);
    lighthouse = await clientAs(cluster, users.lighthouse);
    // The API server loads a new policy in the background: wait until it refuses (a hang guard, not a measure).
    await vi.waitFor(
      async () => expect((await create(someone, pipelineRun('probe', 'build'), true)).status).toBe(403),
      { timeout: 30_000, interval: 200 },
    );
  });

  it("refuses a build PipelineRun from anyone but the meta step's ServiceAccount, naming who may", async () => {
    const job = { name: 'lighthouse-0123456789abcdef', uid: '3c5e4a61-8f0e-4d1c-9b7a-2f6d1e0c9a11' };
    const refused = await create(someone, pipelineRun('lighthouse-0123456789abcdef-build', 'build', job));
    expect(refused.status).toBe(403);
    expect(refusal(refused)).toContain(
      `only the meta step (system:serviceaccount:${namespace}:ci-lighthouse-meta-step) may create a job's build PipelineRun`,
    );
    expect((await create(lighthouse, pipelineRun('by-lighthouse-build', 'build'))).status).toBe(403);
    expect(
      (await create(metaStep, pipelineRun('lighthouse-0123456789abcdef-build', 'build', job))).status,
    ).toBe(201);
  });

  it('refuses a meta PipelineRun from anyone but lighthouse (embedded mode)', async () => {
    const refused = await create(someone, pipelineRun('someones-meta', 'meta'));
    expect(refused.status).toBe(403);
    expect(refusal(refused)).toContain(`only system:serviceaccount:${release}:ci-lighthouse may create`);
    expect((await create(metaStep, pipelineRun('meta-steps-meta', 'meta'))).status).toBe(403);
    expect((await create(lighthouse, pipelineRun('lighthouses-meta', 'meta'))).status).toBe(201);
  });

  it('lets anyone create runs that claim no role, but not give one a claim later', async () => {
    expect((await create(someone, pipelineRun('plain'))).status).toBe(201);
    const relabelled = await patch(someone, 'plain', { metadata: { labels: { [role]: 'build' } } });
    expect(relabelled.status).toBe(403);
  });

  it('lets anyone update a claimed run that keeps its claims (Tekton, a cancel), but not give it a new owner', async () => {
    expect((await create(lighthouse, pipelineRun('claimed', 'meta'))).status).toBe(201);
    expect((await patch(someone, 'claimed', { spec: { status: 'Cancelled' } })).status).toBe(200);
    expect(
      (await patch(someone, 'claimed', { metadata: { labels: { 'tekton.dev/pipeline': 'claimed' } } }))
        .status,
    ).toBe(200);
    const adopted = await patch(someone, 'claimed', {
      metadata: {
        ownerReferences: [
          {
            apiVersion: 'lighthouse.jenkins.io/v1alpha1',
            kind: 'LighthouseJob',
            name: 'other',
            uid: 'f00',
            controller: true,
          },
        ],
      },
    });
    expect(adopted.status).toBe(403);
  });

  it('applies in the jobs’ namespace only', async () => {
    const elsewhere = await cluster.createNamespace('admission-elsewhere');
    for (const where of [release, elsewhere]) {
      const admin = (run: object) =>
        cluster.request('POST', `/apis/tekton.dev/v1/namespaces/${where}/pipelineruns`, run);
      await expect(admin(pipelineRun('anyones-build', 'build')), where).resolves.toBeDefined();
    }
  });
});
