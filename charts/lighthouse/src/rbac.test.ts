// Each component's ServiceAccount may do exactly what its code does, in the jobs' namespace only, as
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

/**
 * The reporter (packages/reporter), beside the status sync: in lighthouse in embedded mode, in the runner
 * in remote mode.
 */
const reporter: Grants = {
  'coordination.k8s.io/leases': ['create', 'get', 'update'],
};

/** The meta step (packages/meta-step), inside the meta PipelineRun, as its own ServiceAccount. */
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

/**
 * Who gets what, in the jobs' namespace: each ServiceAccount, where it lives (lighthouse's and the
 * runner's beside their Deployments, the meta step's and the builds' in the jobs' namespace) and its grants.
 */
function serviceAccounts(mode: 'embedded' | 'remote'): [name: string, home: 'release' | 'jobs', Grants][] {
  return [
    ['ci-lighthouse', 'release', mode === 'embedded' ? { ...metapipeline, ...reporter } : {}],
    ['ci-lighthouse-runner', 'release', mode === 'remote' ? { ...metapipeline, ...reporter } : {}],
    // Named after the release (ci): `<fullname>-meta-step`.
    ['ci-lighthouse-meta-step', 'jobs', metaStep],
    // The builds' ServiceAccount, which the chart creates: it grants it nothing.
    ['tekton-bot', 'jobs', {}],
  ];
}

describe.each([
  { mode: 'embedded', ownJobsNamespace: false, jobs: 'the release namespace (allowJobsInReleaseNamespace)' },
  { mode: 'remote', ownJobsNamespace: false, jobs: 'the release namespace (allowJobsInReleaseNamespace)' },
  { mode: 'embedded', ownJobsNamespace: true, jobs: 'jobsNamespace' },
  { mode: 'remote', ownJobsNamespace: true, jobs: 'jobsNamespace' },
] as const)('RBAC in $mode mode, jobs in $jobs', ({ mode, ownJobsNamespace }) => {
  it('lets each ServiceAccount do exactly what its component does, in the jobs namespace, and nothing elsewhere', async () => {
    const cluster = await testCluster();
    const release = await cluster.createNamespace('rbac');
    const jobs = ownJobsNamespace ? await cluster.createNamespace('rbac-jobs') : release;
    const elsewhere = await cluster.createNamespace('elsewhere');
    const values = {
      'metapipeline.mode': mode,
      ...(ownJobsNamespace ? { jobsNamespace: jobs } : { allowJobsInReleaseNamespace: true }),
    };
    for (const object of await helmTemplate(helm, { namespace: release, values })) {
      await apply(cluster, object);
    }

    const checks = serviceAccounts(mode).flatMap(([name, home, grants]) =>
      resources.flatMap((resource) =>
        verbs.flatMap((verb) =>
          [...new Set([release, jobs, elsewhere, ''])].map((where) => ({
            serviceAccount: { namespace: home === 'jobs' ? jobs : release, name },
            access: { verb, resource, namespace: where } satisfies Access,
            expected: where === jobs && (grants[resource] ?? []).includes(verb),
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
