import { randomBytes } from 'node:crypto';
import { mkdir, readdir, readFile, stat, writeFile } from 'node:fs/promises';
import { extname, join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseAllDocuments } from 'yaml';
import { apiCall, apiRequest, type Credentials } from './api.ts';
import { issueClientCertificate, type KeyPair, type Pki } from './pki.ts';

/** What a running test cluster leaves in its state directory, so other processes can attach to it. */
export interface ClusterState {
  server: string;
  pki: Pki;
}

export const stateFileName = 'testenv.json';

/**
 * A running kube-apiserver to talk to: its kubeconfig, users with their own certificates, namespaces
 * and CRDs. Attach to one another process started with {@link TestCluster.attach}.
 */
export class TestCluster {
  readonly stateDir: string;
  readonly server: string;
  readonly kubeconfigPath: string;
  readonly pki: Pki;
  readonly admin: KeyPair;

  constructor(stateDir: string, state: ClusterState, admin: KeyPair) {
    this.stateDir = stateDir;
    this.server = state.server;
    this.pki = state.pki;
    this.admin = admin;
    this.kubeconfigPath = join(stateDir, 'kubeconfig');
  }

  static async attach(stateDir: string): Promise<TestCluster> {
    const state = JSON.parse(await readFile(join(stateDir, stateFileName), 'utf8')) as ClusterState;
    const admin = { cert: join(state.pki.dir, 'user-admin.crt'), key: join(state.pki.dir, 'user-admin.key') };
    return new TestCluster(stateDir, state, admin);
  }

  async credentials(pair: KeyPair = this.admin): Promise<Credentials> {
    const [ca, cert, key] = await Promise.all([
      readFile(this.pki.ca.cert),
      readFile(pair.cert),
      readFile(pair.key),
    ]);
    return { server: this.server, ca, cert, key };
  }

  /** One API call as the admin user; the parsed JSON answer, or an error carrying status and body. */
  async request(method: string, path: string, body?: unknown, contentType?: string): Promise<unknown> {
    return apiCall(await this.credentials(), method, path, body, contentType);
  }

  /**
   * How many requests the API server has served, by `VERB resource` or `VERB resource/subresource` (its
   * apiserver_request_total, summed over the other labels): the difference across a piece of work is what
   * that work cost the server.
   */
  async requestCounts(): Promise<Map<string, number>> {
    const { status, body } = await apiRequest(await this.credentials(), 'GET', '/metrics');
    if (status !== 200) throw new Error(`testenv: GET /metrics answered ${status}`);
    const counts = new Map<string, number>();
    for (const line of body.split('\n')) {
      if (!line.startsWith('apiserver_request_total{')) continue;
      const verb = /[{,]verb="([^"]*)"/.exec(line)?.[1];
      const resource = /[{,]resource="([^"]*)"/.exec(line)?.[1];
      const subresource = /[{,]subresource="([^"]*)"/.exec(line)?.[1];
      const value = Number(line.slice(line.lastIndexOf(' ') + 1));
      if (!verb || !Number.isFinite(value)) continue;
      const key = `${verb} ${[resource, subresource].filter(Boolean).join('/')}`.trim();
      counts.set(key, (counts.get(key) ?? 0) + value);
    }
    return counts;
  }

  /** Writes a self-contained kubeconfig for a client-certificate user and returns its path. */
  async writeKubeconfig(path: string, user: string, pair: KeyPair, namespace?: string): Promise<string> {
    const { ca, cert, key } = await this.credentials(pair);
    const config = {
      apiVersion: 'v1',
      kind: 'Config',
      clusters: [
        {
          name: 'testenv',
          cluster: { server: this.server, 'certificate-authority-data': ca.toString('base64') },
        },
      ],
      users: [
        {
          name: user,
          user: {
            'client-certificate-data': cert.toString('base64'),
            'client-key-data': key.toString('base64'),
          },
        },
      ],
      contexts: [
        { name: 'testenv', context: { cluster: 'testenv', user, ...(namespace ? { namespace } : {}) } },
      ],
      'current-context': 'testenv',
    };
    await writeFile(path, `${JSON.stringify(config, null, 2)}\n`, { mode: 0o600 });
    return path;
  }

  /**
   * A kubeconfig for a new user with no permissions beyond what RBAC grants `user` and `groups`
   * (nothing, until a test binds a role).
   */
  async userKubeconfig(user: string, groups: string[] = []): Promise<string> {
    const pair = await issueClientCertificate(this.pki, user, groups);
    const dir = join(this.stateDir, 'users');
    await mkdir(dir, { recursive: true });
    return this.writeKubeconfig(join(dir, `${user}.kubeconfig`), user, pair);
  }

  /** A fresh namespace with a unique name; tests isolate themselves in one. */
  async createNamespace(prefix = 'test'): Promise<string> {
    const name = `${prefix}-${randomBytes(4).toString('hex')}`;
    await apiCall(await this.credentials(), 'POST', '/api/v1/namespaces', {
      apiVersion: 'v1',
      kind: 'Namespace',
      metadata: { name },
    });
    return name;
  }

  /** Applies every CustomResourceDefinition in the given files or directories and waits until each is Established. */
  async installCrds(paths: string[], timeoutMs = 60_000): Promise<string[]> {
    const credentials = await this.credentials();
    const names: string[] = [];
    for (const crd of await readCrds(paths)) {
      const name = crd.metadata.name;
      await apiCall(
        credentials,
        'PATCH',
        `/apis/apiextensions.k8s.io/v1/customresourcedefinitions/${name}?fieldManager=testenv&force=true`,
        crd,
        'application/apply-patch+yaml',
      );
      names.push(name);
    }
    const deadline = Date.now() + timeoutMs;
    for (const name of names) {
      while (!(await isEstablished(credentials, name))) {
        if (Date.now() > deadline)
          throw new Error(`testenv: CRD ${name} was not Established in ${timeoutMs} ms`);
        await sleep(100);
      }
    }
    return names;
  }
}

interface Crd {
  kind: string;
  metadata: { name: string };
}

async function readCrds(paths: string[]): Promise<Crd[]> {
  const files: string[] = [];
  for (const path of paths) {
    const info = await stat(path).catch(() => {
      throw new Error(`testenv: CRD path ${path} does not exist`);
    });
    if (info.isDirectory()) {
      const entries = (await readdir(path))
        .filter((f) => ['.yaml', '.yml', '.json'].includes(extname(f)))
        .sort();
      files.push(...entries.map((f) => join(path, f)));
    } else {
      files.push(path);
    }
  }
  const crds: Crd[] = [];
  for (const file of files) {
    for (const doc of parseAllDocuments(await readFile(file, 'utf8'))) {
      if (doc.errors.length > 0) throw new Error(`testenv: ${file}: ${doc.errors[0]?.message}`);
      const object = doc.toJS() as Crd | null;
      if (object?.kind === 'CustomResourceDefinition') crds.push(object);
    }
  }
  return crds;
}

async function isEstablished(credentials: Credentials, name: string): Promise<boolean> {
  const res = await apiRequest(
    credentials,
    'GET',
    `/apis/apiextensions.k8s.io/v1/customresourcedefinitions/${name}`,
  );
  if (res.status !== 200) return false;
  const crd = JSON.parse(res.body) as { status?: { conditions?: { type: string; status: string }[] } };
  return crd.status?.conditions?.some((c) => c.type === 'Established' && c.status === 'True') ?? false;
}
