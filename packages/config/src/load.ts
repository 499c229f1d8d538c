import { readFile } from 'node:fs/promises';
import { type Document, isNode, LineCounter, parseDocument } from 'yaml';
import type * as z from 'zod';
import { ConfigError, type ConfigIssue, formatPath } from './config-error.ts';
import { ConfigFile, compileJobConfig } from './job-config.ts';
import { type PathIssue, zodIssues } from './path-issue.ts';
import { compilePluginsConfig, PluginsFile } from './plugins-config.ts';
import type { LighthouseConfig } from './types.ts';

export interface ConfigPaths {
  /** `config.yaml`: presubmits and postsubmits. */
  configPath: string;
  /** `plugins.yaml`: plugins and triggers. */
  pluginsPath: string;
  /**
   * The one namespace jobs run in, when the deployment has one (lighthouse's `--namespace`): a job that
   * names another is refused, since its runs would be neither superseded nor followed.
   */
  jobsNamespace?: string;
}

/** The files' text, so a watcher can tell a real change from a touch. */
export interface ConfigSources {
  config: string;
  plugins: string;
}

/** Reads, validates and compiles both files; throws a ConfigError naming every problem found. */
export async function loadConfig(paths: ConfigPaths): Promise<LighthouseConfig> {
  return parseConfig(paths, await readConfigSources(paths));
}

/** Reads both files' text; throws a ConfigError naming the file that cannot be read. */
export async function readConfigSources({ configPath, pluginsPath }: ConfigPaths): Promise<ConfigSources> {
  return { config: await readText(configPath), plugins: await readText(pluginsPath) };
}

/** Validates and compiles both files' text; throws a ConfigError naming every problem found. */
export function parseConfig(
  { configPath, pluginsPath, jobsNamespace }: ConfigPaths,
  sources: ConfigSources,
): LighthouseConfig {
  const jobs = parseFile(configPath, sources.config, ConfigFile, (file) =>
    compileJobConfig(file, jobsNamespace),
  );
  const plugins = parseFile(pluginsPath, sources.plugins, PluginsFile, compilePluginsConfig);
  const issues = [...jobs.issues, ...plugins.issues];
  if (issues.length > 0 || !jobs.config || !plugins.config) throw new ConfigError(issues);
  return { jobs: jobs.config, plugins: plugins.config };
}

async function readText(file: string): Promise<string> {
  try {
    return await readFile(file, 'utf8');
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new ConfigError([{ file, path: '', reason: `cannot read: ${reason}` }]);
  }
}

function parseFile<Schema extends z.ZodType, Compiled>(
  file: string,
  text: string,
  schema: Schema,
  compile: (parsed: z.output<Schema>) => { config: Compiled; issues: PathIssue[] },
): { config?: Compiled; issues: ConfigIssue[] } {
  const lineCounter = new LineCounter();
  // YAML 1.1 as Go's yaml reads it: `yes`/`on` are booleans, `<<` merges.
  const document = parseDocument(text, { version: '1.1', lineCounter, prettyErrors: false });
  if (document.errors.length > 0) {
    return {
      issues: document.errors.map((error) => ({
        file,
        path: '',
        line: lineCounter.linePos(error.pos[0]).line,
        reason: error.message,
      })),
    };
  }
  let value: unknown;
  try {
    value = document.toJS() ?? {};
  } catch (error) {
    return { issues: [{ file, path: '', reason: error instanceof Error ? error.message : String(error) }] };
  }
  const parsed = schema.safeParse(value);
  const located = (issue: PathIssue): ConfigIssue => ({
    file,
    path: formatPath(issue.path),
    line: lineOf(document, lineCounter, issue.path),
    reason: issue.reason,
  });
  if (!parsed.success) return { issues: zodIssues(parsed.error).map(located) };
  const compiled = compile(parsed.data);
  return { config: compiled.config, issues: compiled.issues.map(located) };
}

/** The line of the deepest node on the path that exists (a missing field points at its parent). */
function lineOf(
  document: Document,
  lineCounter: LineCounter,
  path: readonly PropertyKey[],
): number | undefined {
  for (let depth = path.length; depth > 0; depth--) {
    const node = document.getIn(path.slice(0, depth) as unknown[], true);
    if (isNode(node) && node.range) return lineCounter.linePos(node.range[0]).line;
  }
  return undefined;
}
