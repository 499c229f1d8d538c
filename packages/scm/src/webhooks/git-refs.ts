export type RefTarget = { refType: 'branch' | 'tag'; refName: string };

/** `refs/heads/x` or `refs/tags/x`; anything else (notes, pull refs) is neither. */
export function refTarget(ref: string): RefTarget | undefined {
  const match = /^refs\/(heads|tags)\/(.+)$/.exec(ref);
  if (match?.[2] === undefined) return undefined;
  return { refType: match[1] === 'heads' ? 'branch' : 'tag', refName: match[2] };
}

/** Providers write an all-zero SHA for the missing side of a ref creation or deletion. */
export const isZeroSha = (sha: string) => /^0+$/.test(sha);

export interface CommitFiles {
  added?: readonly string[] | null | undefined;
  removed?: readonly string[] | null | undefined;
  modified?: readonly string[] | null | undefined;
}

/**
 * The files touched by the pushed commits, or undefined when the payload cannot tell: no commit list,
 * a commit without file lists, or a list the provider cut short (`totalCommits` above its length).
 */
export function changedFiles(
  commits: readonly CommitFiles[] | null | undefined,
  totalCommits?: number,
): string[] | undefined {
  if (!commits) return undefined;
  if (totalCommits !== undefined && totalCommits > commits.length) return undefined;
  const files = new Set<string>();
  for (const commit of commits) {
    const lists = [commit.added, commit.removed, commit.modified];
    if (lists.every((list) => !list)) return undefined;
    for (const list of lists) for (const file of list ?? []) files.add(file);
  }
  return [...files];
}
