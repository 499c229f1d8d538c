// What a repository's CI runs before it changes the config: the loader serve uses, and nothing else
// (no Kubernetes code, no server), so it starts in a moment.
import { type Env, flagsHelp } from '@lighthouse-ts/cli';
import { ConfigError, formatIssue, type LighthouseConfig, loadConfig } from '@lighthouse-ts/config';
import { checkConfigFlags, parseCheckConfigSettings } from './settings.ts';

export const checkConfigHelp = `Usage: lighthouse check-config --config-file F --plugins-file F [--namespace N]

Loads config.yaml and plugins.yaml as serve does and prints every problem, one a line
(file: path (line N): reason). Exits 1 if there is one, 0 when both files are fine, 2 on a usage error.
Loads no Kubernetes code and starts nothing, so a repository's CI can run it before changing the config.

${flagsHelp(checkConfigFlags).join('\n')}
`;

/** The exit code: 0 valid, 1 invalid. A usage error throws a FlagError (exit 2). */
export async function checkConfig(args: string[], env: Env): Promise<number> {
  const settings = parseCheckConfigSettings(args, env);
  const configPath = settings['config-file'];
  const pluginsPath = settings['plugins-file'];
  let config: LighthouseConfig;
  try {
    config = await loadConfig({ configPath, pluginsPath, jobsNamespace: settings.namespace });
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    process.stderr.write(error.issues.map((issue) => `${formatIssue(issue)}\n`).join(''));
    return 1;
  }
  process.stdout.write(`ok: ${summary(config)} (${configPath}, ${pluginsPath})\n`);
  return 0;
}

function summary({ jobs }: LighthouseConfig): string {
  const repositories = new Set([...jobs.presubmits.keys(), ...jobs.postsubmits.keys()]);
  const count = (map: ReadonlyMap<string, readonly unknown[]>) =>
    [...map.values()].reduce((sum, list) => sum + list.length, 0);
  return [
    plural(repositories.size, 'repository', 'repositories'),
    plural(count(jobs.presubmits), 'presubmit', 'presubmits'),
    plural(count(jobs.postsubmits), 'postsubmit', 'postsubmits'),
  ].join(', ');
}

const plural = (n: number, one: string, many: string) => `${n} ${n === 1 ? one : many}`;
