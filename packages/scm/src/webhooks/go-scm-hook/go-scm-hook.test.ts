import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, inject, it } from 'vitest';
import { goScmManifest } from '../../../test/payloads.ts';
import type { Provider } from '../../events.ts';
import { goScmHook, goScmHookKinds } from './index.ts';
import { zeroTime } from './model.ts';

// go-scm's own test payloads and the hooks go-scm parsed from them (`.golden`). go-scm's test decodes a
// golden into the hook struct and compares: keys match case-insensitively, a key left out is the zero
// value, and keys that are no field of the struct are ignored. `goDifferences` compares the same way,
// except that a non-zero value only in the golden is a difference too, unless the case lists it below.

const folders: Partial<Record<Provider, string>> = { github: 'github', gitlab: 'gitlab', gitea: 'gitea' };

const kinds: Readonly<Record<string, string>> = {
  'scm.PushHook': 'push',
  'scm.BranchHook': 'branch',
  'scm.TagHook': 'tag',
  'scm.PullRequestHook': 'pull_request',
  'scm.IssueCommentHook': 'issue_comment',
  'scm.PullRequestCommentHook': 'pull_request_comment',
  'scm.ReviewHook': 'review',
};

/** go-scm's hooks we do not build (Lighthouse's plugins act on none of them). */
const notBuilt = new Set([
  'github/fork.json',
  'github/repository.json',
  'github/installation_repository.json',
  'github/check_suite_created.json',
  'github/deployment_status.json',
  'github/release.json',
  'github/status.json',
  'github/label_deleted.json',
  'github/ping.json',
  'github/branch_create.json',
  'github/branch_delete.json',
  'github/tag_create.json',
  'github/tag_delete.json',
  'github/deployment.json',
  'github/installation.json',
  'github/installation_delete.json',
  'gitlab/release.json',
  'gitea/issues_opened.json',
  'gitea/release.json',
]);

/**
 * Golden paths not compared, each for a reason: keys of the golden that are no field of go-scm's struct
 * (Go ignores them), or what go-scm reads from the provider's API rather than the payload.
 */
const omitted: Readonly<Record<string, readonly string[]>> = {
  // A commit's Signature has neither ID nor Link, a PushCommit no author, a ReviewHook no Sender.
  'github/push.json': ['Commit.Author.Link'],
  'github/push_tag.json': ['Commit.Author.Link'],
  'github/push_tag_delete.json': ['Commit.Committer.Link'],
  'github/push_branch_create.json': ['Commit.Author.ID', 'Commit.Author.Link'],
  'github/push_branch_delete.json': ['Commit.Author.ID', 'Commit.Author.Link'],
  'github/pr_review_submitted.json': ['Sender'],
  // go-scm asks Gitea's API for the pull request a comment is on: its branches, head commit, mergeability
  // and diff link are in no payload, and this old payload's issue has no html_url for its link either.
  'gitea/pull_request_comment_created.json': [
    'PullRequest.Sha',
    'PullRequest.Source',
    'PullRequest.Target',
    'PullRequest.Base',
    'PullRequest.Head',
    'PullRequest.Fork',
    'PullRequest.Mergeable',
    'PullRequest.Link',
    'PullRequest.DiffLink',
  ],
  'gitlab/push2.json': [
    'Commits[10].author',
    'Commits[11].author',
    'Commits[12].author',
    'Commits[13].author',
  ],
};

const rfc3339 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:Z|[+-]\d{2}:\d{2})$/;

const pointerFields = new Set(['Perm', 'Installation', 'ClosedBy', 'DueDate']);
const isPointer = (path: string) =>
  pointerFields.has(path.slice(path.lastIndexOf('.') + 1)) || path.endsWith('Issue.PullRequest');

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** Go's zero value: a slice is not, as `[]` decodes to an empty slice, not nil. */
function isZero(value: unknown): boolean {
  if (value === null || value === '' || value === 0 || value === false || value === zeroTime) return true;
  return isRecord(value) && Object.values(value).every(isZero);
}

function goDifferences(actual: unknown, golden: unknown, skip: ReadonlySet<string>, path = ''): string[] {
  if (skip.has(path)) return [];
  const differ = [`${path || '(hook)'}: ${JSON.stringify(actual)} is not ${JSON.stringify(golden)}`];
  if (actual === null || golden === null) {
    if (actual === golden) return [];
    return !isPointer(path) && isZero(actual ?? golden) ? [] : differ;
  }
  if (isRecord(actual) && isRecord(golden)) {
    const actualKeys = new Map(Object.keys(actual).map((key) => [key.toLowerCase(), key]));
    const goldenKeys = new Map(Object.keys(golden).map((key) => [key.toLowerCase(), key]));
    return [...new Set([...actualKeys.keys(), ...goldenKeys.keys()])].flatMap((lower) => {
      const actualKey = actualKeys.get(lower);
      const goldenKey = goldenKeys.get(lower);
      const child = `${path ? `${path}.` : ''}${actualKey ?? goldenKey}`;
      const actualValue = actualKey === undefined ? undefined : actual[actualKey];
      const goldenValue = goldenKey === undefined ? null : golden[goldenKey];
      if (actualValue === undefined) {
        return skip.has(child) || isZero(goldenValue) ? [] : [`${child}: only in the golden`];
      }
      return goDifferences(actualValue, goldenValue, skip, child);
    });
  }
  if (Array.isArray(actual) && Array.isArray(golden)) {
    if (actual.length !== golden.length) return differ;
    return actual.flatMap((item, index) => goDifferences(item, golden[index], skip, `${path}[${index}]`));
  }
  if (
    typeof actual === 'string' &&
    typeof golden === 'string' &&
    rfc3339.test(actual) &&
    rfc3339.test(golden)
  ) {
    return Date.parse(actual) === Date.parse(golden) ? [] : differ;
  }
  return actual === golden ? [] : differ;
}

const fixtures = (provider: string) => join(inject('fixturesDir'), 'go-scm', provider);

describe("go-scm's hooks, against go-scm's goldens", () => {
  for (const [provider, folder] of Object.entries(folders) as [Provider, string][]) {
    describe(provider, () => {
      const manifest = goScmManifest(fixtures(folder));
      const deliveryId = Object.entries(manifest.request.other_headers).find(([name]) =>
        /delivery|request-id/i.test(name),
      )?.[1];
      for (const { event_header_value: event, payload: file, golden, go_type: goType } of manifest.cases) {
        const name = `${provider}/${file}`;
        it(`${name} (${event})`, () => {
          const read = (each: string) =>
            JSON.parse(readFileSync(join(fixtures(folder), 'testdata', 'webhooks', each), 'utf8')) as unknown;
          const built = goScmHook({ provider, event, deliveryId: deliveryId ?? '', payload: read(file) });
          if (notBuilt.has(name)) {
            expect(built).toBeUndefined();
            expect(goScmHookKinds(provider, event)).toEqual([]);
            return;
          }
          expect(built?.kind).toBe(kinds[goType]);
          expect(goScmHookKinds(provider, event)).toContain(built?.kind);
          expect(goDifferences(built?.hook, read(golden), new Set(omitted[name]))).toEqual([]);
          expect(built?.repository).toBe(built?.hook.Repo.FullName);
        });
      }
    });
  }
});

describe('goDifferences', () => {
  const none = new Set<string>();
  it('reads a golden as Go decodes it into the struct', () => {
    expect(goDifferences({ Login: 'a', Name: '', Labels: null }, { login: 'a' }, none)).toEqual([]);
    expect(goDifferences({ Repo: { Perm: null } }, { Repo: { Perm: null } }, none)).toEqual([]);
    expect(
      goDifferences({ Created: '2019-05-15T15:19:25Z' }, { Created: '2019-05-15T08:19:25-07:00' }, none),
    ).toEqual([]);
  });

  it('finds what differs', () => {
    expect(goDifferences({ Login: 'a' }, { Login: 'b' }, none)).toHaveLength(1);
    expect(goDifferences({ Login: 'a' }, {}, none)).toHaveLength(1);
    expect(goDifferences({}, { Login: 'a' }, none)).toEqual(['Login: only in the golden']);
    expect(goDifferences({ Labels: [] }, {}, none)).toHaveLength(1);
    expect(goDifferences({ Repo: { Perm: { Pull: false } } }, { Repo: {} }, none)).toHaveLength(1);
    expect(goDifferences({ Created: zeroTime }, { Created: '2019-05-15T15:19:25Z' }, none)).toHaveLength(1);
  });
});
