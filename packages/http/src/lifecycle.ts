import type { IncomingMessage, ServerResponse } from 'node:http';
import type { HttpLogger } from './logger.ts';

export type Readiness = { ready: true } | { ready: false; reason: string };

/**
 * What a draining server keeps track of (see DrainingListener): work in flight, requests and the work that
 * outlives their answers alike, so `drained` can wait for none; whether it is shutting down; and whether it
 * is ready, logged each time that changes.
 */
export interface Lifecycle {
  /** Work starts; each `enter` is followed by one `leave`. */
  enter(): void;
  leave(): void;
  /** Resolves once no work is in flight. */
  drained(): Promise<void>;
  shutdown(): void;
  readonly shuttingDown: boolean;
  /** Not ready while shutting down, nor while the app's own check says so (or throws). */
  readiness(): Promise<Readiness>;
}

export function createLifecycle(
  logger: HttpLogger,
  check: () => Readiness | Promise<Readiness> = () => ({ ready: true }),
): Lifecycle {
  let shuttingDown = false;
  let lastReady: boolean | undefined;
  let busy = 0;
  const idle = new Set<() => void>();
  return {
    enter() {
      busy++;
    },
    leave() {
      if (--busy > 0) return;
      for (const resolve of idle) resolve();
      idle.clear();
    },
    drained() {
      return busy === 0 ? Promise.resolve() : new Promise<void>((resolve) => idle.add(resolve));
    },
    shutdown() {
      shuttingDown = true;
    },
    get shuttingDown() {
      return shuttingDown;
    },
    async readiness() {
      let state: Readiness = { ready: true };
      if (shuttingDown) state = { ready: false, reason: 'shutting down' };
      else {
        try {
          state = await check();
        } catch (error) {
          state = { ready: false, reason: `readiness check failed: ${(error as Error).message}` };
        }
      }
      if (state.ready !== lastReady) {
        if (state.ready) logger.info('ready');
        else logger.warn({ reason: state.reason }, 'not ready');
        lastReady = state.ready;
      }
      return state;
    },
  };
}

/**
 * A request listener that runs `handle` as work in flight of `lifecycle`. A rejection is a bug: logged,
 * and answered with `internalError` when given and nothing was sent yet; otherwise the connection is
 * destroyed.
 */
export function trackedListener(
  lifecycle: Lifecycle,
  logger: HttpLogger,
  handle: (req: IncomingMessage, res: ServerResponse) => Promise<void>,
  internalError?: (req: IncomingMessage, res: ServerResponse) => void,
): (req: IncomingMessage, res: ServerResponse) => void {
  return (req, res) => {
    lifecycle.enter();
    handle(req, res)
      .catch((error: unknown) => {
        logger.error({ err: error }, 'request handler failed');
        if (internalError && !res.headersSent) internalError(req, res);
        else res.destroy();
      })
      .finally(lifecycle.leave);
  };
}
