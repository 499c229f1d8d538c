import { randomFillSync } from 'node:crypto';

const traceparentPattern = /^([0-9a-f]{2})-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})(-.*)?$/;

export interface TraceContext {
  /** The W3C trace-id: the sender's when it sent a valid `traceparent`, else a new one. */
  traceId: string;
  /** A `traceparent` continuing the trace, with a span of ours as the parent, to send on. */
  traceparent: string;
}

/**
 * The trace a request belongs to. An absent or invalid `traceparent` (version ff, all-zero ids, extra
 * fields on version 00) starts a new, sampled trace.
 */
export function traceContextOf(header: string | undefined): TraceContext {
  const match = header?.trim().match(traceparentPattern);
  const [, version, sentTraceId, parentId, flags, rest] = match ?? [];
  const valid =
    match !== null &&
    match !== undefined &&
    version !== 'ff' &&
    !(version === '00' && rest !== undefined) &&
    !/^0+$/.test(sentTraceId ?? '0') &&
    !/^0+$/.test(parentId ?? '0');
  const traceId = valid && sentTraceId ? sentTraceId : newTraceId();
  const sampled = valid && flags ? flags : '01';
  return { traceId, traceparent: `00-${traceId}-${randomHex(8)}-${sampled}` };
}

/** A new W3C trace-id: 16 random bytes in hex. */
export function newTraceId(): string {
  return randomHex(16);
}

/**
 * The caller's `x-request-id` when it is safe to log and echo (printable ASCII, at most 128 characters),
 * else a new one (8 random bytes in hex).
 */
export function requestIdOf(header: string | undefined): string {
  return header && /^[\x21-\x7e]{1,128}$/.test(header) ? header : randomHex(8);
}

/**
 * Random bytes for ids, taken in turn from one buffer that is refilled when used up: asking the CSPRNG per
 * id cost several microseconds a call, more than the rest of making the id, on every request.
 */
const pool = Buffer.alloc(4096);
let taken = pool.length;

function randomHex(bytes: number): string {
  if (taken + bytes > pool.length) {
    randomFillSync(pool);
    taken = 0;
  }
  const hex = pool.toString('hex', taken, taken + bytes);
  taken += bytes;
  return hex;
}
