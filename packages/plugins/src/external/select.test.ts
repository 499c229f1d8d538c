import type { ExternalPlugin } from '@lighthouse-ts/config';
import { describe, expect, it } from 'vitest';
import { externalPluginsFor } from './select.ts';

const plugin = (name: string, events: string[] = []): ExternalPlugin => ({
  name,
  endpoint: `http://${name}`,
  events,
});

const config = {
  externalPlugins: new Map([
    ['org', [plugin('everything'), plugin('pushes', ['push']), plugin('comments', ['issue_comments'])]],
    ['org/repo', [plugin('reviews', ['review', 'pull_request'])]],
    ['other/repo', [plugin('elsewhere')]],
    ['group/sub/project', [plugin('nested', ['push'])]],
  ]),
};

const names = (repository: string, kind: string) =>
  externalPluginsFor(config, repository, kind).map(({ name }) => name);

describe('externalPluginsFor', () => {
  it('picks the org and org/repo entries whose events name the kind, or the kind plus s', () => {
    expect(names('org/repo', 'push')).toEqual(['everything', 'pushes']);
    expect(names('org/repo', 'issue_comment')).toEqual(['everything', 'comments']);
    expect(names('org/repo', 'pull_request')).toEqual(['everything', 'reviews']);
    expect(names('org/repo', 'review')).toEqual(['everything', 'reviews']);
  });

  it('does not take an event for a longer name: pull_request_comment is not pull_request', () => {
    expect(names('org/repo', 'pull_request_comment')).toEqual(['everything']);
  });

  it('keys match exactly: another repo of the org gets only the org entries, another org nothing', () => {
    expect(names('org/other', 'review')).toEqual(['everything']);
    expect(names('Org/repo', 'push')).toEqual([]);
    expect(names('organisation/repo', 'push')).toEqual([]);
  });

  it('takes the first segment of a GitLab nested path as its org, and the whole path as its repo', () => {
    expect(names('group/sub/project', 'push')).toEqual(['nested']);
    expect(names('group/sub/project', 'pull_request')).toEqual([]);
  });
});
