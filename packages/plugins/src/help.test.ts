import { parseConfig, repoConfig } from '@lighthouse-ts/config';
import { describe, expect, it } from 'vitest';
import { chatOpsPlugins } from './chatops/plugins.ts';
import { enabledPlugins, pluginHelp } from './help.ts';

describe('plugin help', () => {
  it('describes exactly the plugins built, each command with an example', () => {
    expect([...pluginHelp.keys()].sort()).toEqual(['trigger', ...chatOpsPlugins.keys()].sort());
    for (const { commands } of pluginHelp.values()) {
      for (const command of commands) expect(command.examples.length).toBeGreaterThan(0);
    }
  });

  it("lists a repository's plugins in plugins.yaml's order, the org's first, saying which are not built", () => {
    const config = parseConfig(
      { configPath: 'config.yaml', pluginsPath: 'plugins.yaml' },
      { config: '{}\n', plugins: 'plugins:\n  org: [trigger, sigmention]\n  org/repo: [hold, approve]\n' },
    );
    const enabled = enabledPlugins(repoConfig(config, 'org', 'repo'));
    expect(enabled.map(({ name, built }) => [name, built])).toEqual([
      ['trigger', true],
      ['sigmention', false],
      ['hold', true],
      ['approve', true],
    ]);
    expect(enabled[2]).toMatchObject({ help: { commands: [{ usage: '/hold [cancel]' }] } });
  });
});
