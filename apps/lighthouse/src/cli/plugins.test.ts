import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const main = join(import.meta.dirname, '..', 'main.ts');

async function lighthouse(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return promisify(execFile)(process.execPath, ['--conditions=@lighthouse-ts/source', main, ...args], {
    env: { PATH: process.env.PATH ?? '' },
  }).then(
    ({ stdout, stderr }) => ({ code: 0, stdout, stderr }),
    (error: { code: number; stdout: string; stderr: string }) => error,
  );
}

describe('lighthouse plugins', () => {
  let dir: string;
  let files: string[];
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'lighthouse-plugins-'));
    await writeFile(join(dir, 'config.yaml'), '{}\n');
    await writeFile(
      join(dir, 'plugins.yaml'),
      'plugins:\n  acme: [trigger]\n  acme/app: [hold, help, milestone, blockade]\n',
    );
    await writeFile(join(dir, 'bad.yaml'), 'plugins:\n  acme: [trigger, hodl]\n');
    files = ['--config-file', join(dir, 'config.yaml'), '--plugins-file', join(dir, 'plugins.yaml')];
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it("prints a repository's plugins in plugins.yaml's order with their commands, and those not built", async () => {
    const { code, stdout } = await lighthouse(['plugins', ...files, '--repo', 'acme/app']);
    expect(code).toBe(0);
    expect(stdout).toMatch(/^acme\/app: 5 plugins enabled\n\ntrigger: Starts the jobs/);
    expect(stdout).toContain('hold: Keeps a pull request from merging');
    expect(stdout).toContain(
      '  /hold [cancel]\n    Adds do-not-merge/hold, or takes it off.\n    who: Anyone\n',
    );
    expect(stdout).toContain('  /milestone <title> | /milestone clear\n');
    expect(stdout).toMatch(/blockade: not built yet \(does nothing\)\n$/);
  });

  it('prints JSON with --json', async () => {
    const { code, stdout } = await lighthouse(['plugins', ...files, '--repo', 'acme/app', '--json']);
    expect(code).toBe(0);
    const { plugins } = JSON.parse(stdout) as { plugins: { name: string; built: boolean }[] };
    expect(plugins.map(({ name, built }) => `${name} ${built}`)).toEqual([
      'trigger true',
      'hold true',
      'help true',
      'milestone true',
      'blockade false',
    ]);
  });

  it('exits 1 naming what is wrong with the config, and 2 without a repository', async () => {
    const bad = ['--config-file', join(dir, 'config.yaml'), '--plugins-file', join(dir, 'bad.yaml')];
    const invalid = await lighthouse(['plugins', ...bad, '--repo', 'acme/app']);
    expect(invalid.code).toBe(1);
    expect(invalid.stderr).toMatch(/hodl/);
    const usage = await lighthouse(['plugins', ...files]);
    expect(usage.code).toBe(2);
    expect(usage.stderr).toMatch(/--repo \(LIGHTHOUSE_REPO\): is required/);
  });
});
