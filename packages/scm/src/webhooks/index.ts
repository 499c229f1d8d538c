import type { WebhookEvent } from '../events.ts';
import type { HeaderSource } from './headers.ts';
import { normalise } from './normalise.ts';
import { type Detection, deliveryHeader, detectProvider } from './providers.ts';
import { repositoryOf, secretsFor, sharedSecrets, type WebhookSecrets } from './secrets.ts';
import { verifySignature } from './verify.ts';

export type { HeaderSource } from './headers.ts';
export { type Detection, detectProvider } from './providers.ts';
export {
  countSecrets,
  mergeSecrets,
  repositoryOf,
  scopedSecrets,
  secretsFor,
  sharedSecrets,
  type WebhookSecrets,
} from './secrets.ts';
export { signedWebhookHeaders, type WebhookToSign } from './sign.ts';
export { type SignatureCheck, type SignatureVerdict, verifySignature } from './verify.ts';

export interface WebhookRequest {
  headers: HeaderSource;
  /** The raw request body, before any parsing. */
  body: Buffer;
  /**
   * The secrets accepted now: a list for every repository (several during a rotation), or by scope.
   * With none for the delivery's repository, nothing verifies.
   */
  secrets: readonly string[] | WebhookSecrets;
  /** Accept GitHub's SHA-1 `X-Hub-Signature` when no SHA-256 signature is sent. */
  allowSha1?: boolean;
  /** `detectProvider(headers)`, when the caller has it already. */
  detected?: Detection;
}

export type WebhookOutcome =
  | { kind: 'event'; event: WebhookEvent }
  | { kind: 'ignored'; reason: string }
  | { kind: 'rejected'; status: 400 | 401; reason: string };

/**
 * Detects the provider, verifies the signature on the raw bytes, then parses and normalises. Nothing of
 * the body is parsed before a configured secret has verified it. With secrets by scope, the secret that
 * signed it must then also be the one of the repository the event is about. Never throws.
 */
export function receiveWebhook({
  headers,
  body,
  secrets,
  allowSha1,
  detected,
}: WebhookRequest): WebhookOutcome {
  const detection = detected ?? detectProvider(headers);
  if (detection.kind === 'unknown') return rejected(400, detection.reason);
  const { provider, event, deliveryId } = detection;

  const scoped = isList(secrets) ? sharedSecrets(secrets) : secrets;
  const candidates = [...new Set([...scoped.values()].flat())];
  const signature = verifySignature({ provider, headers, body, secrets: candidates, allowSha1 });
  if (!signature.valid) return rejected(401, signature.reason);

  if (deliveryId === undefined) return rejected(400, `missing ${deliveryHeader[provider]} header`);
  const payload = parseJson(body);
  if (!payload.ok) return rejected(400, `malformed JSON: ${payload.reason}`);
  const normalised = normalise({ provider, deliveryId, event, payload: payload.value });

  // The event normalised here is what starts jobs, so the repository it names must be the secret's own.
  const about = normalised.kind === 'event' && 'repo' in normalised.event ? normalised.event.repo : undefined;
  const repository = about ? `${about.owner}/${about.name}` : repositoryOf(provider, payload.value);
  const accepted = secretsFor(scoped, repository);
  if (!accepted.includes(signature.secret)) {
    const whose = repository ?? 'events about no repository';
    return rejected(
      401,
      accepted.length === 0
        ? `no webhook secret configured for ${whose}`
        : `signed with a secret that is not the one for ${whose}`,
    );
  }
  if (normalised.kind === 'invalid') {
    return rejected(400, `${provider} ${event} payload: ${normalised.field}: ${normalised.reason}`);
  }
  return normalised;
}

const rejected = (status: 400 | 401, reason: string): WebhookOutcome => ({
  kind: 'rejected',
  status,
  reason,
});

function isList(secrets: readonly string[] | WebhookSecrets): secrets is readonly string[] {
  return Array.isArray(secrets);
}

function parseJson(body: Buffer): { ok: true; value: unknown } | { ok: false; reason: string } {
  try {
    return { ok: true, value: JSON.parse(body.toString('utf8')) };
  } catch (error) {
    return { ok: false, reason: error instanceof Error ? error.message : String(error) };
  }
}
