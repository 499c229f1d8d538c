// The test each published package has: it installs alone from its tarball, pulls in exactly `packages`,
// and each entry imports as `imported` says (`loaded`, or the error code that stopped it).
import { rm } from 'node:fs/promises';
import { afterAll, expect, it } from 'vitest';
import { installAndImport, type PackedInstall } from './footprint.ts';

export function testPackedInstall(
  name: string,
  expected: { packages: readonly string[]; imported: Readonly<Record<string, string>> },
): void {
  let install: PackedInstall | undefined;
  afterAll(() => (install ? rm(install.dir, { recursive: true, force: true }) : undefined));

  it(`${name} installs alone from its tarball with exactly its dependencies, and its entries load`, async () => {
    const installed = await installAndImport(name, Object.keys(expected.imported));
    install = installed;
    expect(installed.packages.sort()).toEqual([...expected.packages].sort());
    expect(installed.imported).toEqual(expected.imported);
  }, 180_000);
}
