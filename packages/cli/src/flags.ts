import { parseArgs } from 'node:util';
import type * as z from 'zod';

/** One flag of a command line, also read from an environment variable. */
export interface Flag {
  /** The flag without its dashes: `port` for `--port`. */
  flag: string;
  /** The variable read when the flag is not given; an empty one counts as unset. */
  env: string;
  /** The setting's key in the schema; the flag itself when absent. */
  key?: string;
  /** Given alone, without a value (`--insecure-no-auth`), it reads as "true". */
  boolean?: boolean;
  /** The value when neither the flag nor its variable is given. */
  default?: string;
  /** The value's name in help: `--port <n>`. */
  value?: string;
  description: string;
}

export type Env = Record<string, string | undefined>;

/** A problem with a setting, named by its path in the schema, as zod names one. */
export interface SettingIssue {
  path: readonly PropertyKey[];
  message: string;
}

/** The settings are wrong; the message names each wrong flag, its variable and why. Commands exit 2. */
export class FlagError extends Error {
  override name = 'FlagError';
}

export interface CommandLine<F extends Flag> {
  /** Every flag's setting by key: the flag's value, else its variable's, else its default. */
  input: Record<string, string | undefined>;
  /** The flags given on the command line, in the table's order. */
  given: F[];
  positionals: string[];
  /** `--help` or `-h` was given (with `help: true` only). */
  help: boolean;
}

export interface ReadOptions {
  /** Take arguments that are not flags (a command's name) instead of refusing them. */
  positionals?: boolean;
  /** Take `--help` and `-h`. */
  help?: boolean;
}

/** Reads the command line against the flags; a flag wins over its variable, which wins over the default. */
export function readFlags<F extends Flag>(
  flags: readonly F[],
  args: string[],
  env: Env,
  options: ReadOptions = {},
): CommandLine<F> {
  const parseOptions: Record<string, { type: 'string' | 'boolean'; short?: string }> = Object.fromEntries(
    flags.map((f) => [f.flag, { type: f.boolean ? 'boolean' : 'string' }]),
  );
  if (options.help) parseOptions.help = { type: 'boolean', short: 'h' };
  let parsed: ReturnType<typeof parseArgs>;
  try {
    parsed = parseArgs({ args, options: parseOptions, allowPositionals: options.positionals ?? false });
  } catch (error) {
    throw new FlagError((error as Error).message);
  }
  const { values, positionals } = parsed;
  const input = Object.fromEntries(
    flags.map((f) => {
      const given = values[f.flag];
      return [keyOf(f), given === undefined ? env[f.env] || f.default : String(given)];
    }),
  );
  const given = flags.filter((f) => values[f.flag] !== undefined);
  return { input, given, positionals, help: values.help === true };
}

/**
 * The settings of these flags validated by the schema, or a FlagError naming every wrong one at once
 * (with `moreIssues`, for rules the schema cannot state), each as `--flag (VARIABLE): reason, got "value"`.
 */
export function validated<S extends z.ZodType>(
  flags: readonly Flag[],
  schema: S,
  input: Record<string, string | undefined>,
  moreIssues: readonly SettingIssue[] = [],
): z.output<S> {
  const result = schema.safeParse(Object.fromEntries(flags.map((f) => [keyOf(f), input[keyOf(f)]])));
  const issues = [...(result.error?.issues ?? []), ...moreIssues];
  if (result.success && issues.length === 0) return result.data;
  const lines = issues.map((issue) => {
    const flag = flags.find((f) => keyOf(f) === issue.path[0]);
    const value = flag && input[keyOf(flag)];
    return `  ${label(flag)}: ${issue.message}${value === undefined ? '' : `, got ${JSON.stringify(shown(value))}`}`;
  });
  throw new FlagError(`invalid settings:\n${lines.join('\n')}`);
}

/** Reads and validates the flags of a command that takes no other arguments. */
export function parseFlags<S extends z.ZodType>(
  flags: readonly Flag[],
  schema: S,
  args: string[],
  env: Env,
): z.output<S> {
  return validated(flags, schema, readFlags(flags, args, env).input);
}

/** A setting whose value fails once used (a file it names cannot be read), named as `validated` names one. */
export function flagError(flags: readonly Flag[], key: string, message: string): FlagError {
  return new FlagError(`invalid settings:\n  ${label(flags.find((f) => keyOf(f) === key))}: ${message}`);
}

/**
 * A value as an error may echo it. Anything that looks like a URL, parsed or not, shows only its scheme and
 * host: a user, a password or a token in its path or query is never shown.
 */
function shown(value: string): string {
  const url = /^([a-z][a-z0-9+.-]*:\/\/)(?:[^@/?#\s]*@)?([^/?#\s]*)/i.exec(value);
  if (!url) return value;
  const rest = value.length > url[0].length ? '/…' : '';
  return `${url[1]}${value.includes('@') ? '***@' : ''}${url[2]}${rest}`;
}

const label = (flag: Flag | undefined) => (flag ? `--${flag.flag} (${flag.env})` : 'settings');

const keyOf = (flag: Flag) => flag.key ?? flag.flag;
