// The API calls the chart's tests make on the test cluster: apply any rendered object (found through API
// discovery, so every kind is sent where the API server serves it), ask whether a ServiceAccount may do
// something, and call the API as a given user.
import { readFile } from 'node:fs/promises';
import { request as httpsRequest } from 'node:https';
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

export interface Answer {
  status: number;
  body: string;
}

/**
 * A client authenticated as `user` (with `groups`), as the API server sees a ServiceAccount or a person:
 * a client certificate for that name. Its calls answer with the status and body, whatever they are.
 */
export async function clientAs(
  cluster: TestCluster,
  user: string,
  groups: string[] = [],
): Promise<(method: string, path: string, body?: unknown, contentType?: string) => Promise<Answer>> {
  const config = JSON.parse(await readFile(await cluster.userKubeconfig(user, groups), 'utf8')) as {
    clusters: { cluster: { server: string; 'certificate-authority-data': string } }[];
    users: { user: { 'client-certificate-data': string; 'client-key-data': string } }[];
  };
  const server = config.clusters[0]?.cluster;
  const credentials = config.users[0]?.user;
  if (!server || !credentials) throw new Error(`no cluster or user in the kubeconfig of ${user}`);
  const decode = (data: string) => Buffer.from(data, 'base64');
  return (method, path, body, contentType = 'application/json') => {
    const payload = body === undefined ? undefined : JSON.stringify(body);
    return new Promise<Answer>((resolve, reject) => {
      const req = httpsRequest(
        new URL(path, server.server),
        {
          method,
          ca: decode(server['certificate-authority-data']),
          cert: decode(credentials['client-certificate-data']),
          key: decode(credentials['client-key-data']),
          headers: payload ? { 'content-type': contentType } : {},
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (chunk: Buffer) => chunks.push(chunk));
          res.on('end', () =>
            resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString() }),
          );
          res.on('error', reject);
        },
      );
      req.on('error', reject);
      req.end(payload);
    });
  };
}
