import { describe, expect, it } from 'vitest';
import { createLifecycle, type Readiness } from './lifecycle.ts';

function recordingLogger() {
  const lines: string[] = [];
  const log = (...args: unknown[]) => lines.push(String(args.at(-1)));
  return { lines, logger: { info: log, warn: log, error: log } };
}

describe('createLifecycle', () => {
  it('is drained only once every piece of work that entered has left', async () => {
    const lifecycle = createLifecycle(recordingLogger().logger);
    await lifecycle.drained();
    lifecycle.enter();
    lifecycle.enter();
    let drained = false;
    const waiting = lifecycle.drained().then(() => {
      drained = true;
    });
    lifecycle.leave();
    await Promise.resolve();
    expect(drained).toBe(false);
    lifecycle.leave();
    await waiting;
    expect(drained).toBe(true);
  });

  it("asks the app's check, logs each change once, and is not ready once shutting down", async () => {
    const { lines, logger } = recordingLogger();
    let state: Readiness = { ready: false, reason: 'Kubernetes unreachable' };
    const lifecycle = createLifecycle(logger, () => state);
    expect(await lifecycle.readiness()).toEqual(state);
    expect(await lifecycle.readiness()).toEqual(state);
    state = { ready: true };
    expect(await lifecycle.readiness()).toEqual({ ready: true });
    lifecycle.shutdown();
    expect(lifecycle.shuttingDown).toBe(true);
    expect(await lifecycle.readiness()).toEqual({ ready: false, reason: 'shutting down' });
    expect(lines).toEqual(['not ready', 'ready', 'not ready']);
  });

  it('is not ready when the check throws, saying why', async () => {
    const lifecycle = createLifecycle(recordingLogger().logger, () => {
      throw new Error('no answer');
    });
    expect(await lifecycle.readiness()).toEqual({
      ready: false,
      reason: 'readiness check failed: no answer',
    });
  });
});
