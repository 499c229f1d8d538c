// What each published package costs its users: the packed tarball, and what `npm install` of it into an
// empty folder pulls in (peer dependencies included, as npm installs them). Workspace dependencies are
// installed from their own tarballs, as they would come from the registry.
// Run: scripts/dev footprint   (builds first). Tests use installAndImport() to check a package's tree.
import { execFile } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);
const root = join(import.meta.dirname, '..');

interface Manifest {
  name: string;
  private?: boolean;
  dependencies?: Record<string, string>;
  peerDependencies?: Record<string, string>;
  peerDependenciesMeta?: Record<string, { optional?: boolean }>;
}

/** What npm installs with a package: its dependencies and its peers that are not optional. */
const installedWith = ({ dependencies = {}, peerDependencies = {}, peerDependenciesMeta = {} }: Manifest) => [
  ...Object.keys(dependencies),
  ...Object.keys(peerDependencies).filter((peer) => !peerDependenciesMeta[peer]?.optional),
];

export interface PackedInstall {
  /** The folder holding node_modules; remove it when done. */
  dir: string;
  tarballBytes: number;
  /** Every installed package, the one asked for included. */
  packages: string[];
  installedBytes: number;
}

async function publishedPackages(): Promise<Map<string, { dir: string; manifest: Manifest }>> {
  const found = new Map<string, { dir: string; manifest: Manifest }>();
  for (const name of await readdir(join(root, 'packages'))) {
    const dir = join(root, 'packages', name);
    const manifest = JSON.parse(await readFile(join(dir, 'package.json'), 'utf8')) as Manifest;
    if (!manifest.private) found.set(manifest.name, { dir, manifest });
  }
  return found;
}

async function du(path: string): Promise<number> {
  const info = await stat(path);
  if (!info.isDirectory()) return info.size;
  let total = 0;
  for (const entry of await readdir(path)) total += await du(join(path, entry));
  return total;
}

async function installedPackages(nodeModules: string): Promise<string[]> {
  const names: string[] = [];
  for (const entry of await readdir(nodeModules).catch(() => [])) {
    if (entry.startsWith('.')) continue;
    const scoped = entry.startsWith('@')
      ? (await readdir(join(nodeModules, entry))).map((n) => `${entry}/${n}`)
      : [entry];
    for (const name of scoped) {
      names.push(name, ...(await installedPackages(join(nodeModules, name, 'node_modules'))));
    }
  }
  return names;
}

/**
 * Packs `name` and the workspace packages it depends on (their built dist must exist) and installs them
 * with npm, production only, into a new empty folder.
 */
export async function installPacked(name: string): Promise<PackedInstall> {
  const workspace = await publishedPackages();
  const closure = new Set<string>();
  const visit = (pkg: string) => {
    closure.add(pkg);
    const manifest = workspace.get(pkg)?.manifest;
    for (const dep of manifest ? installedWith(manifest) : []) {
      if (workspace.has(dep) && !closure.has(dep)) visit(dep);
    }
  };
  if (!workspace.has(name)) throw new Error(`${name} is not a published workspace package`);
  visit(name);
  for (const pkg of closure) {
    const built = await stat(join(workspace.get(pkg)?.dir ?? '', 'dist')).catch(() => undefined);
    if (!built) throw new Error(`${pkg} is not built: run \`pnpm --filter ${name}... build\` first`);
  }
  const dir = await mkdtemp(join(tmpdir(), 'packed-install-'));
  const tarballs = new Map<string, string>();
  for (const pkg of closure) {
    const { stdout } = await run('pnpm', ['pack', '--pack-destination', dir, '--json'], {
      cwd: workspace.get(pkg)?.dir,
    });
    tarballs.set(pkg, (JSON.parse(stdout) as { filename: string }).filename);
  }
  await run('npm', ['init', '-y'], { cwd: dir });
  const install = [
    'install',
    '--omit=dev',
    '--no-audit',
    '--no-fund',
    '--ignore-scripts',
    '--fetch-timeout=60000',
  ];
  await run('npm', [...install, ...tarballs.values()], { cwd: dir });
  const nodeModules = join(dir, 'node_modules');
  return {
    dir,
    tarballBytes: (await stat(tarballs.get(name) as string)).size,
    packages: await installedPackages(nodeModules),
    installedBytes: await du(nodeModules),
  };
}

/**
 * Installs `name` alone from its tarball (see installPacked; turbo has built it and what it depends on
 * before its tests) and imports each of `entries` there with plain Node: `loaded`, or the error code
 * that stopped it.
 */
export async function installAndImport(
  name: string,
  entries: readonly string[],
): Promise<PackedInstall & { imported: Record<string, string> }> {
  const install = await installPacked(name);
  const script = `
    const imported = {};
    for (const entry of ${JSON.stringify(entries)}) {
      imported[entry] = await import(entry).then(() => 'loaded', (e) => e.code ?? e.message);
    }
    console.log(JSON.stringify(imported));`;
  const { stdout } = await run(process.execPath, ['--input-type=module', '-e', script], { cwd: install.dir });
  return { ...install, imported: JSON.parse(stdout) };
}

if (import.meta.main) {
  console.log('| package | npm pack | installed packages | installed size |');
  console.log('|---|---|---|---|');
  for (const name of (await publishedPackages()).keys()) {
    const install = await installPacked(name);
    const kib = (install.tarballBytes / 1024).toFixed(1);
    const mib = (install.installedBytes / 1024 / 1024).toFixed(2);
    console.log(`| ${name} | ${kib} KiB | ${install.packages.length} | ${mib} MiB |`);
    await rm(install.dir, { recursive: true, force: true });
  }
}
