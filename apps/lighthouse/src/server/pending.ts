import { createHash, randomUUID } from 'node:crypto';
import { mkdir, open, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { WebhookEvent } from '@lighthouse-ts/scm';
import * as z from 'zod';

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
  /** Starts that resumed it so far; one resumed too often is set aside (it may be what ends them). */
  resumes: z.number().int().nonnegative().default(0),
  event: WebhookEvent,
});
export type PendingDelivery = z.output<typeof PendingDelivery>;

/**
 * Deliveries accepted but not yet dispatched, one file each in a directory of one process's own, so that
 * a process that dies (SIGKILL, OOM) or shuts down while waiting out an outage leaves them to the next
 * process that starts on that directory. Written before the 202 answer (write, fsync, rename, fsync the
 * directory), removed once the dispatch settles. Two processes must not share a directory: each start
 * resumes everything in it. A delivery kept twice (a file whose removal was lost) is dispatched twice,
 * which starts nothing twice: jobs are keyed on the event.
 */
export interface PendingStore {
  readonly dir: string;
  /** Writes the delivery to a file of its own, durably; resolves to the file's name. */
  keep(delivery: PendingDelivery): Promise<string>;
  /** Removes a file `keep` wrote; nothing if it is gone already. */
  forget(file: string): Promise<void>;
  /** Renames a kept file `<name>.<why>`: kept for a person to read, never dispatched again. */
  setAside(file: string, why: string): Promise<void>;
  /**
   * Every delivery kept, with its file, in the order received (a pull request's events are dispatched in
   * that order, and `/approve` then `/approve cancel` must not swap); a file that does not parse is renamed `<name>.unreadable` (kept
   * for a person to read, never dispatched) and reported, and a write that was cut short is removed.
   */
  load(): Promise<{
    pending: { file: string; delivery: PendingDelivery }[];
    unreadable: { file: string; reason: string }[];
  }>;
}

const suffix = '.json';

/** Opens the directory, creating it, and proves it writable: a store that cannot keep fails now. */
export async function openPendingStore(dir: string): Promise<PendingStore> {
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const probe = join(dir, `.probe-${randomUUID()}.tmp`);
  await writeFile(probe, '', { mode: 0o600 });
  await rm(probe);
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
      try {
        const handle = await open(temporary, 'wx', 0o600);
        try {
          await handle.writeFile(JSON.stringify(delivery));
          await handle.sync();
        } finally {
          await handle.close();
        }
        await rename(temporary, join(dir, file));
      } catch (error) {
        await rm(temporary, { force: true }).catch(() => undefined);
        throw error;
      }
      // The file is there: a directory that cannot be synced risks only this rename on a power loss.
      await syncDirectory().catch(() => undefined);
      return file;
    },
    async forget(file) {
      await rm(join(dir, file), { force: true });
    },
    async setAside(file, why) {
      await rename(join(dir, file), join(dir, `${file}.${why}`));
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
      pending.sort((a, b) => a.delivery.receivedAt - b.delivery.receivedAt);
      return { pending, unreadable };
    },
  };
}
