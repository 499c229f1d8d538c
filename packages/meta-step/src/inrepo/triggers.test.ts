import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterEach, describe, expect, inject, it } from 'vitest';
import { PipelineLoadError, UnsupportedPipelineError } from '../errors.ts';
import { findInRepoJob, loadJobPipeline } from './triggers.ts';

const testData = join(inject('fixturesDir'), 'lighthouse/pkg/triggerconfig/inrepo/test_data');
const myrepo = join(testData, 'myorg/myrepo');

describe('findInRepoJob, on the repositories of Lighthouse test data', () => {
  it('finds a presubmit and resolves its source beside its triggers.yaml', async () => {
    expect(await findInRepoJob(myrepo, 'test', 'presubmit')).toEqual({
      name: 'test',
      kind: 'presubmit',
      triggersFile: '.lighthouse/jenkins-x/triggers.yaml',
      source: '.lighthouse/jenkins-x/test.yaml',
    });
    expect(await findInRepoJob(myrepo, 'lint', 'presubmit')).toMatchObject({
      source: '.lighthouse/linter/lint.yaml',
    });
  });

  it('looks for postsubmits apart from presubmits', async () => {
    expect(await findInRepoJob(myrepo, 'release', 'postsubmit')).toMatchObject({
      source: '.lighthouse/jenkins-x/release.yaml',
    });
    await expect(findInRepoJob(myrepo, 'release', 'presubmit')).rejects.toThrow(
      "no presubmit named release in the repository's .lighthouse/*/triggers.yaml; it has lint, test",
    );
  });

  it('refuses a job defined in two directories', async () => {
    await expect(
      findInRepoJob(join(testData, 'myorg/duplicate-presubmit'), 'lint', 'presubmit'),
    ).rejects.toThrow(
      'presubmit lint is defined more than once: in .lighthouse/duplicate-lint/triggers.yaml and .lighthouse/linter/triggers.yaml',
    );
  });

  it('says when a job has no pipeline to load', async () => {
    const error = await findInRepoJob(join(testData, 'myorg/loadtest'), 'lint', 'presubmit').catch((e) => e);
    expect(error).toBeInstanceOf(PipelineLoadError);
    expect(error.message).toBe(
      'presubmit lint in .lighthouse/linter/triggers.yaml has neither a source file nor a pipeline_run_spec',
    );
  });

  it('says when the repository has no in-repo configuration', async () => {
    await expect(findInRepoJob(join(testData, 'empty_dir'), 'test', 'presubmit')).rejects.toThrow(
      "no presubmit named test in the repository's .lighthouse/*/triggers.yaml",
    );
  });

  it("loads uses: files from the checked-out repository's own tree (Lighthouse issue 1306)", async () => {
    for (const ref of ['master', 'pr1']) {
      const root = join(testData, 'myorg/issue-1306/refs', ref);
      const run = await loadJobPipeline(await findInRepoJob(root, 'pullrequest', 'presubmit'), { root });
      const [task] = run.spec.pipelineSpec?.tasks ?? [];
      expect(task?.taskSpec?.steps?.map((s) => s.script)).toEqual([
        `#!/usr/bin/env bash\necho ubuntu-${ref}\n`,
      ]);
    }
  });
});

describe('findInRepoJob and loadJobPipeline, on repositories written here', () => {
  let temp = '';
  afterEach(() => rm(temp, { recursive: true, force: true }));

  /** A checkout holding `files`; beside it, `outside` holds a TriggerConfig that is not the checkout's. */
  async function repository(files: Record<string, string>): Promise<string> {
    temp = await mkdtemp(join(tmpdir(), 'meta-step-triggers-'));
    const root = join(temp, 'repo');
    const all = {
      ...files,
      // Were it read, its job's name would be quoted in the error (no presubmit named ...; it has ...).
      '../outside/ci/triggers.yaml': 'spec:\n  presubmits: [{ name: s3cr3t-token, source: x.yaml }]\n',
    };
    for (const [path, content] of Object.entries(all)) {
      await mkdir(dirname(join(root, path)), { recursive: true });
      await writeFile(join(root, path), content);
    }
    return root;
  }

  it('takes a pipeline_run_spec written inline', async () => {
    const dir = await repository({
      '.lighthouse/triggers.yaml': `
apiVersion: config.lighthouse.jenkins-x.io/v1alpha1
kind: TriggerConfig
spec:
  postsubmits:
    - name: release
      pipeline_run_spec:
        pipelineRef: { name: release-pipeline }
`,
    });
    const job = await findInRepoJob(dir, 'release', 'postsubmit');
    expect(await loadJobPipeline(job, { root: dir })).toEqual({
      apiVersion: 'tekton.dev/v1',
      kind: 'PipelineRun',
      metadata: {},
      spec: { pipelineRef: { name: 'release-pipeline' } },
    });
  });

  it('refuses a source that is a URL', async () => {
    const dir = await repository({
      '.lighthouse/ci/triggers.yaml': `
spec:
  presubmits:
    - name: unit
      source: https://example.com/pipeline.yaml
`,
    });
    const error = await findInRepoJob(dir, 'unit', 'presubmit').catch((e) => e);
    expect(error).toBeInstanceOf(UnsupportedPipelineError);
    expect(error.message).toContain(
      'source https://example.com/pipeline.yaml is a URL, which is not supported',
    );
  });

  it('names the file of a triggers.yaml that is not a TriggerConfig', async () => {
    const dir = await repository({
      '.lighthouse/ci/triggers.yaml': 'spec:\n  presubmits: [{ source: x.yaml }]\n',
    });
    await expect(findInRepoJob(dir, 'unit', 'presubmit')).rejects.toThrow(
      /^\.lighthouse\/ci\/triggers\.yaml: not a valid TriggerConfig: spec\.presubmits\.0\.name: /,
    );
  });

  it('refuses a pipeline file outside the repository', async () => {
    const dir = await repository({
      '.lighthouse/ci/triggers.yaml': 'spec:\n  presubmits: [{ name: unit, source: ../../../etc/passwd }]\n',
    });
    const job = await findInRepoJob(dir, 'unit', 'presubmit');
    await expect(loadJobPipeline(job, { root: dir })).rejects.toThrow(
      '../etc/passwd is outside the repository',
    );
  });

  it('names the missing pipeline file', async () => {
    const dir = await repository({
      '.lighthouse/ci/triggers.yaml': 'spec:\n  presubmits: [{ name: unit, source: unit.yaml }]\n',
    });
    const job = await findInRepoJob(dir, 'unit', 'presubmit');
    await expect(loadJobPipeline(job, { root: dir })).rejects.toThrow(
      '.lighthouse/ci/unit.yaml: no such file in the repository',
    );
  });

  it('names the file and the position of a YAML mistake, and does not quote the line', async () => {
    const dir = await repository({
      '.lighthouse/ci/triggers.yaml': 'spec:\n  presubmits: [{ name: unit, source: unit.yaml }\n',
    });
    await expect(findInRepoJob(dir, 'unit', 'presubmit')).rejects.toThrow(
      /^\.lighthouse\/ci\/triggers\.yaml: not valid YAML at line 3, column 1 \(bad indent\)$/,
    );
  });

  it.each([
    { link: '.lighthouse/ci/triggers.yaml', target: '../../../outside/ci/triggers.yaml' },
    { link: '.lighthouse', target: '../outside' },
  ])(
    'refuses $link linking outside the checkout, without quoting what is there',
    async ({ link, target }) => {
      const dir = await repository({ '.lighthouse/ci/README.md': 'our pipelines\n' });
      await rm(join(dir, link), { recursive: true, force: true });
      await symlink(target, join(dir, link));
      const error = await findInRepoJob(dir, 'unit', 'presubmit').catch((e: unknown) => e);
      expect(error).toBeInstanceOf(PipelineLoadError);
      expect((error as Error).message).toBe(
        `${link} is a symbolic link, or is in one, that leads outside the repository`,
      );
    },
  );

  it('skips a directory of .lighthouse that is a link, as Lighthouse does', async () => {
    const dir = await repository({ '.lighthouse/README.md': 'our pipelines\n' });
    await symlink('../../outside/ci', join(dir, '.lighthouse/ci'));
    await expect(findInRepoJob(dir, 'unit', 'presubmit')).rejects.toThrow(
      /^no presubmit named unit in the repository's \.lighthouse\/\*\/triggers\.yaml$/,
    );
  });
});
