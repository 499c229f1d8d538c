import { createHash } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { type ConfigMap, labels } from '@lighthouse-ts/crds';
import {
  KubeAlreadyExistsError,
  KubeConflictError,
  KubeNotFoundError,
  type ResourceClient,
} from '@lighthouse-ts/kube';
import { labelValue } from './build.ts';

export interface Branch {
  namespace: string;
  owner: string;
  repo: string;
  branch: string;
}

interface Waiter {
  resolve: (n: number) => void;
  reject: (error: unknown) => void;
}

/** How many branches' counters a process remembers; one it forgot is read again when next needed. */
const rememberedCounters = 1024;

/**
 * Build numbers per (owner, repo, branch): strictly increasing, never handed out twice, across any
 * number of processes. The count lives in a ConfigMap, advanced by conditional updates on its
 * resourceVersion (the API server's compare-and-swap). Callers that arrive while an update is under way
 * are served together by the next one, which reserves a block of numbers for all of them.
 *
 * The process remembers each counter as it last wrote it, so the common case is one write and no read:
 * a counter another process has advanced since fails that write on its resourceVersion, and is read again.
 */
export class BuildNumbers {
  readonly #configMaps: ResourceClient<ConfigMap>;
  readonly #queues = new Map<string, Waiter[]>();
  readonly #counters = new Map<string, ConfigMap>();
  readonly #maxAttempts: number;

  constructor(configMaps: ResourceClient<ConfigMap>, maxAttempts = 200) {
    this.#configMaps = configMaps;
    this.#maxAttempts = maxAttempts;
  }

  next(branch: Branch): Promise<number> {
    const name = counterName(branch);
    const key = `${branch.namespace}/${name}`;
    return new Promise((resolve, reject) => {
      const queue = this.#queues.get(key);
      if (queue) {
        queue.push({ resolve, reject });
        return;
      }
      this.#queues.set(key, [{ resolve, reject }]);
      void this.#drain(key, name, branch);
    });
  }

  async #drain(key: string, name: string, branch: Branch): Promise<void> {
    for (let batch = this.#take(key); batch.length > 0; batch = this.#take(key)) {
      try {
        const last = await this.#reserve(key, name, branch, batch.length);
        const first = last - batch.length + 1;
        for (const [i, waiter] of batch.entries()) waiter.resolve(first + i);
      } catch (error) {
        for (const waiter of batch) waiter.reject(error);
      }
    }
    this.#queues.delete(key);
  }

  #take(key: string): Waiter[] {
    return this.#queues.get(key)?.splice(0) ?? [];
  }

  /** Advances the counter by `count`; returns the last number reserved. */
  async #reserve(key: string, name: string, branch: Branch, count: number): Promise<number> {
    let current = this.#counters.get(key);
    for (let attempt = 1; ; attempt++) {
      try {
        const written = current
          ? await this.#configMaps.replace(branch.namespace, advanced(current, count))
          : await this.#configMaps.create(branch.namespace, counter(name, branch, count));
        this.#remember(key, written);
        return buildNumberOf(written);
      } catch (error) {
        this.#counters.delete(key);
        const lostRace =
          error instanceof KubeConflictError ||
          error instanceof KubeAlreadyExistsError ||
          (current !== undefined && error instanceof KubeNotFoundError);
        if (!lostRace || attempt >= this.#maxAttempts) throw error;
        // The first miss is a counter remembered stale; from the second on, another process is writing too.
        if (attempt > 1) await sleep(Math.random() * Math.min(50, 2 * attempt));
        current = await this.#configMaps.get(branch.namespace, name).catch((missing: unknown) => {
          if (missing instanceof KubeNotFoundError) return undefined;
          throw missing;
        });
      }
    }
  }

  #remember(key: string, written: ConfigMap): void {
    this.#counters.delete(key);
    this.#counters.set(key, written);
    if (this.#counters.size > rememberedCounters) {
      const oldest = this.#counters.keys().next().value;
      if (oldest !== undefined) this.#counters.delete(oldest);
    }
  }
}

function buildNumberOf(counter: ConfigMap): number {
  return Number(counter.data?.buildNumber ?? '0');
}

function advanced(current: ConfigMap, count: number): ConfigMap {
  return { ...current, data: { ...current.data, buildNumber: String(buildNumberOf(current) + count) } };
}

function counterName({ owner, repo, branch }: Branch): string {
  const digest = createHash('sha256').update(`${owner}/${repo}/${branch}`).digest('hex').slice(0, 16);
  return `lighthouse-build-number-${digest}`;
}

function counter(name: string, branch: Branch, buildNumber: number): ConfigMap {
  const selectable: Record<string, string> = {};
  for (const [key, value] of [
    [labels.org, branch.owner.toLowerCase()],
    [labels.repo, branch.repo],
    [labels.branch, branch.branch],
  ] as const) {
    const safe = labelValue(value);
    if (safe) selectable[key] = safe;
  }
  return {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name, labels: { [labels.createdByLighthouse]: 'true', ...selectable } },
    data: { owner: branch.owner, repo: branch.repo, branch: branch.branch, buildNumber: String(buildNumber) },
  };
}
