export interface ConfigIssue {
  /** The file as it was given to the loader. */
  file: string;
  /** Where in the file, e.g. `presubmits.org/repo[2].run_if_changed`; empty for the whole document. */
  path: string;
  /** 1-based line of the value, when it can be found. */
  line?: number;
  reason: string;
}

/** A config that cannot be used, with every problem found in it. */
export class ConfigError extends Error {
  readonly issues: readonly ConfigIssue[];

  constructor(issues: readonly ConfigIssue[]) {
    super(issues.map(formatIssue).join('\n'));
    this.name = 'ConfigError';
    this.issues = issues;
  }
}

export function formatIssue({ file, path, line, reason }: ConfigIssue): string {
  const where = [path, line === undefined ? undefined : `(line ${line})`].filter(Boolean).join(' ');
  return where ? `${file}: ${where}: ${reason}` : `${file}: ${reason}`;
}

/** `['presubmits', 'org/repo', 2, 'run_if_changed']` -> `presubmits.org/repo[2].run_if_changed`. */
export function formatPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const segment of path) {
    if (typeof segment === 'number') out += `[${segment}]`;
    else out += out === '' ? String(segment) : `.${String(segment)}`;
  }
  return out;
}
