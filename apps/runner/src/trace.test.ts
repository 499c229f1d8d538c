import { describe, expect, it } from 'vitest';
import { newTraceId, requestIdOf, traceIdOf } from './trace.ts';

describe('trace and request ids', () => {
  const traceId = '4bf92f3577b34da6a3ce929d0e0e4736';

  it.for([
    [`00-${traceId}-00f067aa0ba902b7-01`, traceId],
    [`00-${traceId}-00f067aa0ba902b7-00`, traceId],
    // A later version may add fields; version 00 may not.
    [`01-${traceId}-00f067aa0ba902b7-01-extra`, traceId],
    [`00-${traceId}-00f067aa0ba902b7-01-extra`, undefined],
    [`ff-${traceId}-00f067aa0ba902b7-01`, undefined],
    [`00-${'0'.repeat(32)}-00f067aa0ba902b7-01`, undefined],
    [`00-${traceId}-${'0'.repeat(16)}-01`, undefined],
    [`00-${traceId.toUpperCase()}-00f067aa0ba902b7-01`, undefined],
    ['garbage', undefined],
    [undefined, undefined],
  ] as const)('traceparent %j has trace id %j', ([header, expected]) => {
    expect(traceIdOf(header)).toBe(expected);
  });

  it('makes new trace ids of 16 random bytes', () => {
    expect(newTraceId()).toMatch(/^[0-9a-f]{32}$/);
    expect(newTraceId()).not.toBe(newTraceId());
  });

  it("keeps a caller's request id only when it is safe to log and echo", () => {
    expect(requestIdOf('req-123_abc:9')).toBe('req-123_abc:9');
    for (const unsafe of [undefined, '', 'has space', 'line\nbreak', 'x'.repeat(129), 'é']) {
      expect(requestIdOf(unsafe)).toMatch(/^[0-9a-f]{16}$/);
    }
  });
});
