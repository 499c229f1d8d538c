import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, inject, it } from 'vitest';
import { ConfigError } from './config-error.ts';
import { loadConfig } from './load.ts';
import { repoConfig } from './repo-config.ts';

const lighthouseFixtures = () => join(inject('fixturesDir'), 'lighthouse', 'pkg');

describe('the fixture configs', () => {
  it('webhook/test_data: config.yaml and plugins.yaml from a real installation load', async () => {
    const dir = join(lighthouseFixtures(), 'webhook', 'test_data');
    const config = await loadConfig({
      configPath: join(dir, 'test_config.yaml'),
      pluginsPath: join(dir, 'test_plugins.yaml'),
    });

    const repo = repoConfig(config, 'test-org', 'test-repo');
    expect(repo.presubmits.map((job) => [job.name, job.context, job.alwaysRun, job.rerunCommand])).toEqual([
      ['pr-build', 'pr-build', true, '/test this'],
    ]);
    expect(repo.presubmits[0]?.trigger?.regexp.test('/test this')).toBe(true);
    expect(repo.presubmits[0]?.trigger?.regexp.test('/test all')).toBe(true);
    // `context: ""` defaults to the job name.
    expect(repo.postsubmits.map((job) => [job.name, job.context, job.brancher.branches])).toEqual([
      ['release', 'release', ['master']],
    ]);
    expect(repo.plugins).toEqual([]);
    expect(config.jobs.presubmits.size).toBe(15);

    const dummy = repoConfig(config, 'jenkins-x', 'dummy');
    expect(dummy.plugins).toContain('trigger');
    expect(dummy.trigger.trustedOrg).toBe('jenkins-x');
    expect(dummy.trigger.repos).toEqual(['jenkins-x/dummy']);
  });

  it('triggerconfig/merge: the merged config and plugins load', async () => {
    const dir = join(lighthouseFixtures(), 'triggerconfig', 'merge', 'test_data', 'simple');
    const config = await loadConfig({
      configPath: join(dir, 'expected-config.yaml'),
      pluginsPath: join(dir, 'expected-plugins.yaml'),
    });

    const repo = repoConfig(config, 'myorg', 'myowner');
    const lint = repo.presubmits[0];
    expect(lint?.name).toBe('lint');
    expect(lint?.agent).toBe('tekton-pipeline');
    expect(lint?.rerunCommand).toBe('/relint');
    expect(lint?.trigger?.regexp.test('/lint')).toBe(true);
    expect(repo.postsubmits.map((job) => job.name)).toEqual(['release']);
    expect(repo.trigger.trustedOrg).toBe('someorg');
    // The trigger entry lists myorg/myowner, but only someorg/somerepo enables plugins.
    expect(repo.plugins).toEqual([]);
    expect(repoConfig(config, 'someorg', 'somerepo').plugins).toContain('trigger');
  });

  it('triggerconfig/merge: the source config (no jobs yet) and plugins load', async () => {
    const dir = join(lighthouseFixtures(), 'triggerconfig', 'merge', 'test_data', 'simple');
    const config = await loadConfig({
      configPath: join(dir, 'source-config.yaml'),
      pluginsPath: join(dir, 'source-plugins.yaml'),
    });
    expect(config.jobs.presubmits.size).toBe(0);
    expect(config.plugins.triggers.map((trigger) => trigger.trustedOrg)).toEqual(['someorg']);
    // Jenkins X's approve settings, read for the approve plugin; other repositories get the defaults.
    expect(repoConfig(config, 'someorg', 'somerepo').approve).toEqual({
      repos: ['someorg/somerepo'],
      issueRequired: false,
      requireSelfApproval: true,
      lgtmActsAsApprove: true,
      ignoreReviewState: false,
    });
    expect(repoConfig(config, 'someorg', 'other').approve.lgtmActsAsApprove).toBe(false);
    expect(repoConfig(config, 'someorg', 'somerepo').ownersSkipCollaborators).toBe(false);
  });
});

describe('loadConfig validation', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'lighthouse-config-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  async function load(configYaml: string, pluginsYaml = 'plugins: {}\n') {
    const configPath = join(dir, 'config.yaml');
    const pluginsPath = join(dir, 'plugins.yaml');
    await writeFile(configPath, configYaml);
    await writeFile(pluginsPath, pluginsYaml);
    return loadConfig({ configPath, pluginsPath });
  }

  async function failure(configYaml: string, pluginsYaml?: string): Promise<ConfigError> {
    const error = await load(configYaml, pluginsYaml).then(
      () => undefined,
      (thrown: unknown) => thrown,
    );
    if (!(error instanceof ConfigError)) throw new Error(`expected a ConfigError, got ${String(error)}`);
    return error;
  }

  const presubmits = (jobs: string) => `presubmits:\n  org/repo:\n${jobs}`;

  it('names the file, the path in it, the line and the reason', async () => {
    const error = await failure(
      presubmits(`  - name: a
    always_run: true
  - name: b
  - name: c
    run_if_changed: "(unclosed"
`),
    );
    expect(error.issues).toEqual([
      {
        file: join(dir, 'config.yaml'),
        path: 'presubmits.org/repo[2].run_if_changed',
        line: 7,
        reason: expect.stringMatching(/^invalid regular expression: .*/),
      },
    ]);
    expect(error.message).toMatch(
      /config\.yaml: presubmits\.org\/repo\[2\]\.run_if_changed \(line 7\): invalid regular expression/,
    );
  });

  it.each([
    [
      'always_run with run_if_changed',
      presubmits('  - name: a\n    always_run: true\n    run_if_changed: "\\\\.go$"\n'),
      'presubmits.org/repo[0].run_if_changed',
      /set to always run but also declares run_if_changed targets, which are mutually exclusive/,
    ],
    [
      'always_run with skip_if_only_changed',
      presubmits('  - name: a\n    always_run: true\n    skip_if_only_changed: "^docs/"\n'),
      'presubmits.org/repo[0].skip_if_only_changed',
      /mutually exclusive/,
    ],
    [
      'run_if_changed with skip_if_only_changed',
      presubmits('  - name: a\n    run_if_changed: "x"\n    skip_if_only_changed: "y"\n'),
      'presubmits.org/repo[0].skip_if_only_changed',
      /run_if_changed and skip_if_only_changed, which are mutually exclusive/,
    ],
    [
      'an invalid trigger',
      presubmits('  - name: a\n    trigger: "(?m)^/test ("\n    rerun_command: /test a\n'),
      'presubmits.org/repo[0].trigger',
      /invalid regular expression/,
    ],
    [
      'an invalid ignore_changes',
      presubmits('  - name: a\n    ignore_changes: "["\n'),
      'presubmits.org/repo[0].ignore_changes',
      /invalid regular expression/,
    ],
    [
      'an invalid branch',
      presubmits('  - name: a\n    branches: [main, "release-("]\n'),
      'presubmits.org/repo[0].branches[1]',
      /invalid regular expression/,
    ],
    [
      'an invalid skip branch',
      `postsubmits:\n  org/repo:\n  - name: a\n    skip_branches: ["(?<=x)y"]\n`,
      'postsubmits.org/repo[0].skip_branches[0]',
      /lookaround/,
    ],
    [
      'a rerun command the trigger does not match',
      presubmits('  - name: a\n    trigger: "(?m)^/lint$"\n    rerun_command: /relint\n'),
      'presubmits.org/repo[0].rerun_command',
      /rerun command "\/relint" does not match trigger/,
    ],
    [
      'a trigger without a rerun command',
      presubmits('  - name: a\n    trigger: "(?m)^/lint$"\n'),
      'presubmits.org/repo[0].rerun_command',
      /rerun command "" does not match trigger/,
    ],
    [
      'a duplicate presubmit name in one repo',
      presubmits('  - name: a\n  - name: b\n  - name: a\n'),
      'presubmits.org/repo[2].name',
      /duplicated presubmit job a \(also at index 0\)/,
    ],
    [
      'a duplicate postsubmit name for the same branch',
      `postsubmits:\n  org/repo:\n  - name: a\n    branches: [main]\n  - name: a\n    branches: [main, dev]\n`,
      'postsubmits.org/repo[1].name',
      /duplicated postsubmit job a/,
    ],
    [
      'a job name Lighthouse refuses',
      presubmits('  - name: "a b"\n'),
      'presubmits.org/repo[0].name',
      /must match/,
    ],
    [
      'a missing job name',
      presubmits('  - always_run: true\n'),
      'presubmits.org/repo[0].name',
      /expected string/,
    ],
    [
      'an unknown agent',
      presubmits('  - name: a\n    agent: kubernetes\n'),
      'presubmits.org/repo[0].agent',
      /tekton-pipeline/,
    ],
    [
      'a negative max_concurrency',
      presubmits('  - name: a\n    max_concurrency: -1\n'),
      'presubmits.org/repo[0].max_concurrency',
      /must not be negative/,
    ],
    [
      'a reserved label',
      presubmits('  - name: a\n    labels:\n      created-by-lighthouse: "yes"\n'),
      'presubmits.org/repo[0].labels.created-by-lighthouse',
      /reserved/,
    ],
    [
      'an invalid label value',
      presubmits('  - name: a\n    labels:\n      team: "two words"\n'),
      'presubmits.org/repo[0].labels.team',
      /invalid label value/,
    ],
    [
      'a field of the wrong type',
      presubmits('  - name: a\n    always_run: sometimes\n'),
      'presubmits.org/repo[0].always_run',
      /expected boolean/,
    ],
  ])('refuses %s', async (_name, yaml, path, reason) => {
    const error = await failure(yaml);
    expect(error.issues.map((issue) => issue.path)).toEqual([path]);
    expect(error.issues[0]?.reason).toMatch(reason);
  });

  it("refuses a job in another namespace than the deployment's jobs, when it has one", async () => {
    const configPath = join(dir, 'config.yaml');
    const pluginsPath = join(dir, 'plugins.yaml');
    await writeFile(
      configPath,
      `${presubmits('  - name: elsewhere\n    namespace: other\n  - name: here\n    namespace: jx\n')}postsubmits:\n  org/repo:\n  - name: release\n    namespace: other\n`,
    );
    await writeFile(pluginsPath, 'plugins: {}\n');
    const error = await loadConfig({ configPath, pluginsPath, jobsNamespace: 'jx' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).issues).toEqual([
      expect.objectContaining({
        path: 'presubmits.org/repo[0].namespace',
        line: 4,
        reason: 'job elsewhere runs in other, but jobs run and are followed in jx only; remove the namespace',
      }),
      expect.objectContaining({
        path: 'postsubmits.org/repo[0].namespace',
        reason: expect.stringMatching(/^job release runs in other/),
      }),
    ]);
    // Without a namespace of its own, the deployment takes any (the format allows it).
    await expect(loadConfig({ configPath, pluginsPath })).resolves.toBeDefined();
  });

  it('allows postsubmits of one name on different branches', async () => {
    const config = await load(
      `postsubmits:\n  org/repo:\n  - name: a\n    branches: [main]\n  - name: a\n    branches: [dev]\n`,
    );
    expect(config.jobs.postsubmits.get('org/repo')).toHaveLength(2);
  });

  it('refuses a plugin name it does not know, naming it (Lighthouse would only log it)', async () => {
    const error = await failure('{}\n', 'plugins:\n  org/repo: [trigger, lgmt, heart]\n');
    expect(error.issues).toEqual([
      expect.objectContaining({
        path: 'plugins.org/repo[1]',
        reason: expect.stringMatching(/^unknown plugin "lgmt"; the plugins are approve, assign, /),
      }),
    ]);
  });

  it("reads size thresholds, 0 meaning the default as in Prow's generated configs, and refuses ones out of order", async () => {
    const config = await load('{}\n', 'size:\n  s: 0\n  m: 20\n  l: 0\n  xl: 0\n  xxl: 0\n');
    expect(config.plugins.size).toEqual({ s: 10, m: 20, l: 100, xl: 500, xxl: 1000 });
    const error = await failure('{}\n', 'size:\n  s: 50\n  m: 20\n');
    expect(error.issues.map((issue) => issue.reason)).toEqual([
      'thresholds must ascend, s < m < l < xl < xxl: 50, 20, 100, 500, 1000',
    ]);
  });

  it("reads welcome messages as Lighthouse picks them: the repository's entry, else the org's, else the default", async () => {
    const config = await load(
      '{}\n',
      [
        'welcome:',
        '- repos: [org]',
        '  message_template: "Hi {{ .AuthorName }}, welcome to {{.Org}}!"',
        '- repos: [org/repo]',
        "  message_template: ''",
        '- repos: [org/docs, other/site]',
        '  message_template: "Thanks, @{{.AuthorLogin}}:\\n{{.Repo}}"',
        '',
      ].join('\n'),
    );
    expect(repoConfig(config, 'org', 'app').welcomeTemplate).toBe(
      'Hi {{ .AuthorName }}, welcome to {{.Org}}!',
    );
    expect(repoConfig(config, 'org', 'repo').welcomeTemplate).toBe(
      'Welcome @{{.AuthorLogin}}! It looks like this is your first PR to {{.Org}}/{{.Repo}} 🎉',
    );
    expect(repoConfig(config, 'org', 'docs').welcomeTemplate).toBe('Thanks, @{{.AuthorLogin}}:\n{{.Repo}}');
    expect(repoConfig(config, 'elsewhere', 'repo').welcomeTemplate).toMatch(/^Welcome @/);
  });

  it('reads repo_milestone as Lighthouse picks it: the org/repo entry, else the one keyed ""', async () => {
    const config = await load(
      '{}\n',
      [
        'repo_milestone:',
        '  "":',
        '    maintainers_id: 12',
        '    maintainers_team: release-team',
        '    maintainers_friendly_name: release managers',
        '  org/app:',
        '    maintainers_team: app-leads',
        '',
      ].join('\n'),
    );
    expect(repoConfig(config, 'org', 'app').milestoneMaintainers).toEqual({
      teamId: 0,
      teamSlug: 'app-leads',
      friendlyName: '',
    });
    expect(repoConfig(config, 'org', 'repo').milestoneMaintainers).toEqual({
      teamId: 12,
      teamSlug: 'release-team',
      friendlyName: 'release managers',
    });
    const none = await load('{}\n', 'repo_milestone:\n  org/app: {maintainers_id: 3}\n');
    expect(repoConfig(none, 'org', 'repo').milestoneMaintainers).toBeUndefined();
  });

  it('refuses a repo_milestone entry that names no team', async () => {
    const error = await failure('{}\n', 'repo_milestone:\n  org/app: {maintainers_friendly_name: leads}\n');
    expect(error.issues.map((issue) => issue.reason)).toEqual([
      'names no team: give maintainers_id (GitHub, Gitea) or maintainers_team (GitHub)',
    ]);
  });

  it.each([
    ['another field', '{{.Title}}'],
    ['a field of a field', '{{.Org.Name}}'],
    ['a field in the wrong case', '{{.org}}'],
    ['a pipeline', '{{.AuthorLogin | printf "%q"}}'],
    ['an action', '{{if .AuthorName}}'],
    ['a trim marker', '{{- .Org}}'],
    ['a comment', '{{/* hi */}}'],
    ['an action never closed', '{{.Org'],
  ])('refuses a welcome template that uses %s, naming the entry', async (_what, action) => {
    const error = await failure(
      '{}\n',
      `welcome:\n- repos: [org/repo]\n  message_template: 'ok {{.Repo}}'\n- repos: [org, other]\n  message_template: '{{ .Repo }}: ${action}'\n`,
    );
    expect(error.issues).toEqual([
      expect.objectContaining({
        path: 'welcome[1].message_template',
        reason: `the welcome message for org, other uses ${action}; a template may use only {{.Org}}, {{.Repo}}, {{.AuthorLogin}} and {{.AuthorName}}`,
      }),
    ]);
  });

  it('refuses a plugin enabled for both an org and one of its repos', async () => {
    const error = await failure('{}\n', 'plugins:\n  org: [trigger, lgtm]\n  org/repo: [trigger]\n');
    expect(error.issues).toEqual([
      {
        file: join(dir, 'plugins.yaml'),
        path: 'plugins.org/repo',
        line: 3,
        reason: 'plugins [trigger] are duplicated for org/repo and org',
      },
    ]);
  });

  it('accepts fields Lighthouse has that we do not use', async () => {
    const config = await load(
      `${presubmits(`  - name: a
    cluster: default
    source: pipeline.yaml
    spec: { containers: [{ image: golang }] }
    decorate: true
    pipeline_run_spec: { pipelineRef: { name: build } }
    pipeline_run_params: [{ name: GIT_URL, value_template: "{{ .Refs }}" }]
`)}periodics: []\ntide: { queries: [] }\nin_repo_config: {}\n`,
      'plugins: {}\napprove: []\nexternal_plugins: { org/repo: null }\ntriggers:\n- repos: [org]\n  join_org_url: https://example.com\n  skip_report_comment: true\n',
    );
    const job = config.jobs.presubmits.get('org/repo')?.[0];
    expect(job?.pipelineRunSpec).toEqual({ pipelineRef: { name: 'build' } });
    expect(job?.pipelineRunParams).toEqual([{ name: 'GIT_URL', value_template: '{{ .Refs }}' }]);
    expect(config.plugins.triggers[0]?.joinOrgUrl).toBe('https://example.com');
    expect(config.plugins.triggers[0]).toMatchObject({
      skipReportComment: true,
      skipReportRunningStatus: false,
      showReportCompletionDuration: false,
    });
  });

  it('defaults trigger, rerun command, context and agent', async () => {
    const config = await load(presubmits('  - name: unit\n'));
    const job = config.jobs.presubmits.get('org/repo')?.[0];
    expect(job).toMatchObject({
      context: 'unit',
      rerunCommand: '/test unit',
      agent: 'jenkins-x',
      alwaysRun: false,
      maxConcurrency: 0,
    });
    expect(job?.trigger?.source).toBe('(?m)^/test( | .* )unit,?($|\\s.*)');
  });

  it('reads YAML 1.1 booleans as Go does', async () => {
    const config = await load(presubmits('  - name: a\n    always_run: yes\n'));
    expect(config.jobs.presubmits.get('org/repo')?.[0]?.alwaysRun).toBe(true);
  });

  it('accepts empty files', async () => {
    const config = await load('', '');
    expect(config.jobs.presubmits.size).toBe(0);
    expect(config.plugins.triggers).toEqual([]);
  });

  it('reports a YAML syntax error with its line', async () => {
    const error = await failure('presubmits:\n  org/repo:\n  - name: a\n    branches: [main\n');
    expect(error.issues[0]).toMatchObject({ file: join(dir, 'config.yaml'), path: '' });
    expect(error.issues[0]?.line).toBeGreaterThanOrEqual(4);
  });

  it('reports a file it cannot read', async () => {
    const pluginsPath = join(dir, 'plugins.yaml');
    await writeFile(pluginsPath, '');
    const error = await loadConfig({ configPath: join(dir, 'missing.yaml'), pluginsPath }).catch(
      (thrown: unknown) => thrown,
    );
    expect(error).toBeInstanceOf(ConfigError);
    expect(String(error)).toMatch(/missing\.yaml: cannot read: ENOENT/);
  });

  it('reports problems in both files at once', async () => {
    const error = await failure(
      presubmits('  - name: a\n    run_if_changed: "("\n'),
      'triggers:\n- repos: org\n',
    );
    expect(error.issues.map((issue) => `${issue.file.endsWith('plugins.yaml')}:${issue.path}`)).toEqual([
      'false:presubmits.org/repo[0].run_if_changed',
      'true:triggers[0].repos',
    ]);
  });
});
