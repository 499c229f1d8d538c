import { createHash, randomUUID } from 'node:crypto';
import { mkdir, open, readdir, readFile, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { WebhookEvent } from '@lighthouse-ts/scm';
import { z } from 'zod';

/** A delivery answered 202 before its jobs all existed: enough to dispatch it again in another process. */
export const PendingDelivery = z.object({
  version: z.literal(1),
  /** The event's key (scm's eventKey): the file's name is its hash. */
  key: z.string().min(1),
  deliveryId: z.string().optional(),
  traceparent: z.string(),
  /** When it was received, in milliseconds since the epoch: its retries end forMs after this. */
  receivedAt: z.number(),
  /** Dispatch attempts made before it was kept. */
  attempts: z.number().int().nonnegative(),
  event: WebhookEvent,
});
export type PendingDelivery = z.infer<typeof PendingDelivery>;

/**
 * Deliveries accepted but not yet dispatched, one file each in a directory, so that a process that dies
 * (SIGKILL, OOM, a node lost with a shared volume) or shuts down while waiting out an outage leaves them
 * to the next process that starts on that directory. Written before the 202 answer (write, fsync, rename,
 * fsync the directory), removed once the dispatch settles. A delivery kept twice (a second process on a
 * shared volume, a file whose removal was lost) is dispatched twice, which starts nothing twice: jobs are
 * keyed on the event.
 */
export interface PendingStore {
  readonly dir: string;
  /** Writes the delivery to a file of its own, durably; resolves to the file's name. */
  keep(delivery: PendingDelivery): Promise<string>;
  /** Removes a file `keep` wrote; nothing if it is gone already. */
  forget(file: string): Promise<void>;
  /**
   * Every delivery kept, with its file; a file that does not parse is renamed `<name>.unreadable` (kept
   * for a person to read, never dispatched) and reported, and a write that was cut short is removed.
   */
  load(): Promise<{
    pending: { file: string; delivery: PendingDelivery }[];
    unreadable: { file: string; reason: string }[];
  }>;
}

const suffix = '.json';

export async function openPendingStore(dir: string): Promise<PendingStore> {
  await mkdir(dir, { recursive: true, mode: 0o700 });
  // Named for the event, so a person can find one, and unique, so two keeps of one event never collide.
  const prefixOf = (key: string) => `${createHash('sha256').update(key).digest('hex').slice(0, 32)}-`;

  async function syncDirectory(): Promise<void> {
    const handle = await open(dir, 'r');
    try {
      await handle.sync();
    } finally {
      await handle.close();
    }
  }

  return {
    dir,
    async keep(delivery) {
      const file = `${prefixOf(delivery.key)}${randomUUID()}${suffix}`;
      const temporary = join(dir, `.${file}.tmp`);
      const handle = await open(temporary, 'wx', 0o600);
      try {
        await handle.writeFile(JSON.stringify(delivery));
        await handle.sync();
      } finally {
        await handle.close();
      }
      await rename(temporary, join(dir, file));
      await syncDirectory();
      return file;
    },
    async forget(file) {
      await rm(join(dir, file), { force: true });
    },
    async load() {
      const pending: { file: string; delivery: PendingDelivery }[] = [];
      const unreadable: { file: string; reason: string }[] = [];
      for (const file of (await readdir(dir)).sort()) {
        const path = join(dir, file);
        if (file.startsWith('.') && file.endsWith('.tmp')) {
          await rm(path, { force: true });
          continue;
        }
        if (!file.endsWith(suffix)) continue;
        try {
          const delivery = PendingDelivery.parse(JSON.parse(await readFile(path, 'utf8')));
          if (!file.startsWith(prefixOf(delivery.key))) {
            throw new Error('its name does not match the event it holds');
          }
          pending.push({ file, delivery });
        } catch (error) {
          const reason = error instanceof z.ZodError ? z.prettifyError(error) : (error as Error).message;
          unreadable.push({ file: path, reason });
          await rename(path, `${path}.unreadable`);
        }
      }
      return { pending, unreadable };
    },
  };
}
