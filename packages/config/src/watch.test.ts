import { mkdir, mkdtemp, rename, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ConfigError } from './config-error.ts';
import { type ConfigReload, watchConfig } from './watch.ts';

type Reported = { kind: 'reload'; reload: ConfigReload } | { kind: 'error'; error: unknown };

/** Turns the watcher's callbacks into something a test can await, one report at a time. */
function reports() {
  const queued: Reported[] = [];
  const waiting: ((report: Reported) => void)[] = [];
  const push = (report: Reported) => {
    const resolve = waiting.shift();
    if (resolve) resolve(report);
    else queued.push(report);
  };
  return {
    onReload: (reload: ConfigReload) => push({ kind: 'reload', reload }),
    onError: (error: unknown) => push({ kind: 'error', error }),
    next: () =>
      new Promise<Reported>((resolve) => {
        const report = queued.shift();
        if (report) resolve(report);
        else waiting.push(resolve);
      }),
    queued,
  };
}

const jobs = (...names: string[]) =>
  `presubmits:\n  org/repo:\n${names.map((name) => `  - name: ${name}\n`).join('')}`;
const plugins = 'plugins:\n  org: [trigger]\n';

/** Replaces a file in one step, as editors and kubelet do, so no reader sees it half written. */
async function replace(path: string, text: string) {
  await writeFile(`${path}.tmp`, text);
  await rename(`${path}.tmp`, path);
}

const presubmitNames = (reload: ConfigReload) =>
  reload.config.jobs.presubmits.get('org/repo')?.map((job) => job.name);

describe('watchConfig', () => {
  let dir: string;
  let stop: AbortController;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'lighthouse-watch-'));
    stop = new AbortController();
  });
  afterEach(async () => {
    stop.abort();
    await rm(dir, { recursive: true, force: true });
  });

  async function plainFiles(config: string) {
    const configPath = join(dir, 'config.yaml');
    const pluginsPath = join(dir, 'plugins.yaml');
    await writeFile(configPath, config);
    await writeFile(pluginsPath, plugins);
    return { configPath, pluginsPath };
  }

  it('refuses to start on an invalid config', async () => {
    const paths = await plainFiles(`${jobs('a')}    run_if_changed: "("\n`);
    await expect(watchConfig({ ...paths, signal: stop.signal })).rejects.toBeInstanceOf(ConfigError);
  });

  it('reloads a valid change', async () => {
    const paths = await plainFiles(jobs('a'));
    const seen = reports();
    const watch = await watchConfig({ ...paths, signal: stop.signal, debounceMs: 20, ...seen });
    expect(
      watch
        .current()
        .jobs.presubmits.get('org/repo')
        ?.map((job) => job.name),
    ).toEqual(['a']);

    await replace(paths.configPath, jobs('a', 'b'));

    const report = await seen.next();
    if (report.kind !== 'reload') throw report.error;
    expect(report.reload.changed).toEqual(['config']);
    expect(presubmitNames(report.reload)).toEqual(['a', 'b']);
    expect(watch.current()).toBe(report.reload.config);
  });

  it('keeps the last good config when a change is invalid, and reports why', async () => {
    const paths = await plainFiles(jobs('a'));
    const seen = reports();
    const watch = await watchConfig({ ...paths, signal: stop.signal, debounceMs: 20, ...seen });
    const good = watch.current();

    await replace(paths.pluginsPath, 'plugins:\n  org: [trigger]\n  org/repo: [trigger]\n');

    const report = await seen.next();
    if (report.kind !== 'error') throw new Error('expected the invalid change to be reported');
    expect(report.error).toBeInstanceOf(ConfigError);
    expect(String(report.error)).toMatch(/plugins\.yaml: plugins\.org\/repo \(line 3\): plugins \[trigger\]/);
    expect(watch.current()).toBe(good);

    await replace(paths.pluginsPath, 'plugins:\n  org/repo: [trigger]\n');
    const fixed = await seen.next();
    if (fixed.kind !== 'reload') throw fixed.error;
    expect(fixed.reload.changed).toEqual(['plugins']);
    expect(watch.current()).toBe(fixed.reload.config);
  });

  it('notices a ConfigMap update, where Kubernetes swaps the ..data symlink', async () => {
    // The layout kubelet writes: files are links through ..data to a timestamped directory.
    const mount = join(dir, 'config');
    await mkdir(join(mount, '..2024_01_01_00_00_00.1'), { recursive: true });
    await writeFile(join(mount, '..2024_01_01_00_00_00.1', 'config.yaml'), jobs('a'));
    await writeFile(join(mount, '..2024_01_01_00_00_00.1', 'plugins.yaml'), plugins);
    await symlink('..2024_01_01_00_00_00.1', join(mount, '..data'));
    await symlink('..data/config.yaml', join(mount, 'config.yaml'));
    await symlink('..data/plugins.yaml', join(mount, 'plugins.yaml'));
    const paths = { configPath: join(mount, 'config.yaml'), pluginsPath: join(mount, 'plugins.yaml') };
    const seen = reports();
    await watchConfig({ ...paths, signal: stop.signal, debounceMs: 20, ...seen });

    await mkdir(join(mount, '..2024_01_01_00_01_00.2'));
    await writeFile(join(mount, '..2024_01_01_00_01_00.2', 'config.yaml'), jobs('a', 'c'));
    await writeFile(join(mount, '..2024_01_01_00_01_00.2', 'plugins.yaml'), plugins);
    await symlink('..2024_01_01_00_01_00.2', join(mount, '..data_tmp'));
    await rename(join(mount, '..data_tmp'), join(mount, '..data'));
    await rm(join(mount, '..2024_01_01_00_00_00.1'), { recursive: true });

    const report = await seen.next();
    if (report.kind !== 'reload') throw report.error;
    expect(presubmitNames(report.reload)).toEqual(['a', 'c']);
  });

  it('stops on abort', async () => {
    const paths = await plainFiles(jobs('a'));
    const aborted = reports();
    const first = new AbortController();
    const stopped = await watchConfig({ ...paths, signal: first.signal, debounceMs: 0, ...aborted });
    first.abort();
    const still = reports();
    await watchConfig({ ...paths, signal: stop.signal, debounceMs: 50, ...still });

    await replace(paths.configPath, jobs('b'));

    const report = await still.next();
    if (report.kind !== 'reload') throw report.error;
    expect(aborted.queued).toEqual([]);
    expect(
      stopped
        .current()
        .jobs.presubmits.get('org/repo')
        ?.map((job) => job.name),
    ).toEqual(['a']);
  });
});
