import type * as z from 'zod';
import type { Provider, WebhookEvent } from '../events.ts';

export type NormaliseResult =
  | { kind: 'event'; event: WebhookEvent }
  | { kind: 'ignored'; reason: string }
  /** The payload lacks what its event must have; `field` is the path in the payload. */
  | { kind: 'invalid'; field: string; reason: string };

export type Invalid = Extract<NormaliseResult, { kind: 'invalid' }>;

/** What every event carries besides the payload's own fields. */
export interface Delivery {
  provider: Provider;
  deliveryId: string;
}

export const found = (event: WebhookEvent): NormaliseResult => ({ kind: 'event', event });

export const ignored = (reason: string): NormaliseResult => ({ kind: 'ignored', reason });

/** Ignored for its action, e.g. `github pull_request unlabeled`. */
export const ignoredAction = (provider: Provider, event: string, action: string) =>
  ignored(`${provider} ${event} ${action || '(no action)'}`);

/** Parses the part of a payload we read; on failure, names the first field that is wrong. */
export function parsePayload<Schema extends z.ZodType>(
  schema: Schema,
  payload: unknown,
): { ok: true; data: z.output<Schema> } | { ok: false; invalid: Invalid } {
  const parsed = schema.safeParse(payload);
  if (parsed.success) return { ok: true, data: parsed.data };
  const issue = parsed.error.issues[0];
  return {
    ok: false,
    invalid: {
      kind: 'invalid',
      field: issue?.path.map(String).join('.') || '(payload)',
      reason: issue?.message ?? 'does not match the expected shape',
    },
  };
}
