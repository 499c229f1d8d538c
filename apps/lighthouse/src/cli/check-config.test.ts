import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';

const main = join(import.meta.dirname, '..', 'main.ts');

// Prints, as the process exits, every module it loaded, so the test can tell what check-config costs.
const recordLoads = `
import { registerHooks } from 'node:module';
const loaded = [];
registerHooks({ load: (url, context, next) => (loaded.push(url), next(url, context)) });
process.on('exit', () => process.stderr.write('loaded: ' + JSON.stringify(loaded) + '\\n'));
`;

interface Run {
  code: number;
  stdout: string;
  stderr: string;
  /** Every module the process loaded. */
  loaded: string[];
}

async function checkConfig(args: string[], env: Record<string, string> = {}): Promise<Run> {
  const result = await promisify(execFile)(
    process.execPath,
    [
      '--conditions=@lighthouse-ts/source',
      `--import=data:text/javascript,${encodeURIComponent(recordLoads)}`,
      main,
      'check-config',
      ...args,
    ],
    { env: { PATH: process.env.PATH ?? '', ...env } },
  ).then(
    ({ stdout, stderr }) => ({ code: 0, stdout, stderr }),
    (error: { code: number; stdout: string; stderr: string }) => error,
  );
  const loadedLine = /^loaded: (.*)$/m.exec(result.stderr);
  return {
    code: result.code,
    stdout: result.stdout,
    stderr: result.stderr.replace(/^loaded: .*\n/m, ''),
    loaded: loadedLine ? JSON.parse(loadedLine[1] ?? '[]') : [],
  };
}

const validConfig = `
presubmits:
  acme/rocket:
    - name: unit
      always_run: true
    - name: lint
      run_if_changed: '\\.ts$'
postsubmits:
  acme/rocket:
    - name: release
      branches: [main]
  acme/anvil:
    - name: release
`;
const validPlugins = `
plugins:
  acme: [trigger]
triggers:
  - repos: [acme]
    trusted_org: acme
`;
// A presubmit that both always runs and runs only on some changes, and a regexp Go cannot compile.
const invalidConfig = `
presubmits:
  acme/rocket:
    - name: unit
      always_run: true
      run_if_changed: '^src/'
    - name: lint
      skip_if_only_changed: '(?<=docs)/'
`;
// A plugin list written as one string.
const invalidPlugins = `
plugins:
  acme: trigger
`;

describe('lighthouse check-config', () => {
  let dir: string;
  const path = (file: string) => join(dir, file);
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'lighthouse-check-config-'));
    await writeFile(path('config.yaml'), validConfig);
    await writeFile(path('plugins.yaml'), validPlugins);
    await writeFile(path('bad-config.yaml'), invalidConfig);
    await writeFile(path('bad-plugins.yaml'), invalidPlugins);
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('says ok and what the files hold when they are valid, exit 0', async () => {
    const result = await checkConfig([
      `--config-file=${path('config.yaml')}`,
      `--plugins-file=${path('plugins.yaml')}`,
    ]);
    expect(result).toMatchObject({ code: 0, stderr: '' });
    expect(result.stdout).toBe(
      `ok: 2 repositories, 2 presubmits, 2 postsubmits (${path('config.yaml')}, ${path('plugins.yaml')})\n`,
    );
  });

  it("loads the config package and nothing heavier: no Kubernetes code, no server, no providers' clients", async () => {
    const { code, loaded } = await checkConfig([
      `--config-file=${path('config.yaml')}`,
      `--plugins-file=${path('plugins.yaml')}`,
    ]);
    expect(code).toBe(0);
    const ours = new Set<string>();
    const npm = new Set<string>();
    for (const url of loaded.filter((u) => u.startsWith('file:'))) {
      const dependency = /.*\/node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(url);
      const workspace = /\/((?:packages|apps)\/[^/]+)\//.exec(url);
      if (dependency?.[1]) npm.add(dependency[1]);
      else if (workspace?.[1]) ours.add(workspace[1]);
    }
    // Of the providers package, its flags only (serve's flags are check-config's too): no client.
    expect([...ours].sort()).toEqual([
      'apps/lighthouse',
      'packages/cli',
      'packages/config',
      'packages/providers',
    ]);
    expect(
      loaded.filter((url) => url.includes('/packages/providers/')).map((url) => url.split('/src/')[1]),
    ).toEqual(['flags.ts']);
    expect([...npm].sort()).toEqual(['re2js', 'yaml', 'zod']);
    const app = loaded.filter((url) => url.includes('/apps/lighthouse/')).map((url) => url.split('/src/')[1]);
    expect(app.sort()).toEqual(['cli/check-config.ts', 'cli/settings.ts', 'main.ts']);
  });

  it('reads the files from LIGHTHOUSE_CONFIG_FILE and LIGHTHOUSE_PLUGINS_FILE, as serve does', async () => {
    const result = await checkConfig([], {
      LIGHTHOUSE_CONFIG_FILE: path('config.yaml'),
      LIGHTHOUSE_PLUGINS_FILE: path('plugins.yaml'),
    });
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/^ok: 2 repositories/);
  });

  it("passes a real Lighthouse installation's files", async () => {
    const testData = join(inject('fixturesDir'), 'lighthouse', 'pkg', 'webhook', 'test_data');
    const result = await checkConfig([
      `--config-file=${join(testData, 'test_config.yaml')}`,
      `--plugins-file=${join(testData, 'test_plugins.yaml')}`,
    ]);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/^ok: 15 repositories, 15 presubmits, 15 postsubmits /);
  });

  it('prints every problem in both files, one a line with the file, path, line and reason, exit 1', async () => {
    const config = path('bad-config.yaml');
    const plugins = path('bad-plugins.yaml');
    const result = await checkConfig([`--config-file=${config}`, `--plugins-file=${plugins}`]);
    expect(result.code).toBe(1);
    expect(result.stdout).toBe('');
    const lines = result.stderr.trimEnd().split('\n');
    expect(lines).toHaveLength(3);
    expect(lines).toContain(
      `${config}: presubmits.acme/rocket[0].run_if_changed (line 6): job unit is set to always run but also declares run_if_changed targets, which are mutually exclusive`,
    );
    expect(lines).toContainEqual(
      expect.stringMatching(
        new RegExp(
          `^${literal(config)}: presubmits\\.acme/rocket\\[1\\]\\.skip_if_only_changed \\(line 8\\): .+`,
        ),
      ),
    );
    expect(lines).toContainEqual(
      expect.stringMatching(
        new RegExp(`^${literal(plugins)}: plugins\\.acme \\(line 3\\): .*expected array`),
      ),
    );
  });

  it('says which file cannot be read, exit 1', async () => {
    const missing = path('missing.yaml');
    const result = await checkConfig([`--config-file=${missing}`, `--plugins-file=${path('plugins.yaml')}`]);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(new RegExp(`^${literal(missing)}: cannot read: .*ENOENT`));
  });

  it("checks the jobs' namespace as serve does: --namespace, LIGHTHOUSE_NAMESPACE, or serve's default", async () => {
    const elsewhere = path('elsewhere.yaml');
    await writeFile(
      elsewhere,
      validConfig.replace(
        '- name: release\n      branches',
        '- name: release\n      namespace: ci\n      branches',
      ),
    );
    const files = [`--config-file=${elsewhere}`, `--plugins-file=${path('plugins.yaml')}`];
    const refused = await checkConfig(files);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(
      /postsubmits\.acme\/rocket\[0\]\.namespace \(line \d+\): job release runs in ci, but jobs run and are followed in jx only/,
    );
    expect((await checkConfig([...files, '--namespace=ci'])).code).toBe(0);
    expect((await checkConfig(files, { LIGHTHOUSE_NAMESPACE: 'ci' })).code).toBe(0);
  });

  it('exits 2 on a usage error: a missing flag, an unknown one', async () => {
    const none = await checkConfig([]);
    expect(none.code).toBe(2);
    expect(none.stderr).toContain(
      [
        'lighthouse check-config: invalid settings:',
        '  --config-file (LIGHTHOUSE_CONFIG_FILE): is required',
        '  --plugins-file (LIGHTHOUSE_PLUGINS_FILE): is required',
      ].join('\n'),
    );
    expect(none.stderr).toContain('Usage: lighthouse check-config');

    const noPlugins = await checkConfig([`--config-file=${path('config.yaml')}`]);
    expect(noPlugins.code).toBe(2);
    expect(noPlugins.stderr).toContain('--plugins-file (LIGHTHOUSE_PLUGINS_FILE): is required');

    const unknown = await checkConfig(['--config=config.yaml']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain("Unknown option '--config'");
  });
});

const literal = (text: string) => text.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
