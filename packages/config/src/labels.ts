import type { PathIssue } from './path-issue.ts';

// Lighthouse refuses these on jobs: it sets them itself on everything it creates.
const reserved = new Set([
  'lighthouse.jenkins-x.io/type',
  'created-by-lighthouse',
  'lighthouse.jenkins-x.io/id',
]);

const name = /^[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$/;
const dnsSubdomain = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

/** Kubernetes' rules for label keys (qualified names) and values. */
export function labelIssues(
  labels: Readonly<Record<string, string>>,
  path: readonly PropertyKey[],
): PathIssue[] {
  const issues: PathIssue[] = [];
  for (const [key, value] of Object.entries(labels)) {
    if (reserved.has(key)) {
      issues.push({ path: [...path, key], reason: `label ${key} is reserved for Lighthouse` });
      continue;
    }
    const keyProblem = qualifiedNameProblem(key);
    if (keyProblem) issues.push({ path: [...path, key], reason: `invalid label key ${key}: ${keyProblem}` });
    if (value.length > 63 || (value !== '' && !name.test(value))) {
      issues.push({
        path: [...path, key],
        reason: `invalid label value ${JSON.stringify(value)}: at most 63 letters, digits, '-', '_' or '.', starting and ending with a letter or digit`,
      });
    }
  }
  return issues;
}

function qualifiedNameProblem(key: string): string | undefined {
  const slash = key.lastIndexOf('/');
  const prefix = slash === -1 ? undefined : key.slice(0, slash);
  const local = slash === -1 ? key : key.slice(slash + 1);
  if (prefix !== undefined && (prefix.length > 253 || !dnsSubdomain.test(prefix))) {
    return 'the prefix must be a DNS subdomain';
  }
  if (local.length === 0 || local.length > 63 || !name.test(local)) {
    return "the name must be 1-63 letters, digits, '-', '_' or '.', starting and ending with a letter or digit";
  }
  return undefined;
}
