import { describe, expect, it } from 'vitest';
import type { PullRequestCommentEvent, PullRequestEvent, PushEvent } from './events.ts';
import { eventKey } from './identity.ts';

const repo = { owner: 'acme', name: 'rocket' };
const head = 'a'.repeat(40);
const pull = (fields: Partial<PullRequestEvent> = {}): PullRequestEvent => ({
  type: 'pull_request',
  provider: 'github',
  deliveryId: 'delivery-1',
  action: 'opened',
  repo,
  number: 7,
  title: 'A change',
  author: { id: '1', login: 'mona' },
  draft: false,
  base: { ref: 'main' },
  head: { ref: 'feature', sha: head },
  labels: [],
  merged: false,
  ...fields,
});
const push = (fields: Partial<PushEvent> = {}): PushEvent => ({
  type: 'push',
  provider: 'gitea',
  deliveryId: 'delivery-1',
  repo,
  ref: 'refs/heads/main',
  refType: 'branch',
  refName: 'main',
  before: 'b'.repeat(40),
  after: 'c'.repeat(40),
  deleted: false,
  sender: { id: '1' },
  ...fields,
});
const comment = (commentId: string, deliveryId = 'delivery-1'): PullRequestCommentEvent => ({
  type: 'pull_request_comment',
  provider: 'gitlab',
  deliveryId,
  repo,
  number: 7,
  commentId,
  body: '/retest',
  author: { id: '1', login: 'mona' },
});

describe('eventKey', () => {
  it('is the same for the same event under another delivery id (a replay, a redelivery)', () => {
    expect(eventKey(pull({ deliveryId: 'other' }))).toBe(eventKey(pull()));
    expect(eventKey(push({ deliveryId: 'other' }))).toBe(eventKey(push()));
    expect(eventKey(comment('41', 'other'))).toBe(eventKey(comment('41')));
  });

  it('tells apart what is another event: another head, action, label, comment, ref or commit', () => {
    const keys = [
      eventKey(pull()),
      eventKey(pull({ action: 'synchronize' })),
      eventKey(pull({ action: 'synchronize', head: { ref: 'feature', sha: 'd'.repeat(40) } })),
      eventKey(pull({ action: 'reopened' })),
      eventKey(pull({ action: 'labeled', label: 'ok-to-test' })),
      eventKey(pull({ action: 'labeled', label: 'lgtm' })),
      eventKey(pull({ number: 8 })),
      eventKey(pull({ provider: 'gitea' })),
      eventKey(pull({ repo: { owner: 'acme', name: 'other' } })),
      eventKey(comment('41')),
      eventKey(comment('42')),
      eventKey(push()),
      eventKey(push({ after: 'e'.repeat(40) })),
      eventKey(push({ ref: 'refs/tags/v1.0.0' })),
    ];
    expect(new Set(keys).size).toBe(keys.length);
  });

  it('reads as what it is, and stays within 400 characters for the longest names', () => {
    expect(eventKey(pull({ action: 'synchronize' }))).toBe(`github/acme/rocket/pull/7/synchronize/${head}`);
    const deep = { owner: Array(20).fill('group').join('/'), name: 'x'.repeat(255) };
    const long = eventKey(pull({ repo: deep }));
    expect(long).toMatch(/^github\/sha256:[0-9a-f]{64}$/);
    expect(long).not.toBe(eventKey(pull({ repo: deep, number: 8 })));
  });
});
