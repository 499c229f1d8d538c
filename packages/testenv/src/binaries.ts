import { execFile, spawn } from 'node:child_process';
import { constants } from 'node:fs';
import { access, mkdir, mkdtemp, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** The versions we build when no binary is given. envtest pairs Kubernetes 1.36 with etcd 3.6. */
export const KUBERNETES_VERSION = '1.36.3';
export const ETCD_VERSION = '3.6.14';

export interface Binaries {
  kubeApiserver: string;
  etcd: string;
}

export interface ResolveBinariesOptions {
  /** Where built binaries are kept between runs; default `$XDG_CACHE_HOME/lighthouse-ts/testenv`. */
  cacheDir?: string;
  /** Called with a line of progress while building. */
  log?: (line: string) => void;
  env?: NodeJS.ProcessEnv;
}

export function defaultCacheDir(env: NodeJS.ProcessEnv = process.env): string {
  return (
    env.TESTENV_CACHE_DIR ?? join(env.XDG_CACHE_HOME ?? join(homedir(), '.cache'), 'lighthouse-ts', 'testenv')
  );
}

/**
 * Finds kube-apiserver and etcd: paths from TESTENV_KUBE_APISERVER / TESTENV_ETCD first, then the
 * cache, else builds them with `go` from the Go module proxy into the cache (minutes, once).
 */
export async function resolveBinaries(options: ResolveBinariesOptions = {}): Promise<Binaries> {
  const env = options.env ?? process.env;
  const cacheDir = options.cacheDir ?? defaultCacheDir(env);
  const log = options.log ?? (() => {});
  const kubeApiserver =
    env.TESTENV_KUBE_APISERVER ??
    (await cachedOrBuilt(
      join(cacheDir, `kube-apiserver-v${KUBERNETES_VERSION}`, 'kube-apiserver'),
      (out) => buildKubeApiserver(out, log, env),
      log,
    ));
  const etcd =
    env.TESTENV_ETCD ??
    (await cachedOrBuilt(
      join(cacheDir, `etcd-v${ETCD_VERSION}`, 'etcd'),
      (out) => buildEtcd(out, log, env),
      log,
    ));
  await mustBeExecutable(kubeApiserver, 'TESTENV_KUBE_APISERVER');
  await mustBeExecutable(etcd, 'TESTENV_ETCD');
  return { kubeApiserver, etcd };
}

async function mustBeExecutable(path: string, variable: string): Promise<void> {
  try {
    await access(path, constants.X_OK);
  } catch {
    throw new Error(`testenv: ${path} is not an executable file (check ${variable})`);
  }
}

async function isExecutable(path: string): Promise<boolean> {
  return access(path, constants.X_OK).then(
    () => true,
    () => false,
  );
}

async function cachedOrBuilt(
  path: string,
  build: (out: string) => Promise<void>,
  log: (line: string) => void,
): Promise<string> {
  if (await isExecutable(path)) return path;
  await mkdir(join(path, '..'), { recursive: true });
  const started = performance.now();
  // Build beside the target and rename, so a concurrent or interrupted build never leaves half a binary.
  const partial = `${path}.${process.pid}.partial`;
  await build(partial);
  await rename(partial, path);
  log(`testenv: built ${path} in ${formatDuration(performance.now() - started)}`);
  return path;
}

async function goEnv(env: NodeJS.ProcessEnv): Promise<NodeJS.ProcessEnv> {
  try {
    await run('go', ['version'], { env });
  } catch {
    throw new Error(
      'testenv: no kube-apiserver/etcd binaries and no `go` to build them. Install Go >= 1.26 ' +
        '(it fetches the sources from the Go module proxy), or set TESTENV_KUBE_APISERVER and ' +
        'TESTENV_ETCD to existing binaries.',
    );
  }
  return { ...env, CGO_ENABLED: '0', GOFLAGS: '-mod=mod', GOWORK: 'off' };
}

async function withScratchModule<T>(name: string, body: (dir: string) => Promise<T>): Promise<T> {
  const dir = await mkdtemp(join(tmpdir(), `testenv-${name}-`));
  try {
    return await body(dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

async function go(args: string[], cwd: string, env: NodeJS.ProcessEnv): Promise<string> {
  try {
    const { stdout } = await run('go', args, { cwd, env, maxBuffer: 64 * 1024 * 1024 });
    return stdout;
  } catch (error) {
    const stderr = (error as { stderr?: string }).stderr ?? '';
    throw new Error(`testenv: go ${args.join(' ')} failed:\n${stderr.slice(-4000)}`);
  }
}

export interface GoBuildOptions {
  /** The scratch module to build in. */
  dir: string;
  env: NodeJS.ProcessEnv;
  /** Build flags; `go list` gets them too, so it asks the build cache about the same compilations. */
  flags: string[];
  /** What is being built, for the progress lines. */
  name: string;
  log: (line: string) => void;
  now?: () => number;
}

/**
 * `go build -v -o out pkg`, logging progress: `go list -deps` names the packages and which of them Go's
 * build cache lacks, and each one `go build -v` reports compiled counts towards those. Resolves to the
 * number compiled.
 */
export async function goBuild(pkg: string, out: string, options: GoBuildOptions): Promise<number> {
  const { dir, env, flags, name, log, now = () => performance.now() } = options;
  const listed = await go(['list', '-deps', ...flags, '-f', '{{.Stale}} {{.ImportPath}}', pkg], dir, env);
  const deps = listed.split('\n').filter(Boolean);
  const stale = new Set(deps.filter((line) => line.startsWith('true ')).map((line) => line.slice(5)));
  log(
    `testenv: compiling ${name}: ${stale.size} of its ${deps.length} packages (the rest are in Go's build cache)`,
  );
  const started = now();
  const progress = compileProgress(name, stale.size, log, now);
  const args = ['build', '-v', ...flags, '-o', out, pkg];
  const child = spawn('go', args, { cwd: dir, env, stdio: ['ignore', 'ignore', 'pipe'] });
  const otherLines: string[] = [];
  let compiled = 0;
  createInterface({ input: child.stderr }).on('line', (line) => {
    if (stale.has(line)) progress(++compiled);
    else otherLines.push(line);
  });
  const code = await new Promise<number | null>((resolve, reject) => {
    child.once('error', reject);
    // 'close', not 'exit': by then every line of stderr has been read.
    child.once('close', resolve);
  });
  if (code !== 0) {
    throw new Error(`testenv: go ${args.join(' ')} failed:\n${otherLines.join('\n').slice(-4000)}`);
  }
  log(`testenv: compiled ${compiled} packages of ${name} in ${formatDuration(now() - started)}`);
  return compiled;
}

/**
 * Reports `compiled` out of `total`: a line at each further tenth, and after `everyMs` without one, so a
 * long build shows how far it is and that it still moves.
 */
export function compileProgress(
  name: string,
  total: number,
  log: (line: string) => void,
  now: () => number,
  everyMs = 30_000,
): (compiled: number) => void {
  const started = now();
  let lastTenth = 0;
  let lastAt = started;
  return (compiled) => {
    const tenth = Math.floor((compiled * 10) / total);
    const at = now();
    if (tenth <= lastTenth && at - lastAt < everyMs) return;
    lastTenth = tenth;
    lastAt = at;
    log(
      `testenv: compiling ${name}: ${compiled}/${total} packages (${Math.floor((compiled * 100) / total)}%) ` +
        `in ${formatDuration(at - started)}`,
    );
  };
}

/** `1h2m3s`, `15m4s`, `42s`: whole seconds, as Go prints a duration. */
export function formatDuration(ms: number): string {
  const seconds = Math.round(ms / 1000);
  const [h, m, s] = [Math.floor(seconds / 3600), Math.floor((seconds % 3600) / 60), seconds % 60];
  if (h > 0) return `${h}h${m}m${s}s`;
  return m > 0 ? `${m}m${s}s` : `${s}s`;
}

/**
 * `k8s.io/kubernetes` requires its staging modules at v0.0.0 and replaces them with local paths, so it
 * cannot be installed directly. A throw-away module that points each of those at its published
 * v0.<minor>.<patch> release builds the real cmd/kube-apiserver.
 */
async function buildKubeApiserver(out: string, log: (line: string) => void, baseEnv: NodeJS.ProcessEnv) {
  const env = await goEnv(baseEnv);
  const version = KUBERNETES_VERSION;
  const stagingVersion = `v0.${version.split('.').slice(1).join('.')}`;
  log(`testenv: building kube-apiserver v${version} with go (first run only; several minutes on 2 cores)`);
  await withScratchModule('kube-apiserver', async (dir) => {
    const info = JSON.parse(
      await go(['mod', 'download', '-json', `k8s.io/kubernetes@v${version}`], dir, env),
    );
    const staging = stagingModules(await readFile(info.GoMod, 'utf8'));
    log(`testenv: pinning ${staging.length} staging modules to ${stagingVersion}`);
    await writeFile(
      join(dir, 'go.mod'),
      [
        'module testenv/kubeapiserver',
        '',
        'go 1.26',
        '',
        `require k8s.io/kubernetes v${version}`,
        '',
        ...staging.map((m) => `replace ${m} => ${m} ${stagingVersion}`),
        '',
      ].join('\n'),
    );
    await writeFile(
      join(dir, 'tools.go'),
      'package tools\n\nimport _ "k8s.io/kubernetes/cmd/kube-apiserver"\n',
    );
    log('testenv: resolving modules (go mod tidy)');
    await go(['mod', 'tidy'], dir, env);
    const [, minor] = version.split('.');
    const stamp = 'k8s.io/component-base/version';
    const flags = [
      '-trimpath',
      '-ldflags',
      `-s -w -X ${stamp}.gitVersion=v${version} -X ${stamp}.gitMajor=1 -X ${stamp}.gitMinor=${minor}`,
    ];
    await goBuild('k8s.io/kubernetes/cmd/kube-apiserver', out, {
      dir,
      env,
      flags,
      name: 'kube-apiserver',
      log,
    });
  });
}

/** etcd's server module has relative replace directives; a consumer module ignores them. */
async function buildEtcd(out: string, log: (line: string) => void, baseEnv: NodeJS.ProcessEnv) {
  const env = await goEnv(baseEnv);
  log(`testenv: building etcd v${ETCD_VERSION} with go (first run only)`);
  await withScratchModule('etcd', async (dir) => {
    await writeFile(
      join(dir, 'go.mod'),
      `module testenv/etcd\n\ngo 1.26\n\nrequire go.etcd.io/etcd/server/v3 v${ETCD_VERSION}\n`,
    );
    await writeFile(join(dir, 'tools.go'), 'package tools\n\nimport _ "go.etcd.io/etcd/server/v3"\n');
    log('testenv: resolving modules (go mod tidy)');
    await go(['mod', 'tidy'], dir, env);
    const flags = ['-trimpath', '-ldflags', '-s -w'];
    await goBuild('go.etcd.io/etcd/server/v3', out, { dir, env, flags, name: 'etcd', log });
  });
}

/** The `k8s.io/*` modules a go.mod requires at v0.0.0 (the staging modules of k8s.io/kubernetes). */
export function stagingModules(goMod: string): string[] {
  const modules = new Set<string>();
  let inRequire = false;
  for (const raw of goMod.split('\n')) {
    const line = raw.replace(/\/\/.*$/, '').trim();
    if (line === 'require (') {
      inRequire = true;
      continue;
    }
    if (inRequire && line === ')') {
      inRequire = false;
      continue;
    }
    const single = /^require\s+(\S+)\s+(\S+)$/.exec(line);
    const [module, version] = inRequire ? line.split(/\s+/) : single ? [single[1], single[2]] : [];
    if (module?.startsWith('k8s.io/') && version === 'v0.0.0') modules.add(module);
  }
  return [...modules].sort();
}
