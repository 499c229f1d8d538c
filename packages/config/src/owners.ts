import { parse } from 'yaml';
import * as z from 'zod';
import { compileGoRegExp, type GoMatcher } from './go-regexp.ts';

/** Who owns the files a filter matches, in one OWNERS file. */
export interface OwnersFilter {
  /** Matched against a path relative to the OWNERS file's directory; undefined for every file (`.*`). */
  files: GoMatcher | undefined;
  /** Logins and aliases, lower-cased. */
  approvers: string[];
  reviewers: string[];
  labels: string[];
}

/** One OWNERS file (Prow's and Lighthouse's format). */
export interface Owners {
  /** The simple form is one filter for every file; the full form's `filters`, in the order written. */
  filters: OwnersFilter[];
  /** Approvers of parent directories do not own this directory's files. */
  noParentOwners: boolean;
}

export type OwnersResult = { ok: true; value: Owners } | { ok: false; reason: string };

const logins = z
  .array(z.union([z.string(), z.number()]))
  .nullish()
  .transform((list) => (list ?? []).map((login) => String(login).toLowerCase()));
const Entry = z.looseObject({ approvers: logins, reviewers: logins, labels: z.array(z.string()).nullish() });
const Options = z.looseObject({ no_parent_owners: z.boolean().nullish() }).nullish();
const Simple = Entry.extend({ options: Options });
const Full = z.looseObject({ options: Options, filters: z.record(z.string(), Entry).nullish() });

/**
 * Reads an OWNERS file: the simple form (`approvers`, `reviewers`, `labels`, `options`), or, when that
 * names nobody and no label, the full form (`filters` of Go regexps on paths, each with its own lists).
 * Lighthouse's `minimum_reviewers` and `required_reviewers` are read past: approvals count one each.
 */
export function parseOwners(text: string): OwnersResult {
  const yaml = readYaml(text);
  if (!yaml.ok) return yaml;
  const simple = Simple.safeParse(yaml.value ?? {});
  const entry = (value: z.output<typeof Entry>, files: GoMatcher | undefined): OwnersFilter => ({
    files,
    approvers: value.approvers,
    reviewers: value.reviewers,
    labels: value.labels ?? [],
  });
  if (simple.success) {
    const { data } = simple;
    if (data.approvers.length + data.reviewers.length + (data.labels?.length ?? 0) > 0) {
      return {
        ok: true,
        value: { filters: [entry(data, undefined)], noParentOwners: data.options?.no_parent_owners ?? false },
      };
    }
  }
  const full = Full.safeParse(yaml.value ?? {});
  if (!full.success) return { ok: false, reason: z.prettifyError(full.error) };
  const filters: OwnersFilter[] = [];
  for (const [pattern, value] of Object.entries(full.data.filters ?? {})) {
    if (pattern === '.*') {
      filters.push(entry(value, undefined));
      continue;
    }
    const compiled = compileGoRegExp(pattern);
    if (!compiled.ok) return { ok: false, reason: `filter ${JSON.stringify(pattern)}: ${compiled.reason}` };
    filters.push(entry(value, compiled.value.regexp));
  }
  return { ok: true, value: { filters, noParentOwners: full.data.options?.no_parent_owners ?? false } };
}

const Aliases = z.looseObject({ aliases: z.record(z.string(), logins).nullish() });

/** Reads OWNERS_ALIASES: each alias, lower-cased, with its logins. */
export function parseOwnersAliases(
  text: string,
): { ok: true; value: Map<string, string[]> } | { ok: false; reason: string } {
  const yaml = readYaml(text);
  if (!yaml.ok) return yaml;
  const parsed = Aliases.safeParse(yaml.value ?? {});
  if (!parsed.success) return { ok: false, reason: z.prettifyError(parsed.error) };
  const aliases = Object.entries(parsed.data.aliases ?? {});
  return { ok: true, value: new Map(aliases.map(([name, members]) => [name.toLowerCase(), members])) };
}

function readYaml(text: string): { ok: true; value: unknown } | { ok: false; reason: string } {
  try {
    // The yaml library refuses excessive alias expansion (maxAliasCount): a small file stays small.
    return { ok: true, value: parse(text) };
  } catch (error) {
    return { ok: false, reason: error instanceof Error ? error.message : String(error) };
  }
}
