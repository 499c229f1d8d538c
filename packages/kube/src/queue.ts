export interface WorkQueueOptions {
  /** Keys worked on at once. */
  concurrency: number;
  /** Delay before retrying a key whose work failed `failures` times in a row. */
  retryDelayMs?: (failures: number) => number;
}

/**
 * A controller's work queue (client-go's workqueue, in small): runs `work(key)` for every key added,
 * never twice at once for one key, at most `concurrency` keys at once, and a key added again while its
 * work runs runs once more afterwards (so the last change is never missed, and a burst of changes to one
 * key costs at most two runs). Work starts on a later tick than its add, never inside it, so a burst of
 * adds (an informer's relist, which fills its cache object by object) settles before any work reads what
 * they changed. A failed key is added again after a delay that grows with its failures. Nothing runs
 * before start().
 */
export class WorkQueue {
  readonly #work: (key: string) => Promise<void>;
  readonly #concurrency: number;
  readonly #retryDelayMs: (failures: number) => number;
  readonly #waiting = new Set<string>();
  readonly #active = new Map<string, Promise<void>>();
  readonly #failures = new Map<string, number>();
  readonly #delayed = new Map<string, { timer: NodeJS.Timeout; dueAt: number }>();
  #scheduled: NodeJS.Immediate | undefined;
  #started = false;
  #stopped = false;

  constructor(work: (key: string) => Promise<void>, options: WorkQueueOptions) {
    if (!Number.isInteger(options.concurrency) || options.concurrency < 1)
      throw new RangeError(`WorkQueue: concurrency must be a positive integer, not ${options.concurrency}`);
    this.#work = work;
    this.#concurrency = options.concurrency;
    this.#retryDelayMs = options.retryDelayMs ?? ((failures) => Math.min(30_000, 250 * 2 ** failures));
  }

  add(key: string): void {
    if (this.#stopped) return;
    this.#waiting.add(key);
    this.#schedule();
  }

  /**
   * Adds `key` once `delayMs` has passed (a provider's Retry-After, say). A key already due sooner keeps
   * its earlier time; one due later is brought forward. Until then an add() of the key still runs it now.
   */
  addAfter(key: string, delayMs: number): void {
    if (this.#stopped) return;
    const dueAt = performance.now() + Math.max(0, delayMs);
    const pending = this.#delayed.get(key);
    if (pending && pending.dueAt <= dueAt) return;
    clearTimeout(pending?.timer);
    const timer = setTimeout(
      () => {
        this.#delayed.delete(key);
        this.add(key);
      },
      Math.max(0, delayMs),
    );
    this.#delayed.set(key, { timer, dueAt });
  }

  start(): void {
    this.#started = true;
    this.#schedule();
  }

  /** Runs nothing more, drops the delayed adds (no timer is left behind) and waits for the work in flight. */
  async stop(): Promise<void> {
    this.#stopped = true;
    this.#waiting.clear();
    clearImmediate(this.#scheduled);
    for (const { timer } of this.#delayed.values()) clearTimeout(timer);
    this.#delayed.clear();
    await Promise.all(this.#active.values());
  }

  #schedule(): void {
    if (!this.#started || this.#stopped || this.#scheduled) return;
    this.#scheduled = setImmediate(() => {
      this.#scheduled = undefined;
      this.#pump();
    });
  }

  #pump(): void {
    for (const key of this.#waiting) {
      if (this.#active.size >= this.#concurrency) return;
      if (this.#active.has(key)) continue;
      this.#waiting.delete(key);
      this.#active.set(key, this.#run(key));
    }
  }

  async #run(key: string): Promise<void> {
    try {
      await this.#work(key);
      this.#failures.delete(key);
    } catch {
      const failures = this.#failures.get(key) ?? 0;
      this.#failures.set(key, failures + 1);
      this.addAfter(key, this.#retryDelayMs(failures));
    } finally {
      this.#active.delete(key);
      this.#schedule();
    }
  }
}
