import type { WebhookEvent } from './events.ts';
import type { HeaderSource } from './headers.ts';
import { normalise } from './normalise.ts';
import { deliveryHeader, detectProvider } from './providers.ts';
import { everyRepository, repositoryOf, secretsFor, sharedSecrets, type WebhookSecrets } from './secrets.ts';
import { verifySignature } from './verify.ts';

export * from './events.ts';
export type { HeaderSource } from './headers.ts';
export { detectProvider } from './providers.ts';
export {
  countSecrets,
  mergeSecrets,
  parseScopedSecrets,
  SecretsFileError,
  sharedSecrets,
  type WebhookSecrets,
} from './secrets.ts';
export { signedWebhookHeaders, type WebhookToSign } from './sign.ts';

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

  const scoped = isList(secrets) ? sharedSecrets(secrets) : secrets;
  // Scoped secrets are chosen by the repository the event is about: the payload is read before the
  // signature is checked, only to choose them. What starts jobs is the event normalised here, so the
  // secret that verifies it is always its own repository's.
  const scopedByRepository = [...scoped.keys()].some((scope) => scope !== everyRepository);
  let payload = scopedByRepository ? parseJson(body) : undefined;
  let normalised =
    payload?.ok && deliveryId !== undefined
      ? normalise({ provider, deliveryId, event, payload: payload.value })
      : undefined;
  // An event we ignore starts nothing; its secret is still looked for where the payload says it is from.
  const about =
    normalised?.kind === 'event' && 'repo' in normalised.event ? normalised.event.repo : undefined;
  const repository = about
    ? `${about.owner}/${about.name}`
    : payload?.ok
      ? repositoryOf(provider, payload.value)
      : undefined;
  const accepted = secretsFor(scoped, repository);
  const signature = verifySignature({ provider, headers, body, secrets: accepted, allowSha1 });
  if (!signature.valid) {
    const reason =
      accepted.length === 0 && repository
        ? `no webhook secret configured for ${repository}`
        : signature.reason;
    return rejected(401, reason);
  }

  if (deliveryId === undefined) return rejected(400, `missing ${deliveryHeader[provider]} header`);
  payload ??= parseJson(body);
  if (!payload.ok) return rejected(400, `malformed JSON: ${payload.reason}`);

  normalised ??= normalise({ provider, deliveryId, event, payload: payload.value });
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
