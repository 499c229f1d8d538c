// The two API calls the chart's tests make on the test cluster: apply any rendered object (found through
// API discovery, so every kind is sent where the API server serves it) and ask whether a ServiceAccount
// may do something.
import type { TestCluster } from '@lighthouse-ts/testenv';
import type { Manifest } from './helm.ts';

interface ApiResource {
  name: string;
  kind: string;
  namespaced: boolean;
}

const discovered = new Map<string, Promise<ApiResource[]>>();

function discover(cluster: TestCluster, base: string): Promise<ApiResource[]> {
  let resources = discovered.get(base);
  if (!resources) {
    resources = cluster.request('GET', base).then((list) => (list as { resources: ApiResource[] }).resources);
    discovered.set(base, resources);
  }
  return resources;
}

/** Server-side apply of `object`, persisted or (dryRun) only validated and admitted. */
export async function apply(
  cluster: TestCluster,
  object: Manifest,
  { dryRun = false } = {},
): Promise<unknown> {
  const base = object.apiVersion.includes('/') ? `/apis/${object.apiVersion}` : `/api/${object.apiVersion}`;
  const resource = (await discover(cluster, base)).find(
    (r) => r.kind === object.kind && !r.name.includes('/'),
  );
  if (!resource) throw new Error(`the API server serves no ${object.kind} in ${object.apiVersion}`);
  const scope = resource.namespaced ? `/namespaces/${object.metadata.namespace}` : '';
  const query = `fieldManager=chart-test&force=true${dryRun ? '&dryRun=All' : ''}`;
  return cluster.request(
    'PATCH',
    `${base}${scope}/${resource.name}/${object.metadata.name}?${query}`,
    object,
    'application/apply-patch+yaml',
  );
}

export interface Access {
  verb: string;
  /** `group/resource[/subresource]`, or `resource[/subresource]` for the core group. */
  resource: string;
  /** Empty: across all namespaces. */
  namespace: string;
}

/** Whether the ServiceAccount `namespace/name` may do `access`, as RBAC on the API server decides. */
export async function allowed(
  cluster: TestCluster,
  serviceAccount: { namespace: string; name: string },
  access: Access,
): Promise<boolean> {
  const [group, resource, subresource] = splitResource(access.resource);
  const review = (await cluster.request('POST', '/apis/authorization.k8s.io/v1/subjectaccessreviews', {
    apiVersion: 'authorization.k8s.io/v1',
    kind: 'SubjectAccessReview',
    spec: {
      user: `system:serviceaccount:${serviceAccount.namespace}:${serviceAccount.name}`,
      groups: [
        'system:serviceaccounts',
        `system:serviceaccounts:${serviceAccount.namespace}`,
        'system:authenticated',
      ],
      resourceAttributes: {
        namespace: access.namespace,
        verb: access.verb,
        group,
        resource,
        ...(subresource ? { subresource } : {}),
      },
    },
  })) as { status?: { allowed?: boolean } };
  return review.status?.allowed === true;
}

function splitResource(resource: string): [group: string, resource: string, subresource?: string] {
  const parts = resource.split('/');
  // A group has a dot; a core resource has none (`configmaps`, `pods/log`).
  if (parts[0]?.includes('.')) return [parts[0], parts[1] ?? '', parts[2]];
  return ['', parts[0] ?? '', parts[1]];
}
