import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { compileProgress, formatDuration, goBuild, resolveBinaries, stagingModules } from './binaries.ts';

describe('stagingModules', () => {
  it('lists the k8s.io modules required at v0.0.0, in block and single-line form', () => {
    const goMod = [
      'module k8s.io/kubernetes',
      '',
      'require k8s.io/api v0.0.0',
      'require github.com/x/y v1.2.3',
      'require (',
      '\tk8s.io/client-go v0.0.0 // indirect',
      '\tk8s.io/klog/v2 v2.130.1',
      '\tk8s.io/apimachinery v0.0.0',
      '\tgo.etcd.io/etcd/client/v3 v3.6.8',
      ')',
      'replace k8s.io/api => ./staging/src/k8s.io/api',
    ].join('\n');
    expect(stagingModules(goMod)).toEqual(['k8s.io/api', 'k8s.io/apimachinery', 'k8s.io/client-go']);
  });
});

describe('resolveBinaries', () => {
  it('says what to install or set when there are neither binaries nor go', async () => {
    const cacheDir = await mkdtemp(join(tmpdir(), 'testenv-cache-'));
    await expect(resolveBinaries({ cacheDir, env: { PATH: cacheDir, HOME: cacheDir } })).rejects.toThrow(
      /Install Go >= 1\.26 .* or set TESTENV_KUBE_APISERVER and TESTENV_ETCD/,
    );
  });

  it('refuses a given path that is not an executable', async () => {
    const cacheDir = await mkdtemp(join(tmpdir(), 'testenv-cache-'));
    const env = {
      TESTENV_KUBE_APISERVER: join(cacheDir, 'missing'),
      TESTENV_ETCD: join(cacheDir, 'missing'),
    };
    await expect(resolveBinaries({ cacheDir, env })).rejects.toThrow(
      /is not an executable file \(check TESTENV_KUBE_APISERVER\)/,
    );
  });
});

describe('compileProgress', () => {
  it('logs at each further tenth, and after 30 s without a line', () => {
    let clock = 0;
    const lines: string[] = [];
    const progress = compileProgress(
      'kube-apiserver',
      40,
      (line) => lines.push(line),
      () => clock,
    );
    const at = (seconds: number, compiled: number) => {
      clock = seconds * 1000;
      progress(compiled);
    };
    at(1, 1);
    at(2, 3);
    at(5, 4);
    at(6, 5);
    at(20, 9);
    at(40, 10);
    at(51, 11);
    at(80, 11);
    at(82, 11);
    at(85, 40);
    expect(lines).toEqual([
      'testenv: compiling kube-apiserver: 4/40 packages (10%) in 5s',
      'testenv: compiling kube-apiserver: 9/40 packages (22%) in 20s',
      'testenv: compiling kube-apiserver: 11/40 packages (27%) in 51s',
      'testenv: compiling kube-apiserver: 11/40 packages (27%) in 1m22s',
      'testenv: compiling kube-apiserver: 40/40 packages (100%) in 1m25s',
    ]);
  });
});

describe('formatDuration', () => {
  it('prints whole seconds as Go does', () => {
    expect(formatDuration(400)).toBe('0s');
    expect(formatDuration(42_400)).toBe('42s');
    expect(formatDuration(904_000)).toBe('15m4s');
    expect(formatDuration(3_723_000)).toBe('1h2m3s');
  });
});

describe('goBuild', () => {
  const env = { ...process.env, CGO_ENABLED: '0', GOFLAGS: '-mod=mod', GOWORK: 'off' };
  const flags = ['-trimpath', '-ldflags', '-s -w'];

  async function scratchModule(main: string): Promise<string> {
    const dir = await mkdtemp(join(tmpdir(), 'testenv-gobuild-'));
    await mkdir(join(dir, 'greeting'));
    await mkdir(join(dir, 'cmd'));
    await writeFile(join(dir, 'go.mod'), 'module scratch\n\ngo 1.26\n');
    // A new constant each run, so Go's build cache cannot have these two packages.
    await writeFile(
      join(dir, 'greeting', 'greeting.go'),
      `package greeting\n\nconst Text = "${randomUUID()}"\n`,
    );
    await writeFile(join(dir, 'cmd', 'main.go'), main);
    return dir;
  }

  it('counts the packages go compiles out of those its build cache lacks, and builds the binary', async () => {
    const dir = await scratchModule(
      'package main\n\nimport "scratch/greeting"\n\nfunc main() { println(greeting.Text) }\n',
    );
    const lines: string[] = [];
    const out = join(dir, 'greet');
    const compiled = await goBuild('scratch/cmd', out, {
      dir,
      env,
      flags,
      name: 'greet',
      log: (line) => lines.push(line),
    });

    const [first] = lines;
    const [, stale, all] = /compiling greet: (\d+) of its (\d+) packages/.exec(first ?? '') ?? [];
    expect(Number(all)).toBeGreaterThan(Number(stale));
    expect(Number(stale)).toBeGreaterThanOrEqual(2);
    expect(compiled).toBe(Number(stale));
    expect(lines).toContainEqual(
      expect.stringMatching(
        new RegExp(`^testenv: compiling greet: ${stale}/${stale} packages \\(100%\\) in \\d+s$`),
      ),
    );
    expect(lines.at(-1)).toMatch(new RegExp(`^testenv: compiled ${stale} packages of greet in \\d+s$`));
    const { stderr } = await promisify(execFile)(out);
    expect(stderr).toMatch(/^[0-9a-f-]{36}\n$/);
  });

  it("fails with the compiler's message", async () => {
    const dir = await scratchModule('package main\n\nfunc main() { undefinedThing() }\n');
    await expect(
      goBuild('scratch/cmd', join(dir, 'broken'), { dir, env, flags, name: 'broken', log: () => {} }),
    ).rejects.toThrow(/go build -v .* failed:\n(.|\n)*undefined: undefinedThing/);
  });
});
