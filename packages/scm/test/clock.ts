// Test helper: the time and the waits a client sees, so that no test waits for a real timer or races one.

export interface FakeClock {
  now(): number;
  /** Every wait asked for, in ms, in order. */
  waits: number[];
  /** Records the wait and moves the clock past it at once. */
  sleep(ms: number): Promise<void>;
}

/** A clock that starts at `start` and moves only when someone sleeps. */
export function fakeClock(start = Date.parse('2026-03-01T12:00:00Z')): FakeClock {
  let now = start;
  const waits: number[] = [];
  return {
    now: () => now,
    waits,
    async sleep(ms) {
      waits.push(ms);
      now += ms;
    },
  };
}

export interface HeldClock {
  now(): number;
  /** Every wait asked for, in ms, in order. */
  waits: number[];
  /** Holds the caller until `release`. */
  sleep(ms: number): Promise<void>;
  /** Resolves once `count` sleeps have been asked for in all. */
  sleeping(count: number): Promise<void>;
  /** Moves the clock by `ms` and lets every held sleeper go. */
  release(ms: number): void;
}

/** A clock whose sleepers wait until the test lets them go, so a test can look at what happens meanwhile. */
export function heldClock(start = Date.parse('2026-03-01T12:00:00Z')): HeldClock {
  let now = start;
  const waits: number[] = [];
  let held: (() => void)[] = [];
  const watchers: { count: number; resolve: () => void }[] = [];
  return {
    now: () => now,
    waits,
    sleep(ms) {
      waits.push(ms);
      const asleep = new Promise<void>((resolve) => held.push(resolve));
      for (const watcher of watchers.filter((w) => w.count <= waits.length)) watcher.resolve();
      return asleep;
    },
    sleeping(count) {
      return count <= waits.length
        ? Promise.resolve()
        : new Promise((resolve) => watchers.push({ count, resolve }));
    },
    release(ms) {
      now += ms;
      const letGo = held;
      held = [];
      for (const resolve of letGo) resolve();
    },
  };
}
