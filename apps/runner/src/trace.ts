import { randomBytes } from 'node:crypto';

const traceparentPattern = /^([0-9a-f]{2})-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})(-.*)?$/;

/**
 * The trace-id of a W3C `traceparent` header, or undefined when the header is absent or invalid
 * (version ff, all-zero ids, or extra fields on version 00).
 */
export function traceIdOf(traceparent: string | undefined): string | undefined {
  const match = traceparent?.trim().match(traceparentPattern);
  if (!match) return undefined;
  const [, version, traceId, parentId, , rest] = match;
  if (version === 'ff' || (version === '00' && rest !== undefined)) return undefined;
  if (/^0+$/.test(traceId ?? '0') || /^0+$/.test(parentId ?? '0')) return undefined;
  return traceId;
}

export function newTraceId(): string {
  return randomBytes(16).toString('hex');
}

/**
 * The caller's `x-request-id` when it is safe to log and echo (printable ASCII, at most 128
 * characters), else a new one.
 */
export function requestIdOf(header: string | undefined): string {
  return header && /^[\x21-\x7e]{1,128}$/.test(header) ? header : randomBytes(8).toString('hex');
}
