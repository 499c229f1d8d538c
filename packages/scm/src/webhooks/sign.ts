import { createHmac, timingSafeEqual } from 'node:crypto';
import type { Provider } from '../events.ts';
import { deliveryHeader, eventHeader } from './providers.ts';

export interface WebhookToSign {
  provider: Provider;
  event: string;
  deliveryId: string;
  body: Buffer;
  secret: string;
}

const hmacSha256 = (body: string | Buffer, secret: string) =>
  createHmac('sha256', secret).update(body).digest('hex');

/** `sha256=` and the hex HMAC-SHA256 of the body, as GitHub signs and Lighthouse signs for its external plugins. */
export const sha256Signature = (body: string | Buffer, secret: string) =>
  `sha256=${hmacSha256(body, secret)}`;

/** Whether a `sha256=<hex>` signature is the body's with the secret, compared in constant time. */
export function verifySha256Signature(body: string | Buffer, secret: string, signature: string): boolean {
  const expected = Buffer.from(sha256Signature(body, secret));
  const given = Buffer.from(signature);
  return given.length === expected.length && timingSafeEqual(given, expected);
}

/** The headers a provider sends with a delivery, signed the way that provider signs (for replay and tests). */
export function signedWebhookHeaders({ provider, event, deliveryId, body, secret }: WebhookToSign) {
  const signature: Record<Provider, Record<string, string>> = {
    github: { 'X-Hub-Signature-256': sha256Signature(body, secret) },
    gitlab: { 'X-Gitlab-Token': secret },
    gitea: { 'X-Gitea-Signature': hmacSha256(body, secret) },
    bitbucketserver: { 'X-Hub-Signature': sha256Signature(body, secret) },
  };
  return {
    'Content-Type': 'application/json',
    [eventHeader[provider]]: event,
    [deliveryHeader[provider]]: deliveryId,
    ...signature[provider],
  };
}
