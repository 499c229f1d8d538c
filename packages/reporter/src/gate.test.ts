import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { ProviderGate } from './gate.ts';

describe('ProviderGate', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it('parks keys while a provider is closed, sends one probe after the pause, and lets all go when it writes', () => {
    const gate = new ProviderGate();
    const probes: string[] = [];
    expect(gate.park('github', 'a')).toBe(false);
    gate.close('github', 'a', 1000, (key) => probes.push(key));
    expect(gate.park('github', 'b')).toBe(true);
    expect(gate.park('gitlab', 'c')).toBe(false);
    vi.advanceTimersByTime(999);
    expect(probes).toEqual([]);
    vi.advanceTimersByTime(1);
    expect(probes).toEqual(['a']);
    expect(gate.park('github', 'a')).toBe(false);
    expect(gate.park('github', 'd')).toBe(true);
    expect(gate.open('github')).toEqual(['b', 'd']);
    expect(gate.park('github', 'e')).toBe(false);
  });

  it('closes again when the probe fails, and opens when the probe had nothing to write', () => {
    const gate = new ProviderGate();
    const probes: string[] = [];
    gate.close('github', 'a', 1000, (key) => probes.push(key));
    gate.park('github', 'b');
    vi.advanceTimersByTime(1000);
    gate.close('github', 'a', 1000, (key) => probes.push(key));
    expect(gate.settle('a')).toEqual([]);
    vi.advanceTimersByTime(1000);
    expect(probes).toEqual(['a', 'b']);
    // b's job was gone: nothing written, nothing refused.
    expect(gate.settle('b')).toEqual(['a']);
    expect(gate.park('github', 'c')).toBe(false);
  });
});
