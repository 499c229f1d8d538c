import type { Provider } from '../events.ts';
import { type HeaderSource, headerReader } from './headers.ts';

/** The header naming the event, per provider. */
export const eventHeader: Readonly<Record<Provider, string>> = {
  github: 'X-GitHub-Event',
  gitlab: 'X-Gitlab-Event',
  gitea: 'X-Gitea-Event',
  bitbucketserver: 'X-Event-Key',
};

/** The header carrying the provider's id for one delivery (kept across redeliveries). */
export const deliveryHeader: Readonly<Record<Provider, string>> = {
  github: 'X-GitHub-Delivery',
  gitlab: 'X-Gitlab-Event-UUID',
  gitea: 'X-Gitea-Delivery',
  bitbucketserver: 'X-Request-Id',
};

/**
 * The events each provider's normaliser reads (any other is ignored): a bounded set of names, for
 * metrics whose labels must not grow with what a sender writes in a header.
 */
export const handledEvents: Readonly<Record<Provider, readonly string[]>> = {
  github: [
    'push',
    'pull_request',
    'issue_comment',
    'pull_request_review_comment',
    'pull_request_review',
    'ping',
  ],
  gitlab: ['Push Hook', 'Tag Push Hook', 'Merge Request Hook', 'Note Hook'],
  gitea: ['push', 'pull_request', 'pull_request_sync', 'issue_comment', 'pull_request_comment'],
  bitbucketserver: [
    'repo:refs_changed',
    'pr:comment:added',
    'diagnostics:ping',
    'pr:opened',
    'pr:from_ref_updated',
    'pr:modified',
    'pr:merged',
    'pr:declined',
  ],
};

export type Detection =
  | { kind: 'known'; provider: Provider; event: string; deliveryId: string | undefined }
  | { kind: 'unknown'; reason: string };

// Gitea also sends X-GitHub-Event and X-Gogs-Event for compatibility, so it is recognised before GitHub.
const detectionOrder: readonly Provider[] = ['gitea', 'github', 'gitlab', 'bitbucketserver'];

/** Recognises which provider sent a request, and the event it names, from the headers alone. */
export function detectProvider(headers: HeaderSource): Detection {
  const read = headerReader(headers);
  for (const provider of detectionOrder) {
    const event = read(eventHeader[provider]);
    if (event === undefined) continue;
    // Bitbucket Cloud uses the same event header; it cannot sign, so it is not a webhook we accept.
    if (provider === 'bitbucketserver' && read('X-Hook-UUID') !== undefined) {
      return { kind: 'unknown', reason: 'Bitbucket Cloud webhooks are not supported' };
    }
    return { kind: 'known', provider, event, deliveryId: read(deliveryHeader[provider]) };
  }
  return {
    kind: 'unknown',
    reason: 'not a webhook we know: no GitHub, GitLab, Gitea or Bitbucket Server event header',
  };
}
