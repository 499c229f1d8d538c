import { readdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { ownedCustomResourceDefinitions } from '../src/index.ts';

export const manifestsDir = join(import.meta.dirname, '..', 'manifests');

const header = '# Generated from the zod schemas in src/ by `pnpm generate`. Do not edit.\n';

/** File name -> contents of every manifest in `manifests/`. */
export function renderManifests(): Map<string, string> {
  return new Map(
    ownedCustomResourceDefinitions().map((crd) => [
      `${crd.metadata.name}.yaml`,
      `${header}${stringify(crd, { lineWidth: 0 })}`,
    ]),
  );
}

if (import.meta.main) {
  const manifests = renderManifests();
  for (const stale of (await readdir(manifestsDir)).filter((f) => !manifests.has(f))) {
    await rm(join(manifestsDir, stale));
  }
  for (const [file, text] of manifests) await writeFile(join(manifestsDir, file), text);
  console.log(`wrote ${[...manifests.keys()].join(', ')} to ${manifestsDir}`);
}
