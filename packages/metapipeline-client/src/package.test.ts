import { execFile } from 'node:child_process';
import { rm } from 'node:fs/promises';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { installPacked, type PackedInstall } from '../../../scripts/footprint.ts';

const run = promisify(execFile);

describe('the published package', () => {
  let install: PackedInstall | undefined;
  afterAll(() => (install ? rm(install.dir, { recursive: true, force: true }) : undefined));

  it('installs from npm without Kubernetes client libraries, and its root entry loads without them', async () => {
    await run('pnpm', ['--filter', '@lighthouse-ts/metapipeline-client...', 'run', 'build'], {
      cwd: import.meta.dirname,
    });
    install = await installPacked('@lighthouse-ts/metapipeline-client');
    expect(install.packages.sort()).toEqual([
      '@lighthouse-ts/crds',
      '@lighthouse-ts/metapipeline-client',
      'zod',
    ]);

    const script = `
      const client = await import('@lighthouse-ts/metapipeline-client');
      const loaded = typeof client.createRemoteClient === 'function';
      const kube = await import('@lighthouse-ts/metapipeline-client/embedded').then(() => 'loaded', (e) => e.code);
      console.log(JSON.stringify({ loaded, kube }));`;
    const { stdout } = await run(process.execPath, ['--input-type=module', '-e', script], {
      cwd: install.dir,
    });
    // The embedded entry needs the optional peer @lighthouse-ts/kube, which a remote-only install lacks.
    expect(JSON.parse(stdout)).toEqual({ loaded: true, kube: 'ERR_MODULE_NOT_FOUND' });
  }, 180_000);
});
