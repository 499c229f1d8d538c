import { EventEmitter, once } from 'node:events';
import { setTimeout as sleep } from 'node:timers/promises';
import { KubeExpiredError } from './errors.ts';
import type { KubeObject, ResourceClient, WatchEvent } from './resource.ts';
import { backoffDelay, type RetryOptions } from './retry.ts';

export interface InformerOptions {
  /** Watch one namespace; all namespaces when undefined. */
  namespace?: string;
  labelSelector?: string;
  /** Backoff between failed attempts to list or watch. */
  backoff?: RetryOptions;
}

export interface InformerEvents<T> {
  add: [object: T];
  update: [object: T, previous: T];
  delete: [object: T];
  /** A full list was read into the cache (at start, and again after a 410 Gone). */
  synced: [resourceVersion: string];
  /** Listing or watching failed; the informer tries again after `delayMs`. */
  retry: [error: unknown, delayMs: number];
}

/**
 * A cache of one resource kind kept current by list + watch: it watches from the list's
 * resourceVersion, lists again when the server says that version is gone (410), restarts with
 * backoff after any other failure, and stops when stopped or its signal aborts.
 */
export class Informer<T extends KubeObject> extends EventEmitter<InformerEvents<T>> {
  readonly #resource: ResourceClient<T>;
  readonly #options: InformerOptions;
  readonly #cache = new Map<string, T>();
  readonly #stop = new AbortController();
  #resourceVersion: string | undefined;
  #running: Promise<void> | undefined;

  constructor(resource: ResourceClient<T>, options: InformerOptions = {}) {
    super();
    this.#resource = resource;
    this.#options = options;
  }

  /** Starts watching; resolves once the first list is in the cache. */
  async start(signal?: AbortSignal): Promise<void> {
    if (this.#running) throw new Error('informer: already started');
    signal?.addEventListener('abort', () => this.#stop.abort(signal.reason), { once: true });
    const synced = once(this, 'synced', { signal: this.#stop.signal });
    this.#running = this.#run(this.#stop.signal);
    await synced;
  }

  /** Stops watching and waits until the informer has let go of its connection. */
  async stop(): Promise<void> {
    this.#stop.abort();
    await this.#running;
  }

  list(): T[] {
    return [...this.#cache.values()];
  }

  get(namespace: string, name: string): T | undefined {
    return this.#cache.get(`${namespace}/${name}`);
  }

  /** The resourceVersion the cache is current to. */
  get resourceVersion(): string | undefined {
    return this.#resourceVersion;
  }

  async #run(signal: AbortSignal): Promise<void> {
    let failures = 0;
    while (!signal.aborted) {
      let delivered = false;
      try {
        if (this.#resourceVersion === undefined) await this.#relist(signal);
        const events = this.#resource.watch(this.#options.namespace, {
          resourceVersion: this.#resourceVersion,
          labelSelector: this.#options.labelSelector,
          signal,
        });
        for await (const event of events) {
          delivered = true;
          failures = 0;
          this.#apply(event);
        }
        // The server closed the watch, as it does every few minutes: watch again from where we are,
        // pausing first if it closed without a word (so a server that does so at once is not hammered).
        if (!delivered) await pause(backoffDelay(failures++, this.#options.backoff), signal);
      } catch (error) {
        if (signal.aborted) return;
        if (error instanceof KubeExpiredError) {
          this.#resourceVersion = undefined;
          continue;
        }
        const delay = backoffDelay(failures++, this.#options.backoff);
        this.emit('retry', error, delay);
        await pause(delay, signal);
      }
    }
  }

  async #relist(signal: AbortSignal): Promise<void> {
    const { items, resourceVersion } = await this.#resource.list(this.#options.namespace, {
      labelSelector: this.#options.labelSelector,
      signal,
    });
    const seen = new Set<string>();
    for (const object of items) {
      const key = keyOf(object);
      seen.add(key);
      const previous = this.#cache.get(key);
      this.#cache.set(key, object);
      if (!previous) this.emit('add', object);
      else if (previous.metadata.resourceVersion !== object.metadata.resourceVersion)
        this.emit('update', object, previous);
    }
    for (const [key, object] of this.#cache) {
      if (!seen.has(key)) {
        this.#cache.delete(key);
        this.emit('delete', object);
      }
    }
    this.#resourceVersion = resourceVersion;
    this.emit('synced', resourceVersion);
  }

  #apply(event: WatchEvent<T>): void {
    if (event.type === 'BOOKMARK') {
      this.#resourceVersion = event.resourceVersion;
      return;
    }
    const key = keyOf(event.object);
    const previous = this.#cache.get(key);
    if (event.type === 'DELETED') {
      this.#cache.delete(key);
      this.emit('delete', event.object);
    } else {
      this.#cache.set(key, event.object);
      if (previous) this.emit('update', event.object, previous);
      else this.emit('add', event.object);
    }
    this.#resourceVersion = event.object.metadata.resourceVersion ?? this.#resourceVersion;
  }
}

function keyOf(object: KubeObject): string {
  return `${object.metadata.namespace ?? ''}/${object.metadata.name ?? ''}`;
}

function pause(ms: number, signal: AbortSignal): Promise<void> {
  return sleep(ms, undefined, { signal }).catch(() => {});
}
