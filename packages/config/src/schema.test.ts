import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Ajv, type ErrorObject } from 'ajv';
import { beforeAll, describe, expect, inject, it } from 'vitest';
import { parse } from 'yaml';
import { renderSchemas, schemaDir } from '../scripts/generate.ts';
import { ConfigError } from './config-error.ts';
import { parseConfig } from './load.ts';

describe('the JSON Schemas in schema/', () => {
  it('are up to date with the zod schemas (run `pnpm --filter @lighthouse-ts/config generate`)', async () => {
    const expected = renderSchemas();
    expect((await readdir(schemaDir)).sort()).toEqual([...expected.keys()].sort());
    for (const [file, text] of expected) {
      expect(
        await readFile(join(schemaDir, file), 'utf8'),
        `${file} is stale: run pnpm --filter @lighthouse-ts/config generate`,
      ).toBe(text);
    }
  });
});

// The committed files, as an editor gets them; draft-07 is Ajv's default draft, as it is yaml-language-server's.
type Validate = (text: string) => ErrorObject[];
const compiledInBeforeAll: Validate = () => {
  throw new Error('the schemas are compiled in beforeAll');
};
const validators: Record<'config' | 'plugins', Validate> = {
  config: compiledInBeforeAll,
  plugins: compiledInBeforeAll,
};

beforeAll(async () => {
  // strict: a keyword Ajv does not know (a typo, a newer draft's) fails here instead of being ignored.
  const ajv = new Ajv({ allErrors: true, strict: true, allowUnionTypes: true });
  for (const kind of ['config', 'plugins'] as const) {
    const schema = JSON.parse(await readFile(join(schemaDir, `${kind}.schema.json`), 'utf8'));
    const validate = ajv.compile(schema);
    // Read as the loader reads it: YAML 1.1, so `yes` is a boolean and `<<` merges.
    validators[kind] = (text) =>
      validate(parse(text, { version: '1.1' }) ?? {}) ? [] : (validate.errors ?? []);
  }
});

const where = (errors: ErrorObject[]) => errors.map((error) => error.instancePath);

/** The loader's verdict on one file, with a valid other file beside it. */
function loaderIssues(kind: 'config' | 'plugins', text: string): string[] {
  const sources = kind === 'config' ? { config: text, plugins: '' } : { config: '', plugins: text };
  try {
    parseConfig({ configPath: 'config.yaml', pluginsPath: 'plugins.yaml' }, sources);
    return [];
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    return error.issues.map((issue) => `${issue.path}: ${issue.reason}`);
  }
}

describe('real Lighthouse files', () => {
  const pkg = () => join(inject('fixturesDir'), 'lighthouse', 'pkg');
  const files = {
    config: [
      'webhook/test_data/test_config.yaml',
      'keeper/githubapp/test_data/config.yaml',
      'triggerconfig/merge/test_data/simple/source-config.yaml',
      'triggerconfig/merge/test_data/simple/expected-config.yaml',
    ],
    plugins: [
      'webhook/test_data/test_plugins.yaml',
      'triggerconfig/merge/test_data/simple/source-plugins.yaml',
      'triggerconfig/merge/test_data/simple/expected-plugins.yaml',
    ],
  };

  for (const kind of ['config', 'plugins'] as const) {
    for (const file of files[kind]) {
      it(`${file} validates against ${kind}.schema.json, and loads`, async () => {
        const text = await readFile(join(pkg(), file), 'utf8');
        expect(validators[kind](text)).toEqual([]);
        expect(loaderIssues(kind, text)).toEqual([]);
      });
    }
  }
});

describe('config.schema.json', () => {
  it('accepts nulls where Go reads a zero value, and fields it does not know', () => {
    const text = `
presubmits:
  org/empty: null
  org/repo:
    - name: unit
      context: null
      branches: null
      labels: null
      max_concurrency: null
      decorate: true            # Prow's, not ours
      spec: {containers: [{image: golang}]}
postsubmits: null
tide: {queries: []}
`;
    expect(validators.config(text)).toEqual([]);
    expect(loaderIssues('config', text)).toEqual([]);
  });

  it('refuses a wrong type and a bad job name, where the loader does', () => {
    const wrongType = 'presubmits:\n  org/repo:\n    - name: unit\n      always_run: sometimes\n';
    expect(where(validators.config(wrongType))).toContain('/presubmits/org~1repo/0/always_run');
    expect(loaderIssues('config', wrongType)).toEqual([
      expect.stringMatching(/^presubmits\.org\/repo\[0\]\.always_run: /),
    ]);

    const badName = 'postsubmits:\n  org/repo:\n    - name: unit tests\n';
    expect(where(validators.config(badName))).toContain('/postsubmits/org~1repo/0/name');
    expect(loaderIssues('config', badName)).toEqual([
      expect.stringMatching(/^postsubmits\.org\/repo\[0\]\.name: must match/),
    ]);

    const noName = 'presubmits:\n  org/repo:\n    - context: unit\n';
    expect(validators.config(noName)).toContainEqual(
      expect.objectContaining({ instancePath: '/presubmits/org~1repo/0', keyword: 'required' }),
    );
    const notAList = 'presubmits:\n  org/repo: {name: unit}\n';
    expect(where(validators.config(notAList))).toContain('/presubmits/org~1repo');
  });

  // The schema checks shape only. The loader also compiles every regexp as Go's RE2 and checks the rules
  // between fields and jobs; an editor cannot tell these, so `lighthouse check-config` is the last word.
  it('is weaker than the loader: Go regexps and rules between fields are not checked', () => {
    const loaderOnly = {
      'a regexp Go does not compile':
        "presubmits:\n  org/repo:\n    - name: unit\n      run_if_changed: '(?<=a)b'\n",
      'always_run with run_if_changed':
        "presubmits:\n  org/repo:\n    - name: unit\n      always_run: true\n      run_if_changed: '^src/'\n",
      'a duplicated presubmit': 'presubmits:\n  org/repo:\n    - name: unit\n    - name: unit\n',
      'a rerun_command the trigger does not match':
        "presubmits:\n  org/repo:\n    - name: unit\n      trigger: '/unit'\n      rerun_command: '/test unit'\n",
    };
    for (const [what, text] of Object.entries(loaderOnly)) {
      expect(validators.config(text), what).toEqual([]);
      expect(loaderIssues('config', text), what).not.toEqual([]);
    }
  });
});

describe('plugins.schema.json', () => {
  it('accepts nulls and the sections of plugins it does not know', () => {
    const text = `
plugins:
  org: [trigger]
  org/repo: null
triggers:
  - repos: [org]
    trusted_org: null
    only_org_members: yes
approve:
  - repos: [org]
    require_self_approval: true
`;
    expect(validators.plugins(text)).toEqual([]);
    expect(loaderIssues('plugins', text)).toEqual([]);
  });

  it('refuses wrong types, where the loader does', () => {
    const text = 'plugins:\n  org: trigger\ntriggers:\n  - repos: [org]\n    skip_draft_pr: 3\n';
    expect(where(validators.plugins(text))).toEqual(
      expect.arrayContaining(['/plugins/org', '/triggers/0/skip_draft_pr']),
    );
    expect(loaderIssues('plugins', text)).toEqual([
      expect.stringMatching(/^plugins\.org: /),
      expect.stringMatching(/^triggers\[0\]\.skip_draft_pr: /),
    ]);
  });

  it('is weaker than the loader: a plugin enabled for an org and for one of its repos passes', () => {
    const text = 'plugins:\n  org: [trigger]\n  org/repo: [trigger]\n';
    expect(validators.plugins(text)).toEqual([]);
    expect(loaderIssues('plugins', text)).toEqual([expect.stringContaining('duplicated')]);
  });
});
