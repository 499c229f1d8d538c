import { readFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';

export const configFileName = 'testenv.json';

export interface TestEnvConfig {
  /** CRD files or directories, absolute (relative ones in the file are resolved against it). */
  crds: string[];
}

/**
 * Reads the nearest `testenv.json` at or above `from`: `{ "crds": ["path", ...] }`. The one place a
 * repository says which CRDs every test cluster gets, for the CLI and the vitest setup alike.
 */
export async function loadConfig(from: string = process.cwd()): Promise<TestEnvConfig> {
  for (let dir = resolve(from); ; dir = dirname(dir)) {
    const file = join(dir, configFileName);
    const text = await readFile(file, 'utf8').catch(() => undefined);
    if (text !== undefined) {
      const parsed = JSON.parse(text) as { crds?: unknown };
      if (
        parsed.crds !== undefined &&
        !(Array.isArray(parsed.crds) && parsed.crds.every((c) => typeof c === 'string'))
      ) {
        throw new Error(`testenv: ${file}: "crds" must be a list of paths`);
      }
      return { crds: ((parsed.crds as string[] | undefined) ?? []).map((c) => resolve(dir, c)) };
    }
    if (dirname(dir) === dir) return { crds: [] };
  }
}
