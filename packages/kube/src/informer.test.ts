import { readFile, writeFile } from 'node:fs/promises';
import { type AddressInfo, connect, createServer, type Server, type Socket } from 'node:net';
import { type LighthouseJob, labels } from '@lighthouse-ts/crds';
import { loadConfig, TestEnv } from '@lighthouse-ts/testenv';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createKubeClient, type KubeClient } from './client.ts';
import { Informer } from './informer.ts';

const job = (name: string): LighthouseJob => ({
  apiVersion: 'lighthouse.jenkins.io/v1alpha1',
  kind: 'LighthouseJob',
  metadata: { name, labels: { [labels.job]: 'watched' } },
  spec: { type: 'postsubmit', job: 'watched', refs: { org: 'o', repo: 'r', base_ref: 'main' } },
});

async function until(condition: () => boolean, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

// These tests stop and start the API server, so they run on a cluster of their own.
describe('Informer across API server restarts', () => {
  let env: TestEnv;
  let kube: KubeClient;
  let namespace: string;
  let informer: Informer<LighthouseJob>;
  const seen: string[] = [];
  const retries: unknown[] = [];
  let syncs = 0;

  beforeAll(async () => {
    env = await TestEnv.start({ crds: (await loadConfig()).crds });
    kube = createKubeClient({ config: { kubeconfig: env.kubeconfigPath }, retry: { attempts: 1 } });
    namespace = await env.createNamespace('informer');
    informer = new Informer(kube.lighthouseJobs, {
      namespace,
      backoff: { baseDelayMs: 50, maxDelayMs: 500 },
    });
    informer.on('add', (o) => seen.push(`add ${o.metadata.name}`));
    informer.on('update', (o) => seen.push(`update ${o.metadata.name}`));
    informer.on('delete', (o) => seen.push(`delete ${o.metadata.name}`));
    informer.on('synced', () => syncs++);
    informer.on('retry', (error) => retries.push(error));
    await kube.lighthouseJobs.create(namespace, job('before-start'));
    await informer.start();
  });
  afterAll(async () => {
    await informer?.stop();
    await kube?.close();
    await env?.stop();
  });

  it('fills its cache from a list, then follows changes', async () => {
    expect(informer.list().map((j) => j.metadata.name)).toEqual(['before-start']);
    await kube.lighthouseJobs.create(namespace, job('a'));
    await kube.lighthouseJobs.patch(namespace, 'a', { spec: { context: 'changed' } });
    await kube.lighthouseJobs.delete(namespace, 'before-start');
    await until(() => seen.length >= 4);
    expect(seen).toEqual(['add before-start', 'add a', 'update a', 'delete before-start']);
    expect(informer.get(namespace, 'a')?.spec.context).toBe('changed');
  });

  it('stops when its signal aborts, and lets go of the watch', async () => {
    const abort = new AbortController();
    const stopping = new Informer(kube.lighthouseJobs, { namespace });
    const added: string[] = [];
    stopping.on('add', (o) => added.push(o.metadata.name ?? ''));
    await stopping.start(abort.signal);
    abort.abort();
    await stopping.stop();
    await kube.lighthouseJobs.create(namespace, job('after-abort'));
    await until(() => informer.get(namespace, 'after-abort') !== undefined);
    expect(added).not.toContain('after-abort');
  });

  it('keeps delivering events after the kube-apiserver process restarts', async () => {
    await env.stopApiServer();
    await env.startApiServer();
    await kube.lighthouseJobs.create(namespace, job('after-restart'));
    await until(() => informer.get(namespace, 'after-restart') !== undefined);
    expect(retries.length).toBeGreaterThan(0);
  }, 120_000);

  it('lists again when the server no longer has its resourceVersion (410), and converges', async () => {
    // The informer reaches the API server through a proxy the test can cut, so changes happen unseen.
    const proxy = await TcpProxy.start(new URL(env.server).port);
    const cut = createKubeClient({
      config: { kubeconfig: await kubeconfigVia(env.kubeconfigPath, proxy.port) },
      retry: { attempts: 1 },
    });
    const viaProxy = new Informer(cut.lighthouseJobs, {
      namespace,
      backoff: { baseDelayMs: 50, maxDelayMs: 200 },
    });
    const events: string[] = [];
    let relists = 0;
    viaProxy.on('add', (o) => events.push(`add ${o.metadata.name}`));
    viaProxy.on('delete', (o) => events.push(`delete ${o.metadata.name}`));
    viaProxy.on('synced', () => relists++);
    try {
      await viaProxy.start();
      expect(relists).toBe(1);
      const before = viaProxy
        .list()
        .map((j) => j.metadata.name)
        .sort();

      proxy.cut();
      await kube.lighthouseJobs.delete(namespace, 'a');
      await kube.lighthouseJobs.create(namespace, job('while-away'));
      // A restarted API server's watch cache starts at the current revision: older ones are gone.
      await env.stopApiServer();
      await env.startApiServer();
      proxy.resume();

      await until(() => viaProxy.get(namespace, 'while-away') !== undefined && !viaProxy.get(namespace, 'a'));
      expect(relists).toBe(2);
      expect(events.slice(before.length)).toEqual(expect.arrayContaining(['delete a', 'add while-away']));
      const direct = await kube.lighthouseJobs.list(namespace);
      expect(
        viaProxy
          .list()
          .map((j) => j.metadata.name)
          .sort(),
      ).toEqual(direct.items.map((j) => j.metadata.name).sort());
    } finally {
      await viaProxy.stop();
      await cut.close();
      await proxy.close();
    }
  }, 120_000);
});

/** Forwards loopback TCP to the API server until cut: then drops open connections and refuses new ones. */
class TcpProxy {
  readonly port: number;
  readonly #server: Server;
  readonly #sockets = new Set<Socket>();
  #open = true;

  private constructor(server: Server) {
    this.#server = server;
    this.port = (server.address() as AddressInfo).port;
  }

  static async start(targetPort: string): Promise<TcpProxy> {
    const server = createServer();
    const proxy = new TcpProxy(
      await new Promise<Server>((resolve) => server.listen(0, '127.0.0.1', () => resolve(server))),
    );
    server.on('connection', (client) => {
      if (!proxy.#open) return client.destroy();
      const upstream = connect(Number(targetPort), '127.0.0.1');
      for (const socket of [client, upstream]) {
        proxy.#sockets.add(socket);
        socket.on('close', () => proxy.#sockets.delete(socket));
        socket.on('error', () => {});
      }
      client.pipe(upstream).pipe(client);
    });
    return proxy;
  }

  cut(): void {
    this.#open = false;
    for (const socket of this.#sockets) socket.destroy();
  }

  resume(): void {
    this.#open = true;
  }

  close(): Promise<void> {
    this.cut();
    return new Promise((resolve) => this.#server.close(() => resolve()));
  }
}

async function kubeconfigVia(path: string, port: number): Promise<string> {
  const config = JSON.parse(await readFile(path, 'utf8'));
  config.clusters[0].cluster.server = `https://127.0.0.1:${port}`;
  const proxied = `${path}.proxied`;
  await writeFile(proxied, JSON.stringify(config));
  return proxied;
}
