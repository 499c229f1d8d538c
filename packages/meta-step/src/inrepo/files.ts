// Reading the checked-out repository. The pull request decides what the checkout holds, symbolic links
// included, so every path is resolved and must stay inside the checkout: otherwise a link to a file of the
// meta step's own (its service account's token, say) would have it read, and quoted in the job's description.
import { readFile, realpath } from 'node:fs/promises';
import { isAbsolute, join, relative, sep } from 'node:path';
import { parse as parseYaml, YAMLError } from 'yaml';
import { PipelineLoadError } from '../errors.ts';

/**
 * The real path of `path` (relative to the repository at `root`), links resolved; undefined when there is
 * no such file. A PipelineLoadError when the real path is outside the repository.
 */
export async function realPathInRepository(root: string, path: string): Promise<string | undefined> {
  const realRoot = await realpath(root);
  let real: string;
  try {
    real = await realpath(join(realRoot, path));
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return undefined;
    throw new PipelineLoadError(`${path}: cannot be read (${code})`);
  }
  const fromRoot = relative(realRoot, real);
  if (fromRoot === '..' || fromRoot.startsWith(`..${sep}`) || isAbsolute(fromRoot)) {
    throw new PipelineLoadError(
      `${path} is a symbolic link, or is in one, that leads outside the repository`,
    );
  }
  return real;
}

/** The text of the file at `path` in the repository at `root`; undefined when there is no such file. */
export async function readRepositoryFile(root: string, path: string): Promise<string | undefined> {
  const real = await realPathInRepository(root, path);
  if (real === undefined) return undefined;
  try {
    return await readFile(real, 'utf8');
  } catch (error) {
    throw new PipelineLoadError(`${path}: cannot be read (${(error as NodeJS.ErrnoException).code})`);
  }
}

/**
 * Parses the text of the repository's file `path`. A PipelineLoadError names the file, the position and
 * the kind of mistake, but leaves out the line that yaml's own message quotes.
 */
export function parseRepositoryYaml(text: string, path: string): unknown {
  try {
    return parseYaml(text, { merge: true });
  } catch (error) {
    if (error instanceof YAMLError) {
      const [start] = error.linePos ?? [];
      const where = start ? ` at line ${start.line}, column ${start.col}` : '';
      const what = error.code.toLowerCase().replaceAll('_', ' ');
      throw new PipelineLoadError(`${path}: not valid YAML${where} (${what})`);
    }
    throw new PipelineLoadError(`${path}: not valid YAML: ${(error as Error).message}`);
  }
}
