// Which plugins are on for a repository and what their commands are, from the config serve would load.
import { type Env, flagsHelp } from '@lighthouse-ts/cli';
import { ConfigError, formatIssue, loadConfig, repoConfig } from '@lighthouse-ts/config';
import { type EnabledPlugin, enabledPlugins } from '@lighthouse-ts/plugins';
import { parsePluginsSettings, pluginsFlags } from './settings.ts';

export const pluginsHelp = `Usage: lighthouse plugins --config-file F --plugins-file F --repo org/repo [--json]

Prints the plugins plugins.yaml enables for the repository, in its order, each with what it does and its
commands (each also as /lh-<command>), or says it is not built yet. Exits 1 if the config has a problem.

${flagsHelp(pluginsFlags).join('\n')}
`;

/** The exit code: 0 printed, 1 the config has a problem. A usage error throws a FlagError (exit 2). */
export async function plugins(args: string[], env: Env): Promise<number> {
  const settings = parsePluginsSettings(args, env);
  const slash = settings.repo.lastIndexOf('/');
  const [owner, name] = [settings.repo.slice(0, slash), settings.repo.slice(slash + 1)];
  let enabled: EnabledPlugin[];
  try {
    const config = await loadConfig({
      configPath: settings['config-file'],
      pluginsPath: settings['plugins-file'],
    });
    enabled = enabledPlugins(repoConfig(config, owner, name));
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    process.stderr.write(error.issues.map((issue) => `${formatIssue(issue)}\n`).join(''));
    return 1;
  }
  process.stdout.write(
    settings.json
      ? `${JSON.stringify({ repo: settings.repo, plugins: enabled }, null, 2)}\n`
      : text(settings.repo, enabled),
  );
  return 0;
}

function text(repo: string, enabled: EnabledPlugin[]): string {
  if (enabled.length === 0) return `${repo}: no plugins enabled\n`;
  const lines = [`${repo}: ${enabled.length} plugins enabled`];
  for (const plugin of enabled) {
    lines.push(
      '',
      plugin.built
        ? `${plugin.name}: ${plugin.help.description}`
        : `${plugin.name}: not built yet (does nothing)`,
    );
    if (!plugin.built) continue;
    for (const command of plugin.help.commands) {
      lines.push(
        `  ${command.usage}`,
        `    ${command.description}`,
        `    who: ${command.whoCanUse}`,
        `    e.g. ${command.examples.join(', ')}`,
      );
    }
  }
  return `${lines.join('\n')}\n`;
}
