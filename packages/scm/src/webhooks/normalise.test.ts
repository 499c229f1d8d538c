import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, inject, it } from 'vitest';
import type { Provider } from '../events.ts';
import { normalise } from './normalise.ts';

const goScm = join(inject('fixturesDir'), 'go-scm');

/** A go-scm payload with the value at each dotted path replaced (undefined deletes it): a variant it lacks. */
function payload(file: string, changes: Record<string, unknown> = {}) {
  const parsed = JSON.parse(readFileSync(join(goScm, file), 'utf8'));
  for (const [path, value] of Object.entries(changes)) {
    const keys = path.split('.');
    const last = keys.pop() ?? '';
    const parent = keys.reduce((object, key) => object[key], parsed);
    if (value === undefined) delete parent[last];
    else parent[last] = value;
  }
  return parsed;
}

const run = (provider: Provider, event: string, body: unknown) =>
  normalise({ provider, deliveryId: 'delivery-1', event, payload: body });

describe('GitLab merge requests', () => {
  const file = 'gitlab/testdata/webhooks/pull_request_edited.json';

  it('an update that moved the source branch (oldrev) is a synchronize', () => {
    expect(run('gitlab', 'Merge Request Hook', payload(file))).toMatchObject({
      event: { action: 'synchronize', head: { sha: 'c4c79227ed610f1151f05bbc5be33b4f340d39c8' } },
    });
  });

  it('an update without oldrev is an edit', () => {
    const edited = payload(file, { 'object_attributes.oldrev': undefined });
    expect(run('gitlab', 'Merge Request Hook', edited)).toMatchObject({ event: { action: 'edited' } });
  });

  it('approvals are ignored', () => {
    const approved = payload(file, { 'object_attributes.action': 'approved' });
    expect(run('gitlab', 'Merge Request Hook', approved)).toEqual({
      kind: 'ignored',
      reason: 'gitlab Merge Request Hook approved',
    });
  });

  it('names the author when the actor is the author, and reads draft', () => {
    const byAuthor = payload(file, { 'user.id': 51764, 'object_attributes.work_in_progress': true });
    expect(run('gitlab', 'Merge Request Hook', byAuthor)).toMatchObject({
      event: { author: { id: '51764', login: 'sytses' }, draft: true },
    });
  });
});

describe('GitLab notes', () => {
  const file = 'gitlab/testdata/webhooks/pull_request_comment_create.json';

  it('a note on a commit is ignored', () => {
    const onCommit = payload(file, { 'object_attributes.noteable_type': 'Commit' });
    expect(run('gitlab', 'Note Hook', onCommit)).toEqual({
      kind: 'ignored',
      reason: 'gitlab Note Hook on Commit',
    });
  });

  it('an edited note is ignored', () => {
    const updated = payload(file, { 'object_attributes.action': 'update' });
    expect(run('gitlab', 'Note Hook', updated)).toEqual({
      kind: 'ignored',
      reason: 'gitlab Note Hook update',
    });
  });

  it('a note on a merge request without the merge request is invalid', () => {
    const bare = payload(file, { merge_request: undefined });
    expect(run('gitlab', 'Note Hook', bare)).toMatchObject({ kind: 'invalid', field: 'merge_request' });
  });
});

describe('Gitea pull requests', () => {
  it('reads pushes to a pull request under the pull_request_sync event too', () => {
    const synchronized = payload('gitea/testdata/webhooks/pull_request_synchronized.json');
    expect(run('gitea', 'pull_request_sync', synchronized)).toMatchObject({
      kind: 'event',
      event: { type: 'pull_request', action: 'synchronize', number: 1 },
    });
  });

  it('ignores label changes', () => {
    const labelled = payload('gitea/testdata/webhooks/pull_request_opened.json', { action: 'label_updated' });
    expect(run('gitea', 'pull_request_label', labelled)).toEqual({
      kind: 'ignored',
      reason: 'gitea pull_request_label',
    });
    expect(run('gitea', 'pull_request', labelled)).toEqual({
      kind: 'ignored',
      reason: 'gitea pull_request label_updated',
    });
  });
});

describe('GitHub', () => {
  it('a push to a ref that is neither a branch nor a tag is ignored', () => {
    const notes = payload('github/testdata/webhooks/push.json', { ref: 'refs/notes/commits' });
    expect(run('github', 'push', notes)).toEqual({
      kind: 'ignored',
      reason: 'github push to refs/notes/commits, neither a branch nor a tag',
    });
  });

  it('a draft pull request is a draft', () => {
    const draft = payload('github/testdata/webhooks/pr_opened.json', { 'pull_request.draft': true });
    expect(run('github', 'pull_request', draft)).toMatchObject({ event: { draft: true } });
  });
});

it("Bitbucket Server's test delivery is a ping", () => {
  expect(run('bitbucketserver', 'diagnostics:ping', { test: true })).toEqual({
    kind: 'event',
    event: { type: 'ping', provider: 'bitbucketserver', deliveryId: 'delivery-1' },
  });
});
