import { createHmac } from 'node:crypto';
import type { Provider } from '../events.ts';
import { deliveryHeader, eventHeader } from './providers.ts';

export interface WebhookToSign {
  provider: Provider;
  event: string;
  deliveryId: string;
  body: Buffer;
  secret: string;
}

/** The headers a provider sends with a delivery, signed the way that provider signs (for replay and tests). */
export function signedWebhookHeaders({ provider, event, deliveryId, body, secret }: WebhookToSign) {
  const hmacSha256 = createHmac('sha256', secret).update(body).digest('hex');
  const signature: Record<Provider, Record<string, string>> = {
    github: { 'X-Hub-Signature-256': `sha256=${hmacSha256}` },
    gitlab: { 'X-Gitlab-Token': secret },
    gitea: { 'X-Gitea-Signature': hmacSha256 },
    bitbucketserver: { 'X-Hub-Signature': `sha256=${hmacSha256}` },
  };
  return {
    'Content-Type': 'application/json',
    [eventHeader[provider]]: event,
    [deliveryHeader[provider]]: deliveryId,
    ...signature[provider],
  };
}
