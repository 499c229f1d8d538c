import { type Presubmit, parseConfig } from '@lighthouse-ts/config';
import { describe, expect, it } from 'vitest';
import { presubmitsYaml } from '../../test/support.ts';
import { postsubmitVerdict, presubmitVerdict } from './should-run.ts';

/** One presubmit, compiled from YAML exactly as loadConfig does. */
function presubmit(fields: string): Presubmit {
  const config = parseConfig(
    { configPath: 'config.yaml', pluginsPath: 'plugins.yaml' },
    { config: presubmitsYaml(`  - name: job\n${fields}`), plugins: '' },
  );
  const job = config.jobs.presubmits.get('org/repo')?.[0];
  if (!job) throw new Error('no job');
  return job;
}

const files = (...paths: string[]) => {
  const asked: string[][] = [];
  const provider = async () => {
    asked.push(paths);
    return paths;
  };
  return Object.assign(provider, { asked });
};

const automatic = { forced: false, defaults: false, why: 'test all' };
const forced = { forced: true, defaults: true, why: 'asked by name' };

describe('branches and skip_branches', () => {
  it.each([
    ['no rules: every branch', '', 'anything', true],
    ['branches match', '    branches: [master]\n', 'master', true],
    ['branches do not match', '    branches: [master]\n', 'dev', false],
    ['branches are unanchored regexes', '    branches: [master]\n', 'master-foo', true],
    ['an anchored branch rule', '    branches: ["^master$"]\n', 'master-foo', false],
    ['any of several branches', '    branches: [main, "release-.*"]\n', 'release-1.2', true],
    ['a branch with a slash', '    branches: [release/v1.14]\n', 'release/v1.14', true],
    ['skip_branches match', '    skip_branches: [dev]\n', 'dev', false],
    ['skip_branches do not match', '    skip_branches: [dev]\n', 'master', true],
    [
      'skip_branches beat branches',
      '    branches: ["release-.*"]\n    skip_branches: [release-old]\n',
      'release-old',
      false,
    ],
    [
      'branches still apply with skip_branches',
      '    branches: [master]\n    skip_branches: [dev]\n',
      'feature',
      false,
    ],
  ])('%s', async (_name, fields, branch, runs) => {
    const job = presubmit(`    always_run: true\n${fields}`);
    const verdict = await presubmitVerdict(job, branch, files(), automatic);
    expect(verdict.run).toBe(runs);
    if (!runs) expect(verdict.why).toMatch(new RegExp(`branch ${branch}`));
  });

  it('checks the branch even when the job is asked for by name', async () => {
    const verdict = await presubmitVerdict(presubmit('    branches: [master]\n'), 'dev', files(), forced);
    expect(verdict).toEqual({ run: false, why: 'branch dev does not match branches [master]' });
  });
});

describe('changed-file rules', () => {
  it.each([
    ['run_if_changed matches a file', '    run_if_changed: "\\\\.go$"\n', ['README.md', 'main.go'], true],
    ['run_if_changed matches no file', '    run_if_changed: "\\\\.go$"\n', ['README.md'], false],
    ['run_if_changed with no files changed', '    run_if_changed: "\\\\.go$"\n', [], false],
    ['run_if_changed is unanchored', '    run_if_changed: "docs"\n', ['site/docs/index.md'], true],
    [
      'skip_if_only_changed: only matching files',
      '    skip_if_only_changed: "^docs/"\n',
      ['docs/a.md', 'docs/b.md'],
      false,
    ],
    [
      'skip_if_only_changed: another file too',
      '    skip_if_only_changed: "^docs/"\n',
      ['docs/a.md', 'main.go'],
      true,
    ],
    [
      'ignore_changes alone: some file not ignored',
      '    ignore_changes: "\\\\.md$"\n',
      ['README.md', 'main.go'],
      true,
    ],
    [
      'ignore_changes alone: every file ignored',
      '    ignore_changes: "\\\\.md$"\n',
      ['README.md', 'docs/x.md'],
      false,
    ],
    [
      'ignore_changes beats run_if_changed',
      '    run_if_changed: "^docs/"\n    ignore_changes: "\\\\.md$"\n',
      ['docs/x.md'],
      false,
    ],
    [
      'run_if_changed still matches a file that is not ignored',
      '    run_if_changed: "^docs/"\n    ignore_changes: "\\\\.md$"\n',
      ['docs/x.md', 'docs/x.png'],
      true,
    ],
    [
      'ignore_changes with skip_if_only_changed',
      '    skip_if_only_changed: "^docs/"\n    ignore_changes: "^vendor/"\n',
      ['docs/a.md', 'vendor/lib.go'],
      false,
    ],
  ])('%s', async (_name, fields, changed, runs) => {
    const verdict = await presubmitVerdict(presubmit(fields), 'master', files(...changed), automatic);
    expect(verdict.run).toBe(runs);
  });

  it('explains a skip by the rule', async () => {
    const verdict = await presubmitVerdict(
      presubmit('    run_if_changed: "\\\\.go$"\n    ignore_changes: "_test\\\\.go$"\n'),
      'master',
      files('main_test.go'),
      automatic,
    );
    expect(verdict).toEqual({
      run: false,
      why: 'no changed file matches run_if_changed "\\\\.go$" (ignoring those matching ignore_changes "_test\\\\.go$")',
    });
  });

  it('decide before always_run: an always_run job with only ignored changes does not run', async () => {
    const job = presubmit('    always_run: true\n    ignore_changes: "\\\\.md$"\n');
    expect((await presubmitVerdict(job, 'master', files('README.md'), automatic)).run).toBe(false);
  });

  it('do not apply when the job is asked for by name, and then changes are not fetched', async () => {
    const changed = files('README.md');
    const verdict = await presubmitVerdict(
      presubmit('    run_if_changed: "\\\\.go$"\n'),
      'master',
      changed,
      forced,
    );
    expect(verdict).toEqual({ run: true, why: 'asked by name' });
    expect(changed.asked).toEqual([]);
  });

  it('are not fetched for a job without them', async () => {
    const changed = files('main.go');
    await presubmitVerdict(presubmit('    always_run: true\n'), 'master', changed, automatic);
    expect(changed.asked).toEqual([]);
  });
});

describe('the rest of ShouldRun', () => {
  it('always_run runs', async () => {
    expect(await presubmitVerdict(presubmit('    always_run: true\n'), 'master', files(), automatic)).toEqual(
      {
        run: true,
        why: 'always_run',
      },
    );
  });

  it('otherwise the default decides', async () => {
    const job = presubmit('');
    expect((await presubmitVerdict(job, 'master', files(), { ...automatic, defaults: true })).run).toBe(true);
    expect((await presubmitVerdict(job, 'master', files(), automatic)).run).toBe(false);
  });
});

describe('postsubmits', () => {
  function postsubmit(fields: string) {
    const config = parseConfig(
      { configPath: 'config.yaml', pluginsPath: 'plugins.yaml' },
      { config: `postsubmits:\n  org/repo:\n  - name: job\n${fields}`, plugins: '' },
    );
    const job = config.jobs.postsubmits.get('org/repo')?.[0];
    if (!job) throw new Error('no job');
    return job;
  }

  it.each([
    ['run by default', '', 'master', [], true],
    ['branch matches', '    branches: [master]\n', 'master', [], true],
    ['branch does not match', '    branches: [master]\n', 'dev', [], false],
    ['changes match', '    run_if_changed: "\\\\.sh$"\n', 'master', ['hack.sh'], true],
    ['changes do not match', '    run_if_changed: "\\\\.sh$"\n', 'master', ['example.txt'], false],
  ])('%s', async (_name, fields, branch, changed, runs) => {
    expect((await postsubmitVerdict(postsubmit(fields), branch, files(...changed))).run).toBe(runs);
  });
});
