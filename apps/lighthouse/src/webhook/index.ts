import type { WebhookEvent } from './events.ts';
import type { HeaderSource } from './headers.ts';
import { normalise } from './normalise.ts';
import { deliveryHeader, detectProvider } from './providers.ts';
import { verifySignature } from './verify.ts';

export * from './events.ts';
export type { HeaderSource } from './headers.ts';
export { detectProvider } from './providers.ts';
export { signedWebhookHeaders, type WebhookToSign } from './sign.ts';

export interface WebhookRequest {
  headers: HeaderSource;
  /** The raw request body, before any parsing. */
  body: Buffer;
  /** The secrets accepted now; several during a rotation. With none, nothing verifies. */
  secrets: readonly string[];
  /** Accept GitHub's SHA-1 `X-Hub-Signature` when no SHA-256 signature is sent. */
  allowSha1?: boolean;
}

export type WebhookOutcome =
  | { kind: 'event'; event: WebhookEvent }
  | { kind: 'ignored'; reason: string }
  | { kind: 'rejected'; status: 400 | 401; reason: string };

/** Detects the provider, verifies the signature on the raw bytes, parses and normalises. Never throws. */
export function receiveWebhook({ headers, body, secrets, allowSha1 }: WebhookRequest): WebhookOutcome {
  const detected = detectProvider(headers);
  if (detected.kind === 'unknown') return rejected(400, detected.reason);
  const { provider, event, deliveryId } = detected;

  const signature = verifySignature({ provider, headers, body, secrets, allowSha1 });
  if (!signature.valid) return rejected(401, signature.reason);

  if (deliveryId === undefined) return rejected(400, `missing ${deliveryHeader[provider]} header`);
  const payload = parseJson(body);
  if (!payload.ok) return rejected(400, `malformed JSON: ${payload.reason}`);

  const result = normalise({ provider, deliveryId, event, payload: payload.value });
  if (result.kind === 'invalid') {
    return rejected(400, `${provider} ${event} payload: ${result.field}: ${result.reason}`);
  }
  return result;
}

const rejected = (status: 400 | 401, reason: string): WebhookOutcome => ({
  kind: 'rejected',
  status,
  reason,
});

function parseJson(body: Buffer): { ok: true; value: unknown } | { ok: false; reason: string } {
  try {
    return { ok: true, value: JSON.parse(body.toString('utf8')) };
  } catch (error) {
    return { ok: false, reason: error instanceof Error ? error.message : String(error) };
  }
}
