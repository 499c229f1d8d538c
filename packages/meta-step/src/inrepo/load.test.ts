import { mkdir, mkdtemp, readdir, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterEach, describe, expect, inject, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { PipelineLoadError, UnsupportedPipelineError } from '../errors.ts';
import { v1beta1ResourcesAnnotation } from './convert.ts';
import { loadPipelineRun } from './load.ts';

// Lighthouse's own loader test resolves paths from its package directory: `uses:./test_data/...` files
// and the cases' directories are relative to it, so it is the repository root here.
const root = join(inject('fixturesDir'), 'lighthouse/pkg/triggerconfig/inrepo');
const casesDir = 'test_data/load_pipelinerun';

/** The cases this meta step does not support, and the error that says so. */
const unsupported: Record<string, RegExp> = {
  'task-append-steps': /appendStepsURL loads steps from a URL .* not supported/,
  'task-prepend-steps': /prependStepsURL loads steps from a URL .* not supported/,
  'uses-all-steps':
    /uses:https:\/\/raw\.githubusercontent\.com\/.* loads steps from a URL, which is not supported/,
  'uses-custom-param': /uses:jenkins-x\/jx3-pipeline-catalog\/.* from another repository .* not supported/,
  'uses-custom-param-task': /from another repository .* not supported/,
  'uses-steps': /from another repository .* not supported/,
  'uses-steps-add-custom': /loads steps from a URL, which is not supported/,
  'uses-steps-add-custom-explict': /loads steps from a URL, which is not supported/,
  'uses-steps-custom-git': /uses:tektoncd\/catalog\/.* from another repository .* not supported/,
  'uses-steps-explicit': /from another repository .* not supported/,
  'uses-steps-inherit-sidecar': /from another repository .* not supported/,
  'uses-steps-multiple-copies': /from another repository .* not supported/,
  'uses-steps-override': /loads steps from a URL, which is not supported/,
  'uses-steps-override-resources': /from another repository .* not supported/,
  'uses-steps-override-script': /from another repository .* not supported/,
  'uses-steps-version-stream': /from another repository .* not supported/,
  'uses-steps-with-sidecar': /from another repository .* not supported/,
  'uses-steps-with-sidecar-ws': /from another repository .* not supported/,
  'uses-task-and-steps': /from another repository .* not supported/,
};

/**
 * The expected files are Go's marshalling of Lighthouse's result, compared here as data. Go leaves out
 * what is unset: nulls, empty objects and lists, and empty strings (except a parameter's `default` and
 * `value`, which Tekton always writes); they are dropped from both sides. The JSON annotation is compared
 * parsed. The sources end without a final newline, and there go-yaml drops the line break that ends a
 * `|` or `>` block scalar while the YAML specification (and the yaml package) keeps it: a string's final
 * newline is not compared.
 */
function normalise(value: unknown, key?: string): unknown {
  if (key === v1beta1ResourcesAnnotation && typeof value === 'string') return JSON.parse(value);
  if (Array.isArray(value)) {
    const items = value.map((item) => normalise(item)).filter((item) => item !== undefined);
    return items.length > 0 ? items : undefined;
  }
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value)
      .map(([k, v]) => [k, normalise(v, k)] as const)
      .filter(([, v]) => v !== undefined);
    return entries.length > 0 ? Object.fromEntries(entries) : undefined;
  }
  if (typeof value === 'string') {
    return value === '' && key !== 'default' && key !== 'value' ? undefined : value.replace(/\n$/, '');
  }
  return value ?? undefined;
}

const cases = (await readdir(join(root, casesDir), { withFileTypes: true }))
  .filter((entry) => entry.isDirectory())
  .map((entry) => entry.name)
  .sort();

async function sources(name: string): Promise<string[]> {
  const files = await readdir(join(root, casesDir, name));
  return files.filter((file) => /^source\d*\.yaml$/.test(file)).sort();
}

describe("Lighthouse's load_pipelinerun cases", () => {
  it('are all here and every unsupported one is a case', () => {
    expect(cases.length).toBeGreaterThan(30);
    for (const name of Object.keys(unsupported)) expect(cases).toContain(name);
  });

  describe.each(cases.filter((name) => !name.endsWith('-fails') && !(name in unsupported)))('%s', (name) => {
    it('loads as the expected PipelineRun', async () => {
      const files = await sources(name);
      expect(files.length).toBeGreaterThan(0);
      for (const source of files) {
        const expectedFile = source.replace('source', 'expected');
        // Lighthouse's test reads the first document of an expected file; `pipeline`'s has two.
        const [expected] = parseAllDocuments(
          await readFile(join(root, casesDir, name, expectedFile), 'utf8'),
        );
        const loaded = await loadPipelineRun(`${casesDir}/${name}/${source}`, { root });
        expect(normalise(loaded), `${name}/${source}`).toEqual(normalise(expected?.toJS()));
      }
    });
  });

  describe.each(cases.filter((name) => name.endsWith('-fails')))('%s', (name) => {
    it('fails with a PipelineLoadError naming the file', async () => {
      for (const source of await sources(name)) {
        const path = `${casesDir}/${name}/${source}`;
        const error = await loadPipelineRun(path, { root }).catch((e: unknown) => e);
        expect(error).toBeInstanceOf(PipelineLoadError);
        expect((error as Error).message).toContain(`${casesDir}/${name}/`);
      }
    });
  });

  describe.each(Object.entries(unsupported))('%s (not supported)', (name, message) => {
    it('fails with an UnsupportedPipelineError saying why', async () => {
      for (const source of await sources(name)) {
        const error = await loadPipelineRun(`${casesDir}/${name}/${source}`, { root }).catch(
          (e: unknown) => e,
        );
        expect(error).toBeInstanceOf(UnsupportedPipelineError);
        expect((error as Error).message).toMatch(message);
      }
    });
  });
});

describe('loadPipelineRun, on files that are wrong', () => {
  let dir: string | undefined;
  afterEach(() => (dir ? rm(dir, { recursive: true, force: true }) : undefined));

  async function load(files: Record<string, string>, path = 'pipeline.yaml') {
    dir = await mkdtemp(join(tmpdir(), 'meta-step-load-'));
    for (const [name, content] of Object.entries(files)) await writeFile(join(dir, name), content);
    return loadPipelineRun(path, { root: dir }).catch((error: unknown) => error);
  }

  const run = (spec: string) => `apiVersion: tekton.dev/v1\nkind: PipelineRun\nspec:\n${spec}`;

  it.each([
    ['not Tekton', 'apiVersion: v1\nkind: ConfigMap\n', /^pipeline\.yaml: apiVersion "v1" is not supported/],
    [
      'another kind',
      'apiVersion: tekton.dev/v1\nkind: StepAction\n',
      /^pipeline\.yaml: kind "StepAction" is not supported/,
    ],
    [
      'the wrong shape',
      run('  pipelineSpec:\n    tasks: build\n'),
      /^pipeline\.yaml: not a valid Tekton resource: spec\.pipelineSpec\.tasks: /,
    ],
    [
      'a timeout that is no duration',
      run('  pipelineRef: { name: p }\n  timeouts: { pipeline: forever }\n'),
      'pipeline.yaml: spec.timeouts.pipeline "forever" is not a duration such as 1h30m',
    ],
    [
      'nothing to run',
      run('  params: []\n'),
      'pipeline.yaml: the PipelineRun has neither spec.pipelineSpec nor spec.pipelineRef',
    ],
  ])('says which file is %s', async (_what, content, message) => {
    const error = await load({ 'pipeline.yaml': content });
    expect(error).toBeInstanceOf(PipelineLoadError);
    expect((error as Error).message).toMatch(message);
  });

  it('names the file and the position of a YAML mistake, and does not quote the line', async () => {
    const error = await load({ 'pipeline.yaml': run('  params: [{ name: token, value: abc }\n') });
    expect(error).toBeInstanceOf(PipelineLoadError);
    expect((error as Error).message).toBe('pipeline.yaml: not valid YAML at line 5, column 1 (bad indent)');
  });

  it('refuses uses: that go round in a circle', async () => {
    const using = (other: string) =>
      run(
        `  pipelineSpec:\n    tasks:\n      - name: t\n        taskSpec:\n          steps:\n            - image: uses:${other}\n`,
      );
    const error = await load({
      'pipeline.yaml': using('a.yaml'),
      'a.yaml': using('b.yaml'),
      'b.yaml': using('a.yaml'),
    });
    expect(error).toBeInstanceOf(PipelineLoadError);
    expect((error as Error).message).toBe(
      'uses: goes round in a circle: pipeline.yaml -> a.yaml -> b.yaml -> a.yaml',
    );
  });

  it('refuses a file reference of the wrong kind', async () => {
    const error = await load({
      'pipeline.yaml': `apiVersion: tekton.dev/v1
kind: Pipeline
metadata:
  annotations: { lighthouse.jenkins-x.io/loadFileRefs: ".*" }
spec:
  tasks:
    - name: build
      taskRef: { name: build }
`,
      'build.yaml': 'apiVersion: tekton.dev/v1\nkind: Pipeline\nspec: {}\n',
    });
    expect((error as Error).message).toBe('build.yaml: kind "Pipeline" is not supported: expected a Task');
  });
});

describe('loadPipelineRun, on symbolic links', () => {
  let dir: string | undefined;
  afterEach(() => (dir ? rm(dir, { recursive: true, force: true }) : undefined));

  /** A checkout at `<dir>/repo` with `files` and `links` (path to target), beside a file outside it. */
  async function checkout(files: Record<string, string>, links: Record<string, string>) {
    dir = await mkdtemp(join(tmpdir(), 'meta-step-links-'));
    const root = join(dir, 'repo');
    await mkdir(join(dir, 'outside'), { recursive: true });
    // Read as a pipeline, its apiVersion would be quoted in the error.
    await writeFile(join(dir, 'outside/secret.yaml'), 'apiVersion: s3cr3t-token\nkind: Task\n');
    for (const [path, content] of Object.entries(files)) {
      await mkdir(dirname(join(root, path)), { recursive: true });
      await writeFile(join(root, path), content);
    }
    for (const [path, target] of Object.entries(links)) {
      await mkdir(dirname(join(root, path)), { recursive: true });
      await symlink(target.replace('<outside>', join(dir, 'outside')), join(root, path));
    }
    return root;
  }

  const task = (steps: string) =>
    `apiVersion: tekton.dev/v1\nkind: Task\nmetadata: { name: t }\nspec:\n  steps:\n${steps}`;
  const usingFile = (file: string) => task(`    - image: uses:${file}\n`);
  const referencing = `apiVersion: tekton.dev/v1
kind: Pipeline
metadata:
  annotations: { lighthouse.jenkins-x.io/loadFileRefs: ".*" }
spec:
  tasks:
    - name: build
      taskRef: { name: build }
`;

  it.each<{ case: string; files: Record<string, string>; links: Record<string, string> }>([
    { case: 'the pipeline file', files: {}, links: { 'pipeline.yaml': '<outside>/secret.yaml' } },
    {
      case: 'a file a loadFileRefs annotation names',
      files: { 'pipeline.yaml': referencing },
      links: { 'build.yaml': '<outside>/secret.yaml' },
    },
    {
      case: 'a file uses: names',
      files: { 'pipeline.yaml': usingFile('steps.yaml') },
      links: { 'steps.yaml': '<outside>/secret.yaml' },
    },
    {
      case: 'a directory on the way to a file uses: names',
      files: { 'pipeline.yaml': usingFile('shared/secret.yaml') },
      links: { shared: '<outside>' },
    },
    {
      case: 'a relative link',
      files: { 'pipeline.yaml': usingFile('steps.yaml') },
      links: { 'steps.yaml': '../outside/secret.yaml' },
    },
  ])(
    'refuses $case leading outside the checkout, without quoting what is there',
    async ({ files, links }) => {
      const root = await checkout(files, links);
      const error = await loadPipelineRun('pipeline.yaml', { root }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(PipelineLoadError);
      expect((error as Error).message).toMatch(
        /^[\w/.]+ is a symbolic link, or is in one, that leads outside the repository$/,
      );
      expect((error as Error).message).not.toContain('s3cr3t');
    },
  );

  it('follows a link that stays inside the checkout', async () => {
    const root = await checkout(
      {
        'pipeline.yaml': usingFile('shared/steps.yaml'),
        'catalog/steps.yaml': task('    - { name: test, image: golang:1.26, script: go test }\n'),
      },
      { shared: 'catalog' },
    );
    const run = await loadPipelineRun('pipeline.yaml', { root });
    const [loaded] = run.spec.pipelineSpec?.tasks ?? [];
    expect(loaded?.taskSpec?.steps).toEqual([{ name: 'test', image: 'golang:1.26', script: 'go test' }]);
  });
});
