import { apiVersionOf, type ObjectMeta, type ResourceType } from '@lighthouse-ts/crds';
import type * as z from 'zod';
import { errorFromResponse, KubeError, KubeUnavailableError, KubeUnexpectedObjectError } from './errors.ts';
import type { Transport } from './transport.ts';

/** What every object we handle has: a kind and metadata. */
export interface KubeObject {
  apiVersion: string;
  kind: string;
  metadata: ObjectMeta;
}

export interface CallOptions {
  signal?: AbortSignal;
}

export interface WriteOptions extends CallOptions {
  /** Validate and admit, but do not persist (server-side dry run). */
  dryRun?: boolean;
}

export interface ListOptions extends CallOptions {
  labelSelector?: string;
  fieldSelector?: string;
  /** Read at most this many objects (one page) instead of all of them. */
  limit?: number;
}

export interface ListResult<T> {
  items: T[];
  /** Watch from here to see every change after this list. */
  resourceVersion: string;
}

export interface WatchOptions extends ListOptions {
  resourceVersion?: string;
  /** How long the server keeps one watch open before closing it cleanly. Default 5 to 10 minutes. */
  timeoutSeconds?: number;
}

export type WatchEvent<T> =
  | { type: 'ADDED' | 'MODIFIED' | 'DELETED'; object: T }
  | { type: 'BOOKMARK'; resourceVersion: string };

/** A JSON merge patch (RFC 7386) of an object: `null` deletes a field. */
export type MergePatch = Record<string, unknown>;

/** A typed handle for one kind of namespaced resource; every object read back is parsed with its schema. */
export class ResourceClient<T extends KubeObject> {
  readonly type: ResourceType;
  readonly #schema: z.ZodType<T>;
  readonly #transport: Transport;
  readonly #fieldManager: string;

  constructor(transport: Transport, type: ResourceType, schema: z.ZodType<T>, fieldManager: string) {
    this.#transport = transport;
    this.type = type;
    this.#schema = schema;
    this.#fieldManager = fieldManager;
  }

  /**
   * Creates `object`. A create with only `generateName` is not retried after a failure the server
   * may have acted on, since a retry could create a second object; a named create is (a duplicate
   * then shows as KubeAlreadyExistsError).
   */
  async create(namespace: string, object: T, options: WriteOptions = {}): Promise<T> {
    const body = { ...object, apiVersion: apiVersionOf(this.type), kind: this.type.kind };
    const created = await this.#transport.request({
      method: 'POST',
      path: this.#path(namespace),
      query: this.#writeQuery(options),
      body,
      retry: object.metadata.name !== undefined,
      ...signalOf(options),
    });
    return this.#parse(created);
  }

  async get(namespace: string, name: string, options: CallOptions = {}): Promise<T> {
    return this.#parse(
      await this.#transport.request({
        method: 'GET',
        path: this.#path(namespace, name),
        ...signalOf(options),
      }),
    );
  }

  /** Every object that matches (or the first `limit`), page by page; `namespace` undefined lists all namespaces. */
  async list(namespace: string | undefined, options: ListOptions = {}): Promise<ListResult<T>> {
    const items: T[] = [];
    let token: string | undefined;
    let resourceVersion = '';
    do {
      const page = await this.#transport.request<{
        items?: unknown[];
        metadata?: { continue?: string; resourceVersion?: string };
      }>({
        method: 'GET',
        path: this.#path(namespace),
        query: {
          labelSelector: options.labelSelector,
          fieldSelector: options.fieldSelector,
          limit: options.limit ?? 500,
          continue: token,
        },
        ...signalOf(options),
      });
      // A list's items carry no apiVersion/kind; the list does.
      for (const item of page.items ?? []) {
        items.push(
          this.#parse({ apiVersion: apiVersionOf(this.type), kind: this.type.kind, ...(item as object) }),
        );
      }
      token = options.limit === undefined ? page.metadata?.continue || undefined : undefined;
      resourceVersion = page.metadata?.resourceVersion ?? resourceVersion;
    } while (token);
    return { items, resourceVersion };
  }

  /**
   * A JSON merge patch. Put `metadata.resourceVersion` in the patch to make it conditional: the
   * server then answers KubeConflictError if the object has changed.
   */
  async patch(namespace: string, name: string, patch: MergePatch, options: WriteOptions = {}): Promise<T> {
    return this.#patch(this.#path(namespace, name), patch, options);
  }

  /** A merge patch of the status subresource. */
  async patchStatus(
    namespace: string,
    name: string,
    patch: MergePatch,
    options: WriteOptions = {},
  ): Promise<T> {
    return this.#patch(`${this.#path(namespace, name)}/status`, patch, options);
  }

  /** Replaces the whole object; with `metadata.resourceVersion` set, KubeConflictError if it changed meanwhile. */
  async replace(namespace: string, object: T, options: WriteOptions = {}): Promise<T> {
    return this.#put(this.#path(namespace, nameOf(object)), object, options);
  }

  /** Replaces the status subresource, conflict-checked the same way. */
  async replaceStatus(namespace: string, object: T, options: WriteOptions = {}): Promise<T> {
    return this.#put(`${this.#path(namespace, nameOf(object))}/status`, object, options);
  }

  /**
   * Server-side apply: the fields in `object` become owned by this client's field manager. `force`
   * takes over fields another manager owns instead of failing with KubeConflictError.
   */
  async apply(namespace: string, object: T, options: WriteOptions & { force?: boolean } = {}): Promise<T> {
    const applied = await this.#transport.request({
      method: 'PATCH',
      path: this.#path(namespace, nameOf(object)),
      query: { ...this.#writeQuery(options), force: options.force },
      body: { ...object, apiVersion: apiVersionOf(this.type), kind: this.type.kind },
      contentType: 'application/apply-patch+yaml',
      ...signalOf(options),
    });
    return this.#parse(applied);
  }

  /**
   * Deletes by name. With `resourceVersion`, only that version of the object (KubeConflictError if it
   * changed). Owned objects are deleted in the background by the garbage collector.
   */
  async delete(
    namespace: string,
    name: string,
    options: WriteOptions & {
      resourceVersion?: string;
      propagationPolicy?: 'Background' | 'Foreground' | 'Orphan';
    } = {},
  ): Promise<void> {
    await this.#transport.request({
      method: 'DELETE',
      path: this.#path(namespace, name),
      query: options.dryRun ? { dryRun: 'All' } : {},
      body: {
        apiVersion: 'v1',
        kind: 'DeleteOptions',
        propagationPolicy: options.propagationPolicy ?? 'Background',
        ...(options.resourceVersion ? { preconditions: { resourceVersion: options.resourceVersion } } : {}),
      },
      ...signalOf(options),
    });
  }

  /**
   * One watch: yields each change after `resourceVersion` until the server closes the stream (return)
   * or it breaks (KubeUnavailableError). KubeExpiredError means that version is gone: list again. Ends quietly
   * when `signal` aborts.
   */
  async *watch(namespace: string | undefined, options: WatchOptions = {}): AsyncGenerator<WatchEvent<T>> {
    const path = this.#path(namespace);
    const timeoutSeconds = options.timeoutSeconds ?? Math.floor(300 + Math.random() * 300);
    const stop = new AbortController();
    const signal = options.signal ? AbortSignal.any([options.signal, stop.signal]) : stop.signal;
    // The server ends a watch after timeoutSeconds; silence well beyond that means a dead connection.
    let idle: NodeJS.Timeout | undefined;
    const resetIdle = () => {
      clearTimeout(idle);
      idle = setTimeout(
        () => stop.abort(new KubeUnavailableError('watch: no data from the server')),
        (timeoutSeconds + 30) * 1000,
      );
    };
    resetIdle();
    try {
      const body = await this.#transport.stream({
        method: 'GET',
        path,
        query: {
          watch: 1,
          allowWatchBookmarks: true,
          resourceVersion: options.resourceVersion,
          labelSelector: options.labelSelector,
          fieldSelector: options.fieldSelector,
          timeoutSeconds,
        },
        signal,
      });
      const decoder = new TextDecoder();
      let buffered = '';
      for await (const chunk of body) {
        resetIdle();
        buffered += decoder.decode(chunk, { stream: true });
        for (let end = buffered.indexOf('\n'); end >= 0; end = buffered.indexOf('\n')) {
          const line = buffered.slice(0, end).trim();
          buffered = buffered.slice(end + 1);
          if (line) yield this.#event(line, path);
        }
      }
    } catch (error) {
      if (options.signal?.aborted) return;
      if (stop.signal.aborted) throw stop.signal.reason;
      if (error instanceof KubeError) throw error;
      throw new KubeUnavailableError(`watch ${path}: ${error instanceof Error ? error.message : error}`, {
        cause: error,
      });
    } finally {
      clearTimeout(idle);
      stop.abort();
    }
  }

  #event(line: string, path: string): WatchEvent<T> {
    const event = JSON.parse(line) as { type: string; object: Record<string, unknown> };
    switch (event.type) {
      case 'ADDED':
      case 'MODIFIED':
      case 'DELETED':
        return { type: event.type, object: this.#parse(event.object) };
      case 'BOOKMARK':
        return {
          type: 'BOOKMARK',
          resourceVersion: String((event.object.metadata as ObjectMeta)?.resourceVersion ?? ''),
        };
      default: {
        // An ERROR event carries a Status: 410 when the resourceVersion is too old.
        const status = event.object as { code?: number };
        throw errorFromResponse(`watch ${path}`, status.code ?? 500, JSON.stringify(status));
      }
    }
  }

  async #patch(path: string, patch: MergePatch, options: WriteOptions): Promise<T> {
    const patched = await this.#transport.request({
      method: 'PATCH',
      path,
      query: this.#writeQuery(options),
      body: patch,
      contentType: 'application/merge-patch+json',
      ...signalOf(options),
    });
    return this.#parse(patched);
  }

  async #put(path: string, object: T, options: WriteOptions): Promise<T> {
    const replaced = await this.#transport.request({
      method: 'PUT',
      path,
      query: this.#writeQuery(options),
      body: { ...object, apiVersion: apiVersionOf(this.type), kind: this.type.kind },
      ...signalOf(options),
    });
    return this.#parse(replaced);
  }

  #writeQuery(options: WriteOptions) {
    return {
      fieldManager: this.#fieldManager,
      fieldValidation: 'Strict',
      dryRun: options.dryRun ? 'All' : undefined,
    };
  }

  #path(namespace: string | undefined, name?: string): string {
    const { group, version, plural } = this.type;
    const base = group ? `/apis/${group}/${version}` : `/api/${version}`;
    const scope = namespace === undefined ? '' : `/namespaces/${encodeURIComponent(namespace)}`;
    return `${base}${scope}/${plural}${name === undefined ? '' : `/${encodeURIComponent(name)}`}`;
  }

  #parse(value: unknown): T {
    const result = this.#schema.safeParse(value);
    if (result.success) return result.data;
    const meta = (value as { metadata?: ObjectMeta } | undefined)?.metadata;
    const where = result.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ');
    throw new KubeUnexpectedObjectError(
      `${this.type.kind} ${meta?.namespace ?? ''}/${meta?.name ?? '?'} does not match its schema: ${where}`,
    );
  }
}

function nameOf(object: KubeObject): string {
  const name = object.metadata.name;
  if (!name) throw new TypeError('the object has no metadata.name');
  return name;
}

function signalOf(options: CallOptions): { signal?: AbortSignal } {
  return options.signal ? { signal: options.signal } : {};
}
