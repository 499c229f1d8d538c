import { compileGoRegExp, type GoRegExp } from './go-regexp.ts';
import type { PathIssue } from './path-issue.ts';
import type { Brancher } from './types.ts';

export function compileBrancher(
  branches: readonly string[],
  skipBranches: readonly string[],
  path: readonly PropertyKey[],
): { brancher: Brancher; issues: PathIssue[] } {
  const issues: PathIssue[] = [];
  const joined = (list: readonly string[], field: string): GoRegExp | undefined => {
    if (list.length === 0) return undefined;
    // Checked one by one so an error points at the entry, then joined as Lighthouse does.
    let valid = true;
    list.forEach((entry, index) => {
      const compiled = compileGoRegExp(entry);
      if (!compiled.ok) {
        issues.push({ path: [...path, field, index], reason: compiled.reason });
        valid = false;
      }
    });
    if (!valid) return undefined;
    const compiled = compileGoRegExp(list.join('|'));
    if (compiled.ok) return compiled.value;
    issues.push({ path: [...path, field], reason: compiled.reason });
    return undefined;
  };
  const brancher: Brancher = {
    branches,
    skipBranches,
    branchesRegExp: joined(branches, 'branches'),
    skipBranchesRegExp: joined(skipBranches, 'skip_branches'),
  };
  return { brancher, issues };
}

const runsAgainstAllBranches = (brancher: Brancher) =>
  brancher.branches.length === 0 && brancher.skipBranches.length === 0;

/** Whether two jobs could run for the same branch, compared by the names listed (Lighthouse's `Intersects`). */
export function branchersIntersect(a: Brancher, b: Brancher): boolean {
  if (runsAgainstAllBranches(a) || runsAgainstAllBranches(b)) return true;
  if (a.branches.length > 0) {
    if (b.branches.length > 0) return a.branches.some((branch) => b.branches.includes(branch));
    return !a.branches.every((branch) => b.skipBranches.includes(branch));
  }
  if (b.branches.length === 0) return true;
  return branchersIntersect(b, a);
}
