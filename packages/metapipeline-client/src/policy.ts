import * as z from 'zod';
import { ForbiddenError } from './errors.ts';
import type { ParsedMetaPipelineRequest } from './schemas.ts';

/** As Lighthouse's: the build ServiceAccount of a request that names none. */
export const defaultBuildServiceAccount = 'tekton-bot';

/** The transports git reaches other machines over; `file` and `ext` reach into the meta step's own pod. */
export const networkSourceSchemes: readonly string[] = ['https', 'http', 'ssh', 'git'];

/**
 * What a client lets its callers ask for, beyond a well-formed request. A request is code execution:
 * the build runs the source's pipeline as the request's ServiceAccount, in its namespace, with its
 * variables; so each of these is an allow-list.
 */
export interface RequestPolicy {
  /**
   * The build ServiceAccounts a request may name; one that names none gets `tekton-bot`, which must be
   * listed too. Default: `tekton-bot` only.
   */
  serviceAccounts?: readonly string[];
  /** The namespaces a call may name: a list, or a test (one that follows a configuration). Default: any. */
  namespaces?: readonly string[] | ((namespace: string) => boolean);
  /**
   * The hosts the source URL may name, case-insensitive: `github.com`, or `*.example.com` for any host below
   * example.com (a URL without a host, `file:`, is then refused). Default: any.
   */
  sourceHosts?: readonly string[];
  /**
   * The source URL's schemes. Default: the network transports `https`, `http`, `ssh` and `git`; `file`
   * reaches into the meta step's own pod (allow it, here and in the step's `--git-protocols`, only for
   * repositories on a volume).
   */
  sourceSchemes?: readonly string[];
  /**
   * The variables a request may set: names, or prefixes ending in `*` (`GO*`). Default: none (lighthouse
   * sends none).
   */
  env?: readonly string[];
}

/** A variable name, or a prefix of one followed by `*`. */
export const EnvNamePattern = z
  .string()
  .regex(
    /^[A-Za-z_][A-Za-z0-9_]*\*?$/,
    'a variable name, or a prefix of one ending in * (a bare * would allow every variable)',
  );

/** A host name, or `*.` and a domain for any host below it. */
export const SourceHostPattern = z
  .string()
  .regex(
    /^(\*\.)?[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/i,
    'a host name such as github.com, or *.example.com for the hosts below example.com',
  );

/** A URL scheme, lower-case. */
export const SourceSchemePattern = z
  .string()
  .regex(/^[a-z][a-z0-9+.-]*$/, 'a URL scheme such as https or ssh')
  .refine((scheme) => scheme !== 'ext', 'not ext, which runs a command');

/** A policy's allow-lists, checked once. Throws an Error naming the bad entry. */
export function checkRequestPolicy(policy: RequestPolicy): void {
  const bad = (what: string, result: { success: boolean; error?: z.ZodError }) => {
    if (!result.success) throw new Error(`request policy: ${what}: ${result.error?.issues[0]?.message}`);
  };
  for (const name of policy.env ?? []) bad(`env ${JSON.stringify(name)}`, EnvNamePattern.safeParse(name));
  for (const scheme of policy.sourceSchemes ?? []) {
    bad(`source scheme ${JSON.stringify(scheme)}`, SourceSchemePattern.safeParse(scheme));
  }
  for (const host of policy.sourceHosts ?? []) {
    bad(`source host ${JSON.stringify(host)}`, SourceHostPattern.safeParse(host));
  }
}

/** The reasons a policy refuses a request (empty: it allows it), one per field. */
export function policyRefusals(policy: RequestPolicy, request: ParsedMetaPipelineRequest): string[] {
  const refusals: string[] = [];
  const namespaceRefusal = refusedNamespace(policy, request.namespace);
  if (namespaceRefusal) refusals.push(namespaceRefusal);

  const serviceAccount = request.serviceAccount ?? defaultBuildServiceAccount;
  const accounts = policy.serviceAccounts ?? [defaultBuildServiceAccount];
  if (!accounts.includes(serviceAccount)) {
    refusals.push(
      `serviceAccount: ${JSON.stringify(serviceAccount)} is not a build ServiceAccount this client may use (allowed: ${listed(accounts)})`,
    );
  }

  const sourceRefusal = refusedSource(policy, request.pullRefs.sourceUrl);
  if (sourceRefusal) refusals.push(`pullRefs.sourceUrl: ${sourceRefusal}`);

  const allowedEnv = policy.env ?? [];
  const refusedEnv = Object.keys(request.env).filter((name) => !allowedEnv.some((p) => envMatches(p, name)));
  if (refusedEnv.length > 0) {
    refusals.push(
      `env: ${refusedEnv.map((name) => JSON.stringify(name)).join(', ')} not allowed (allowed: ${listed(allowedEnv)})`,
    );
  }
  return refusals;
}

/** Refuses a request the policy does not allow: ForbiddenError, the caller's doing, naming every reason. */
export function enforcePolicy(policy: RequestPolicy | undefined, request: ParsedMetaPipelineRequest): void {
  if (!policy) return;
  const refusals = policyRefusals(policy, request);
  if (refusals.length > 0) throw new ForbiddenError(`request refused by policy: ${refusals.join('; ')}`);
}

/** Refuses a call in a namespace the policy does not allow (ForbiddenError). */
export function enforceNamespace(policy: RequestPolicy | undefined, namespace: string): void {
  const refusal = policy && refusedNamespace(policy, namespace);
  if (refusal) throw new ForbiddenError(`request refused by policy: ${refusal}`);
}

function refusedNamespace(policy: RequestPolicy, namespace: string): string | undefined {
  const { namespaces } = policy;
  if (namespaces === undefined) return undefined;
  if (typeof namespaces === 'function') {
    return namespaces(namespace) ? undefined : `namespace: ${JSON.stringify(namespace)} is not allowed`;
  }
  return namespaces.includes(namespace)
    ? undefined
    : `namespace: ${JSON.stringify(namespace)} is not allowed (allowed: ${listed(namespaces)})`;
}

function refusedSource(policy: RequestPolicy, sourceUrl: string): string | undefined {
  const url = URL.parse(sourceUrl);
  // What is checked must be what git reads: `https://a.example\\@b.example/` is a.example here, b.example to git.
  if (url && url.href.toLowerCase() !== sourceUrl.toLowerCase()) {
    return `must be written as ${JSON.stringify(url.href)}, its normal form, so that git reads the host checked here`;
  }
  const scheme = url?.protocol.replace(/:$/, '').toLowerCase() ?? '';
  const schemes = policy.sourceSchemes ?? networkSourceSchemes;
  if (!schemes.includes(scheme)) {
    return `the scheme ${JSON.stringify(scheme)} is not allowed (allowed: ${listed(schemes)})`;
  }
  const hosts = policy.sourceHosts;
  if (!hosts) return undefined;
  const host = url?.hostname.toLowerCase() ?? '';
  if (hosts.some((pattern) => hostMatches(pattern.toLowerCase(), host))) return undefined;
  return `${host ? `the host ${JSON.stringify(host)}` : 'a URL without a host'} is not allowed (allowed: ${listed(hosts)})`;
}

function hostMatches(pattern: string, host: string): boolean {
  return pattern.startsWith('*.') ? host.endsWith(pattern.slice(1)) : host === pattern;
}

function envMatches(pattern: string, name: string): boolean {
  return pattern.endsWith('*') ? name.startsWith(pattern.slice(0, -1)) : name === pattern;
}

const listed = (items: readonly string[]) => (items.length > 0 ? items.join(', ') : 'none');
