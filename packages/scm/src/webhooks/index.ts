import type { WebhookEvent } from '../events.ts';
import { claimedRepository } from './claimed.ts';
import type { HeaderSource } from './headers.ts';
import { normalise } from './normalise.ts';
import { type Detection, deliveryHeader, detectProvider } from './providers.ts';
import { everyRepository, repositoryOf, secretsFor, sharedSecrets, type WebhookSecrets } from './secrets.ts';
import { verifySignature } from './verify.ts';

export {
  type GoScmHook,
  type GoScmHookBody,
  type GoScmKind,
  goScmHook,
  goScmHookKinds,
  goScmHooksBuilt,
} from './go-scm-hook/index.ts';
export type { HeaderSource } from './headers.ts';
export { type Detection, detectProvider, handledEvents } from './providers.ts';
export {
  countSecrets,
  mergeSecrets,
  repositoryOf,
  scopedSecrets,
  secretsFor,
  sharedSecrets,
  type WebhookSecrets,
} from './secrets.ts';
export {
  sha256Signature,
  signedWebhookHeaders,
  verifySha256Signature,
  type WebhookToSign,
} from './sign.ts';
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
 * Detects the provider, verifies the signature on the raw bytes, then parses and normalises. The body is
 * not parsed before a secret has verified it: with secrets by scope, the ones to try are those of the
 * repository the body claims (see claimedRepository), so the cost of a refusal does not grow with the
 * number of secrets; once verified, the normalised event's repository must be the signing secret's own.
 * Never throws.
 */
/** A delivery id as the providers send one (a UUID, a number): it goes into logs, labels and answers. */
const deliveryIdShape = /^[A-Za-z0-9._:-]{1,128}$/;

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
  const byRepository = [...scoped.keys()].some((scope) => scope !== everyRepository);
  const claimed = byRepository ? claimedRepository(provider, body) : undefined;
  const candidates = secretsFor(scoped, claimed);
  const signature = verifySignature({ provider, headers, body, secrets: candidates, allowSha1 });
  if (!signature.valid) {
    const none = candidates.length === 0 && claimed !== undefined;
    return rejected(401, none ? `no webhook secret configured for ${claimed}` : signature.reason);
  }

  if (deliveryId === undefined) return rejected(400, `missing ${deliveryHeader[provider]} header`);
  if (!deliveryIdShape.test(deliveryId)) {
    return rejected(
      400,
      `${deliveryHeader[provider]} must be 1 to 128 letters, digits and . _ : - (a provider's delivery id)`,
    );
  }
  const payload = parseJson(body);
  if (!payload.ok) return rejected(400, `malformed JSON: ${payload.reason}`);
  const normalised = normalise({ provider, deliveryId, event, payload: payload.value });

  // What starts jobs is the event normalised here, so the repository it names must be the secret's own.
  const about = normalised.kind === 'event' && 'repo' in normalised.event ? normalised.event.repo : undefined;
  const repository = about ? `${about.owner}/${about.name}` : repositoryOf(provider, payload.value);
  if (!secretsFor(scoped, repository).includes(candidates[signature.signedWith] ?? '')) {
    return rejected(401, `signed with a secret that is not the one for ${repository ?? 'every repository'}`);
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
