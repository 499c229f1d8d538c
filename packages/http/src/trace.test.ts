import { describe, expect, it } from 'vitest';
import { newTraceId, requestIdOf, traceContextOf } from './trace.ts';

const traceId = '4bf92f3577b34da6a3ce929d0e0e4736';

describe('trace context', () => {
  it('continues a valid traceparent with a new parent span of its own, keeping the flags', () => {
    for (const flags of ['01', '00']) {
      const sent = `00-${traceId}-00f067aa0ba902b7-${flags}`;
      const trace = traceContextOf(sent);
      expect(trace.traceId).toBe(traceId);
      expect(trace.traceparent).toMatch(new RegExp(`^00-${traceId}-[0-9a-f]{16}-${flags}$`));
      expect(trace.traceparent).not.toBe(sent);
    }
    // A later version may carry more fields; the trace continues.
    expect(traceContextOf(`01-${traceId}-00f067aa0ba902b7-01-extra`).traceId).toBe(traceId);
  });

  it('starts a new sampled trace for an absent or invalid traceparent', () => {
    for (const header of [
      undefined,
      '',
      'garbage',
      `ff-${traceId}-00f067aa0ba902b7-01`,
      `00-${'0'.repeat(32)}-00f067aa0ba902b7-01`,
      `00-${traceId}-${'0'.repeat(16)}-01`,
      // Version 00 has exactly four fields.
      `00-${traceId}-00f067aa0ba902b7-01-extra`,
      `00-${traceId.toUpperCase()}-00f067aa0ba902b7-01`,
    ]) {
      const trace = traceContextOf(header);
      expect(trace.traceId, String(header)).toMatch(/^[0-9a-f]{32}$/);
      expect(trace.traceId, String(header)).not.toBe(traceId);
      expect(trace.traceparent).toMatch(new RegExp(`^00-${trace.traceId}-[0-9a-f]{16}-01$`));
    }
  });

  it('makes new trace ids of 16 random bytes', () => {
    expect(newTraceId()).toMatch(/^[0-9a-f]{32}$/);
    expect(newTraceId()).not.toBe(newTraceId());
  });

  it('never hands out the same random bytes twice, across refills of its pool', () => {
    // Ids of 8 and 16 bytes mixed, well past several refills of the 4 KiB the ids are taken from.
    const ids = Array.from({ length: 3000 }, (_, i) =>
      i % 2 ? newTraceId() : traceContextOf(undefined).traceparent.split('-')[2],
    );
    expect(new Set(ids).size).toBe(ids.length);
    for (const id of ids) expect(id).toMatch(/^([0-9a-f]{16}){1,2}$/);
  });
});

describe('request ids', () => {
  it("keeps a caller's request id only when it is safe to log and echo", () => {
    expect(requestIdOf('req-123_abc:9')).toBe('req-123_abc:9');
    for (const unsafe of [undefined, '', 'has space', 'line\nbreak', 'x'.repeat(129), 'é']) {
      expect(requestIdOf(unsafe)).toMatch(/^[0-9a-f]{16}$/);
    }
  });
});
