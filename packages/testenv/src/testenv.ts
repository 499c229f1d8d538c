import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { openSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { promisify } from 'node:util';
import { apiRequest } from './api.ts';
import { type Binaries, resolveBinaries } from './binaries.ts';
import { type ClusterState, stateFileName, TestCluster } from './cluster.ts';
import { createPki, issueClientCertificate } from './pki.ts';

export interface StartOptions {
  /** Files or directories of CustomResourceDefinitions to install before start() returns. */
  crds?: string[];
  /** Keep state (certificates, kubeconfig, etcd data) here instead of a new temporary directory. */
  stateDir?: string;
  binaries?: Binaries;
  /** Progress lines (binary builds, readiness). */
  log?: (line: string) => void;
  /** How long to wait for etcd and the API server to become ready. */
  readyTimeoutMs?: number;
}

interface Managed {
  name: string;
  command: string;
  args: string[];
  logFile: string;
  child?: ChildProcess;
  exited?: Promise<void>;
}

const running = new Set<TestEnv>();
process.once('exit', () => {
  // Last resort when the owner exits without stop(): never leave etcd or an API server behind.
  for (const env of running) env.killNow();
});

/**
 * A real etcd and kube-apiserver (TLS, client-certificate auth, RBAC) on free loopback ports, started
 * and owned by this process. `stop()` ends only the processes it started.
 */
export class TestEnv extends TestCluster {
  readonly #etcd: Managed;
  readonly #apiserver: Managed;
  readonly #ownsStateDir: boolean;
  readonly #readyTimeoutMs: number;

  private constructor(
    stateDir: string,
    state: ClusterState,
    processes: { etcd: Managed; apiserver: Managed },
    ownsStateDir: boolean,
    readyTimeoutMs: number,
  ) {
    super(stateDir, state, {
      cert: join(state.pki.dir, 'user-admin.crt'),
      key: join(state.pki.dir, 'user-admin.key'),
    });
    this.#etcd = processes.etcd;
    this.#apiserver = processes.apiserver;
    this.#ownsStateDir = ownsStateDir;
    this.#readyTimeoutMs = readyTimeoutMs;
  }

  static async start(options: StartOptions = {}): Promise<TestEnv> {
    const log = options.log ?? (() => {});
    const binaries = options.binaries ?? (await resolveBinaries({ log }));
    const ownsStateDir = options.stateDir === undefined;
    const stateDir = options.stateDir ?? (await mkdtemp(join(tmpdir(), 'lighthouse-testenv-')));
    await mkdir(stateDir, { recursive: true });
    const pki = await createPki(join(stateDir, 'pki'));
    await issueClientCertificate(pki, 'admin', ['system:masters']);
    const [etcdPort, etcdPeerPort, apiPort] = await freePorts(3);
    const etcdUrl = `http://127.0.0.1:${etcdPort}`;
    const peerUrl = `http://127.0.0.1:${etcdPeerPort}`;
    const etcd: Managed = {
      name: 'etcd',
      command: binaries.etcd,
      logFile: join(stateDir, 'etcd.log'),
      args: [
        '--name=testenv',
        `--data-dir=${join(stateDir, 'etcd')}`,
        `--listen-client-urls=${etcdUrl}`,
        `--advertise-client-urls=${etcdUrl}`,
        `--listen-peer-urls=${peerUrl}`,
        `--initial-advertise-peer-urls=${peerUrl}`,
        `--initial-cluster=testenv=${peerUrl}`,
        '--log-level=warn',
        ...((await supportsFlag(binaries.etcd, 'unsafe-no-fsync')) ? ['--unsafe-no-fsync=true'] : []),
      ],
    };
    const server = `https://127.0.0.1:${apiPort}`;
    const apiserver: Managed = {
      name: 'kube-apiserver',
      command: binaries.kubeApiserver,
      logFile: join(stateDir, 'kube-apiserver.log'),
      args: [
        `--etcd-servers=${etcdUrl}`,
        '--bind-address=127.0.0.1',
        '--advertise-address=127.0.0.1',
        `--secure-port=${apiPort}`,
        `--tls-cert-file=${pki.server.cert}`,
        `--tls-private-key-file=${pki.server.key}`,
        `--client-ca-file=${pki.ca.cert}`,
        '--authorization-mode=RBAC',
        '--service-cluster-ip-range=10.0.0.0/24',
        '--service-account-issuer=https://kubernetes.default.svc.cluster.local',
        `--service-account-key-file=${pki.serviceAccountPublicKey}`,
        `--service-account-signing-key-file=${pki.serviceAccountKey}`,
        // No controller-manager runs here to create default ServiceAccounts or reconcile endpoints.
        '--disable-admission-plugins=ServiceAccount',
        '--endpoint-reconciler-type=none',
        '--allow-privileged=true',
        '--profiling=false',
      ],
    };
    const state: ClusterState = { server, pki };
    await writeFile(join(stateDir, stateFileName), `${JSON.stringify(state, null, 2)}\n`);
    const env = new TestEnv(
      stateDir,
      state,
      { etcd, apiserver },
      ownsStateDir,
      options.readyTimeoutMs ?? 120_000,
    );
    running.add(env);
    try {
      log('testenv: starting etcd');
      env.#spawn(etcd);
      await env.#waitFor(etcd, () => etcdHealthy(etcdUrl));
      log('testenv: starting kube-apiserver');
      await env.startApiServer();
      await env.writeKubeconfig(env.kubeconfigPath, 'admin', env.admin);
      if (options.crds?.length) {
        log(`testenv: installing CRDs from ${options.crds.join(', ')}`);
        await env.installCrds(options.crds);
      }
    } catch (error) {
      await env.stop();
      throw error;
    }
    log(`testenv: ready at ${server}`);
    return env;
  }

  /** Stops the kube-apiserver (etcd and its data stay); `startApiServer()` brings it back on the same port. */
  async stopApiServer(): Promise<void> {
    await stopProcess(this.#apiserver);
  }

  async startApiServer(): Promise<void> {
    this.#spawn(this.#apiserver);
    const credentials = await this.credentials();
    await this.#waitFor(this.#apiserver, async () => {
      const res = await apiRequest(credentials, 'GET', '/readyz').catch(() => undefined);
      return res?.status === 200;
    });
  }

  async stop(): Promise<void> {
    running.delete(this);
    await stopProcess(this.#apiserver);
    await stopProcess(this.#etcd);
    if (this.#ownsStateDir) await rm(this.stateDir, { recursive: true, force: true });
  }

  /** Synchronous SIGKILL of whatever is still running; for process exit only. */
  killNow(): void {
    for (const managed of [this.#apiserver, this.#etcd]) {
      if (managed.child?.exitCode === null && managed.child.signalCode === null)
        managed.child.kill('SIGKILL');
    }
  }

  #spawn(managed: Managed): void {
    const out = openSync(managed.logFile, 'a');
    const child = spawn(managed.command, managed.args, { stdio: ['ignore', out, out] });
    managed.child = child;
    managed.exited = new Promise((resolve) => child.once('exit', () => resolve()));
  }

  async #waitFor(managed: Managed, ready: () => Promise<boolean>): Promise<void> {
    const deadline = Date.now() + this.#readyTimeoutMs;
    for (;;) {
      if (await ready()) return;
      const child = managed.child;
      if (!child || child.exitCode !== null || child.signalCode !== null) {
        throw new Error(`testenv: ${managed.name} exited while starting:\n${await tail(managed.logFile)}`);
      }
      if (Date.now() > deadline) {
        throw new Error(
          `testenv: ${managed.name} not ready after ${this.#readyTimeoutMs} ms:\n${await tail(managed.logFile)}`,
        );
      }
      await sleep(200);
    }
  }
}

async function stopProcess(managed: Managed, graceMs = 10_000): Promise<void> {
  const child = managed.child;
  if (!child || child.exitCode !== null || child.signalCode !== null) return;
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
  await managed.exited;
  clearTimeout(timer);
}

async function etcdHealthy(url: string): Promise<boolean> {
  try {
    const res = await fetch(`${url}/health`, { signal: AbortSignal.timeout(2000) });
    return res.ok && ((await res.json()) as { health?: string }).health === 'true';
  } catch {
    return false;
  }
}

async function supportsFlag(binary: string, flag: string): Promise<boolean> {
  const { stdout, stderr } = await promisify(execFile)(binary, ['--help'], {
    maxBuffer: 8 * 1024 * 1024,
  }).catch((error: { stdout?: string; stderr?: string }) => ({
    stdout: error.stdout ?? '',
    stderr: error.stderr ?? '',
  }));
  return `${stdout}${stderr}`.includes(`--${flag}`);
}

async function freePorts(count: number): Promise<number[]> {
  const servers = await Promise.all(
    Array.from(
      { length: count },
      () =>
        new Promise<ReturnType<typeof createServer>>((resolve, reject) => {
          const server = createServer();
          server.once('error', reject);
          server.listen(0, '127.0.0.1', () => resolve(server));
        }),
    ),
  );
  const ports = servers.map((s) => (s.address() as { port: number }).port);
  await Promise.all(servers.map((s) => new Promise((resolve) => s.close(resolve))));
  return ports;
}

async function tail(file: string, lines = 40): Promise<string> {
  const text = await readFile(file, 'utf8').catch(() => '');
  return text.split('\n').slice(-lines).join('\n');
}
