import { describe, expect, it } from 'vitest';
import type { Provider } from '../events.ts';
import { normalise } from './normalise.ts';
import { detectProvider, handledEvents } from './providers.ts';

describe('detectProvider', () => {
  it.each([
    ['github', { 'X-GitHub-Event': 'push', 'X-GitHub-Delivery': 'gh-1' }, 'push', 'gh-1'],
    ['gitlab', { 'X-Gitlab-Event': 'Push Hook', 'X-Gitlab-Event-UUID': 'gl-1' }, 'Push Hook', 'gl-1'],
    ['gitea', { 'X-Gitea-Event': 'push', 'X-Gitea-Delivery': 'gt-1' }, 'push', 'gt-1'],
    ['bitbucketserver', { 'X-Event-Key': 'pr:opened', 'X-Request-Id': 'bb-1' }, 'pr:opened', 'bb-1'],
  ] as const)('recognises %s with its event and delivery id', (provider, headers, event, deliveryId) => {
    const expected = { kind: 'known', provider, event, deliveryId };
    expect(detectProvider(headers)).toEqual(expected);
    expect(detectProvider(new Headers(headers))).toEqual(expected);
    const lowerCase = Object.fromEntries(
      Object.entries(headers).map(([name, value]) => [name.toLowerCase(), value]),
    );
    expect(detectProvider(lowerCase)).toEqual(expected);
  });

  it('recognises Gitea although it also sends GitHub and Gogs headers', () => {
    const headers = {
      'x-github-event': 'pull_request',
      'x-github-delivery': 'd',
      'x-gogs-event': 'pull_request',
      'x-gitea-event': 'pull_request',
      'x-gitea-delivery': 'd',
    };
    expect(detectProvider(headers)).toMatchObject({ kind: 'known', provider: 'gitea' });
  });

  it('leaves the delivery id undefined when its header is missing or empty', () => {
    expect(detectProvider({ 'x-github-event': 'push' })).toEqual({
      kind: 'known',
      provider: 'github',
      event: 'push',
      deliveryId: undefined,
    });
    expect(detectProvider({ 'x-github-event': 'push', 'x-github-delivery': '' })).toMatchObject({
      deliveryId: undefined,
    });
  });

  it('does not take Bitbucket Cloud for Bitbucket Server', () => {
    expect(detectProvider({ 'x-event-key': 'repo:push', 'x-request-uuid': 'u', 'x-hook-uuid': 'h' })).toEqual(
      { kind: 'unknown', reason: 'Bitbucket Cloud webhooks are not supported' },
    );
  });

  it('knows nothing of other requests', () => {
    for (const headers of [
      {},
      { 'content-type': 'application/json' },
      { 'x-gogs-event': 'push' },
      { 'x-github-event': '' },
    ]) {
      expect(detectProvider(headers)).toMatchObject({ kind: 'unknown' });
    }
  });

  it('joins repeated header values the way Node does', () => {
    expect(detectProvider({ 'x-github-event': ['push', 'ping'], 'x-github-delivery': ['a'] })).toMatchObject({
      event: 'push, ping',
      deliveryId: 'a',
    });
  });
});

describe('handledEvents', () => {
  // An empty payload is invalid for an event a normaliser reads, and ignored for any other.
  const ignored = (provider: Provider, event: string) =>
    normalise({ provider, deliveryId: 'd', event, payload: {} }).kind === 'ignored';

  it.each(Object.entries(handledEvents) as [Provider, string[]][])(
    'lists exactly the events the %s normaliser reads',
    (provider, events) => {
      for (const event of events) expect(ignored(provider, event), event).toBe(false);
      for (const event of ['star', 'issues', 'Pipeline Hook', 'repository', 'pr:reviewer:approved']) {
        expect(ignored(provider, event), event).toBe(true);
      }
    },
  );
});
