import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, inject, it } from 'vitest';
import { ConfigError } from './config-error.ts';
import { parseConfig } from './load.ts';

const paths = { configPath: 'config.yaml', pluginsPath: 'plugins.yaml' };

const load = (plugins: string) => parseConfig(paths, { config: '', plugins }).plugins.externalPlugins;

function issues(plugins: string): string[] {
  try {
    parseConfig(paths, { config: '', plugins });
  } catch (error) {
    if (error instanceof ConfigError) return error.issues.map((issue) => `${issue.path}: ${issue.reason}`);
    throw error;
  }
  return [];
}

describe('external_plugins in plugins.yaml', () => {
  it('reads them by org and org/repo, with http://<name> for the endpoint left out, and no empty lists', () => {
    const plugins = load(`
external_plugins:
  my-org:
  - name: cd-indicators
    events: [push, pull_requests]
  my-org/my-repo:
  - name: webui
    endpoint: https://webui.example.com/hook
  other/empty: null
`);
    expect([...plugins]).toEqual([
      [
        'my-org',
        [{ name: 'cd-indicators', endpoint: 'http://cd-indicators', events: ['push', 'pull_requests'] }],
      ],
      ['my-org/my-repo', [{ name: 'webui', endpoint: 'https://webui.example.com/hook', events: [] }]],
    ]);
  });

  it('has none when plugins.yaml lists none', () => {
    expect(load('plugins: {}\n').size).toBe(0);
  });

  it('loads the real Lighthouse plugins.yaml, whose external_plugins are all null', async () => {
    const file = join(
      inject('fixturesDir'),
      'lighthouse',
      'pkg',
      'webhook',
      'test_data',
      'test_plugins.yaml',
    );
    const text = await readFile(file, 'utf8');
    expect(text).toMatch(/external_plugins:\n\s+jenkins-x\/dummy: null/);
    expect(load(text).size).toBe(0);
  });

  it('names the unknown events, and accepts every kind with or without an s', () => {
    expect(
      issues(`
external_plugins:
  org:
  - name: a
    events: [push, pushes, pull_requests, issue_comments, review, activity, pull-request, comment]
`),
    ).toEqual([
      expect.stringMatching(
        /^external_plugins\.org\[0\]\.events: external plugin a: unknown events "pushes", "pull-request", "comment"; the events are activity, branch, /,
      ),
    ]);
  });

  it('refuses an endpoint that is not an http(s) URL', () => {
    for (const endpoint of ['ftp://host/x', 'webui', 'http://', 'http:// space']) {
      expect(
        issues(`external_plugins:\n  org:\n  - name: a\n    endpoint: "${endpoint}"\n`),
        endpoint,
      ).toEqual(['external_plugins.org[0].endpoint: must be an http:// or https:// URL']);
    }
  });

  it('refuses an endpoint with a user name or password, without repeating it', () => {
    for (const endpoint of ['https://user:hunter2@host/hook', 'http://token@host']) {
      expect(issues(`external_plugins:\n  org:\n  - name: a\n    endpoint: "${endpoint}"\n`)).toEqual([
        'external_plugins.org[0].endpoint: must not hold a user name or password',
      ]);
    }
  });

  it('refuses a name that makes http://<name> no URL, when no endpoint is given', () => {
    expect(issues('external_plugins:\n  org:\n  - name: "a b"\n  - name: b\n')).toEqual([
      'external_plugins.org[0].name: external plugin a b: http://<name> must be an http:// or https:// URL; give it an endpoint',
    ]);
  });

  it('refuses a key that is neither an org nor an org/repo', () => {
    expect(issues('external_plugins:\n  "org/": [{name: a}]\n  "a//b": [{name: b}]\n  " ": []\n')).toEqual([
      'external_plugins.org/: "org/" is neither an org nor an org/repo',
      'external_plugins.a//b: "a//b" is neither an org nor an org/repo',
      'external_plugins. : " " is neither an org nor an org/repo',
    ]);
  });

  it('refuses a plugin without a name', () => {
    expect(issues('external_plugins:\n  org: [{endpoint: "http://x"}]\n')).toEqual([
      expect.stringMatching(/^external_plugins\.org\[0\]\.name: /),
    ]);
  });

  it('refuses a plugin configured for an org and for one of its repos, as Lighthouse does', () => {
    expect(
      issues(
        'external_plugins:\n  org: [{name: a}, {name: b}]\n  org/repo: [{name: a}]\n  org/other: [{name: c}]\n',
      ),
    ).toEqual(['external_plugins.org/repo: external plugins [a] are duplicated for org/repo and org']);
  });
});
