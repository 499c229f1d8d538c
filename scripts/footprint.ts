// What each published package costs its users: the packed tarball, and what `npm install` of it into an
// empty folder pulls in (peer dependencies included, as npm installs them). Workspace dependencies are
// installed from their own tarballs, as they would come from the registry.
// Run: scripts/dev footprint   (builds first)
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
}

async function du(path: string): Promise<number> {
  const info = await stat(path);
  if (!info.isDirectory()) return info.size;
  let total = 0;
  for (const entry of await readdir(path)) total += await du(join(path, entry));
  return total;
}

async function installedPackages(nodeModules: string): Promise<number> {
  let count = 0;
  for (const entry of await readdir(nodeModules).catch(() => [])) {
    if (entry.startsWith('.')) continue;
    const dir = join(nodeModules, entry);
    const names = entry.startsWith('@') ? (await readdir(dir)).map((n) => join(dir, n)) : [dir];
    for (const name of names) count += 1 + (await installedPackages(join(name, 'node_modules')));
  }
  return count;
}

const mib = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(2)} MiB`;

const work = await mkdtemp(join(tmpdir(), 'footprint-'));
try {
  const manifests = new Map<string, { dir: string; manifest: Manifest }>();
  for (const name of await readdir(join(root, 'packages'))) {
    const dir = join(root, 'packages', name);
    const manifest = JSON.parse(await readFile(join(dir, 'package.json'), 'utf8')) as Manifest;
    if (!manifest.private) manifests.set(manifest.name, { dir, manifest });
  }
  const tarballs = new Map<string, string>();
  for (const [name, { dir }] of manifests) {
    const { stdout } = await run('pnpm', ['pack', '--pack-destination', work, '--json'], { cwd: dir });
    tarballs.set(name, (JSON.parse(stdout) as { filename: string }).filename);
  }
  const workspaceClosure = (name: string, seen = new Set<string>()): Set<string> => {
    seen.add(name);
    for (const dep of Object.keys(manifests.get(name)?.manifest.dependencies ?? {})) {
      if (manifests.has(dep) && !seen.has(dep)) workspaceClosure(dep, seen);
    }
    return seen;
  };
  console.log('| package | npm pack | installed packages | installed size |');
  console.log('|---|---|---|---|');
  for (const name of manifests.keys()) {
    const target = await mkdtemp(join(work, 'install-'));
    const files = [...workspaceClosure(name)].map((n) => tarballs.get(n) as string);
    await run('npm', ['init', '-y'], { cwd: target });
    await run('npm', ['install', '--omit=dev', '--no-audit', '--no-fund', '--ignore-scripts', ...files], {
      cwd: target,
    });
    const nodeModules = join(target, 'node_modules');
    const packed = (await stat(tarballs.get(name) as string)).size;
    console.log(
      `| ${name} | ${(packed / 1024).toFixed(1)} KiB | ${await installedPackages(nodeModules)} | ${mib(await du(nodeModules))} |`,
    );
  }
} finally {
  await rm(work, { recursive: true, force: true });
}
