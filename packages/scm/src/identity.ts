import { createHash } from 'node:crypto';
import type { WebhookEvent } from './events.ts';

/** Longest key `eventKey` returns: what the meta-pipeline client takes, with room for a job's name. */
const maxKeyLength = 400;

/**
 * What an event is, the same for every delivery of it: a key for the work it starts, so that work is done
 * once however often the event arrives. The delivery id is no such key: it is not signed (anyone holding
 * a captured delivery can send it again under a new one) and Gitea's replay sends a new one by design.
 *
 * - a push: its ref and the commit pushed;
 * - a pull request event: its number, what happened (a redelivery of an old `synchronize` is the same
 *   event; a reopening is another) and the head commit, with the label for `labeled`;
 * - a comment or review: its id, so each new `/retest` is a new event and a redelivered one is not.
 *
 * Keys are readable; one that would be too long is shortened to a digest of its tail.
 */
export function eventKey(event: Exclude<WebhookEvent, { type: 'ping' }>): string {
  const repo = `${event.provider}/${event.repo.owner}/${event.repo.name}`;
  const key = `${repo}/${what(event)}`;
  if (key.length <= maxKeyLength) return key;
  const digest = createHash('sha256').update(key).digest('hex');
  return `${event.provider}/sha256:${digest}`;
}

function what(event: Exclude<WebhookEvent, { type: 'ping' }>): string {
  switch (event.type) {
    case 'push':
      return `push/${event.ref}/${event.after}`;
    case 'pull_request': {
      const label = event.action === 'labeled' && event.label ? `/${event.label}` : '';
      return `pull/${event.number}/${event.action}${label}/${event.head.sha}`;
    }
    case 'pull_request_comment':
    case 'issue_comment':
    case 'review':
      return `comment/${event.commentId}`;
  }
}
