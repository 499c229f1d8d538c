// Each component's ServiceAccount may do exactly what its code does, in the release namespace only, as
// the API server's own RBAC decides (SubjectAccessReviews on the installed Roles and RoleBindings).
import { testCluster } from '@lighthouse-ts/testenv/vitest';
import { describe, expect, inject, it } from 'vitest';
import { helmTemplate } from './helm.ts';
import { type Access, allowed, apply } from './kube.ts';

const helm = inject('helm');

type Grants = Record<string, string[]>;

/**
 * The meta-pipeline client (packages/metapipeline-client/src/embedded) and the status sync
 * (packages/status-sync): whoever runs them, lighthouse embedded or the runner.
 */
const metapipeline: Grants = {
  'lighthouse.jenkins.io/lighthousejobs': ['create', 'get', 'list', 'watch'],
  'lighthouse.jenkins.io/lighthousejobs/status': ['patch', 'update'],
  'tekton.dev/pipelineruns': ['create', 'get', 'list', 'patch', 'watch'],
  'tekton.dev/taskruns': ['list', 'watch'],
  'tekton.dev/customruns': ['list', 'watch'],
  configmaps: ['create', 'get', 'update'],
};

/** The meta step (packages/meta-step), inside the meta PipelineRun, as tekton-bot. */
const metaStep: Grants = {
  'tekton.dev/pipelineruns': ['create', 'get'],
  'lighthouse.jenkins.io/lighthousejobs': ['get'],
  'lighthouse.jenkins.io/lighthousejobs/status': ['patch'],
};

const verbs = ['get', 'list', 'watch', 'create', 'update', 'patch', 'delete', 'deletecollection'];

/** What is asked of every ServiceAccount: what any of them needs, and what a foothold would want. */
const resources = [
  ...new Set([
    ...Object.keys(metapipeline),
    ...Object.keys(metaStep),
    'tekton.dev/pipelineruns/status',
    'tekton.dev/taskruns/status',
    'tekton.dev/tasks',
    'tekton.dev/pipelines',
    'secrets',
    'pods',
    'pods/exec',
    'serviceaccounts',
    'serviceaccounts/token',
    'events',
    'namespaces',
    'apps/deployments',
    'coordination.k8s.io/leases',
    'rbac.authorization.k8s.io/roles',
    'rbac.authorization.k8s.io/rolebindings',
    'apiextensions.k8s.io/customresourcedefinitions',
  ]),
];

const modes: Record<string, Record<string, Grants>> = {
  embedded: { 'ci-lighthouse': metapipeline, 'ci-lighthouse-runner': {}, 'tekton-bot': metaStep },
  remote: { 'ci-lighthouse': {}, 'ci-lighthouse-runner': metapipeline, 'tekton-bot': metaStep },
};

describe.each(Object.entries(modes))('RBAC in %s mode', (mode, serviceAccounts) => {
  it('lets each ServiceAccount do exactly what its component does, in its namespace, and nothing elsewhere', async () => {
    const cluster = await testCluster();
    const namespace = await cluster.createNamespace('rbac');
    const elsewhere = await cluster.createNamespace('elsewhere');
    for (const object of await helmTemplate(helm, { namespace, values: { 'metapipeline.mode': mode } })) {
      await apply(cluster, object);
    }

    const checks = Object.entries(serviceAccounts).flatMap(([name, grants]) =>
      resources.flatMap((resource) =>
        verbs.flatMap((verb) =>
          [namespace, elsewhere, ''].map((where) => ({
            serviceAccount: { namespace, name },
            access: { verb, resource, namespace: where } satisfies Access,
            expected: where === namespace && (grants[resource] ?? []).includes(verb),
          })),
        ),
      ),
    );
    const answers: ((typeof checks)[number] & { allowed: boolean })[] = [];
    // A few reviews at a time: a couple of thousand at once would only queue up in the API server.
    for (let i = 0; i < checks.length; i += 32) {
      const batch = checks.slice(i, i + 32);
      answers.push(
        ...(await Promise.all(
          batch.map(async (check) => ({
            ...check,
            allowed: await allowed(cluster, check.serviceAccount, check.access),
          })),
        )),
      );
    }
    const describe = ({ serviceAccount, access }: (typeof answers)[number]) =>
      `${serviceAccount.name} ${access.verb} ${access.resource} in ${access.namespace || 'all namespaces'}`;
    expect(answers.filter((a) => a.allowed).map(describe)).toEqual(
      answers.filter((a) => a.expected).map(describe),
    );
  });
});
