import { type Owners, parseOwners, parseOwnersAliases } from '@lighthouse-ts/config';
import { ProviderError } from '@lighthouse-ts/scm';

/** The OWNERS files that may own a pull request's changed files, read at its base. */
export interface OwnersTree {
  /** Each directory's OWNERS that exists and could be read, by directory ('' for the root). */
  readonly files: ReadonlyMap<string, Owners>;
  /** OWNERS_ALIASES at the root: alias to logins. */
  readonly aliases: ReadonlyMap<string, readonly string[]>;
  /** The files that exist but could not be read, with why; they are left out. */
  readonly unreadable: readonly { path: string; reason: string }[];
  /** How many directories lie above the changed files: past the limit, no OWNERS was read. */
  readonly directories: number;
}

/** How many files are asked for at once. */
const concurrentReads = 8;

export const ownersPath = (dir: string) => (dir === '' ? 'OWNERS' : `${dir}/OWNERS`);

/** The directories from a file's own up to the root (''). */
export function directoriesOf(file: string): string[] {
  const dirs: string[] = [];
  let dir = file;
  while (dir !== '') {
    const slash = dir.lastIndexOf('/');
    dir = slash < 0 ? '' : dir.slice(0, slash);
    dirs.push(dir);
  }
  return dirs;
}

/**
 * Reads the OWNERS of every directory above the changed files, and OWNERS_ALIASES: one read per directory
 * (at most `maxDirectories`; past that none), each answered from the provider's cache when the commit was
 * read before. A file the provider refuses (one too large) is unreadable; one it cannot serve now throws.
 */
export async function readOwners(
  changed: readonly string[],
  maxDirectories: number,
  read: (path: string) => Promise<string | undefined>,
): Promise<OwnersTree> {
  const dirs = [...new Set(changed.flatMap(directoriesOf))];
  const files = new Map<string, Owners>();
  const unreadable: { path: string; reason: string }[] = [];
  if (dirs.length > maxDirectories)
    return { files, aliases: new Map(), unreadable, directories: dirs.length };
  const readText = async (path: string) => {
    try {
      return await read(path);
    } catch (error) {
      if (!(error instanceof ProviderError)) throw error;
      unreadable.push({ path, reason: error.message });
      return undefined;
    }
  };
  const texts = await mapLimited(dirs, concurrentReads, (dir) => readText(ownersPath(dir)));
  dirs.forEach((dir, index) => {
    const text = texts[index];
    if (text === undefined) return;
    const owners = parseOwners(text);
    if (owners.ok) files.set(dir, owners.value);
    else unreadable.push({ path: ownersPath(dir), reason: owners.reason });
  });
  let aliases = new Map<string, string[]>();
  const aliasesText = await readText('OWNERS_ALIASES');
  if (aliasesText !== undefined) {
    const parsed = parseOwnersAliases(aliasesText);
    if (parsed.ok) aliases = parsed.value;
    else unreadable.push({ path: 'OWNERS_ALIASES', reason: parsed.reason });
  }
  return { files, aliases, unreadable, directories: dirs.length };
}

/** The approvers one OWNERS file names for a path relative to its directory, aliases expanded. */
function approversIn(tree: OwnersTree, dir: string, file: string): string[] {
  const owners = tree.files.get(dir);
  if (!owners) return [];
  const relative = dir === '' ? file : file.slice(dir.length + 1);
  return owners.filters
    .filter((filter) => filter.files === undefined || filter.files.test(relative))
    .flatMap((filter) => filter.approvers.flatMap((login) => tree.aliases.get(login) ?? [login]));
}

/** The nearest directory whose OWNERS names approvers for the file; the root when none does. */
export function nearestOwners(tree: OwnersTree, file: string): string {
  return directoriesOf(file).find((dir) => approversIn(tree, dir, file).length > 0) ?? '';
}

/** The approvers nearest the file: those to ask first. */
export function leafApprovers(tree: OwnersTree, file: string): string[] {
  return approversIn(tree, nearestOwners(tree, file), file);
}

/** Everyone who may approve the file: each OWNERS up from it, until one with `no_parent_owners`. */
export function approversOf(tree: OwnersTree, file: string): Set<string> {
  const approvers = new Set<string>();
  for (const dir of directoriesOf(file)) {
    for (const login of approversIn(tree, dir, file)) approvers.add(login);
    if (tree.files.get(dir)?.noParentOwners) break;
  }
  return approvers;
}

/**
 * The OWNERS files whose approval the pull request needs, each with its changed files: each file's nearest
 * OWNERS, folded into an ancestor's that is also needed (whose approvers approve it too) unless a
 * `no_parent_owners` stands between them.
 */
export function ownersGroups(tree: OwnersTree, changed: readonly string[]): Map<string, string[]> {
  const nearest = new Map(changed.map((file) => [file, nearestOwners(tree, file)]));
  const needed = new Set(nearest.values());
  const topmost = (dir: string) => {
    let top = dir;
    let current = dir;
    while (current !== '' && !tree.files.get(current)?.noParentOwners) {
      current = directoriesOf(current)[0] as string;
      if (needed.has(current)) top = current;
    }
    return top;
  };
  const groups = new Map<string, string[]>();
  for (const [file, dir] of nearest) {
    const group = topmost(dir);
    groups.set(group, [...(groups.get(group) ?? []), file]);
  }
  return new Map([...groups].sort(([a], [b]) => a.localeCompare(b)));
}

async function mapLimited<T, R>(
  items: readonly T[],
  limit: number,
  map: (item: T) => Promise<R>,
): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const index = next++;
      results[index] = await map(items[index] as T);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}
