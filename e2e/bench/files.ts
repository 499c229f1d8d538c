import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * A temporary directory holding lighthouse's files, as the variables that name them: its webhook secret,
 * and a config that runs `unit` on every pull request of `repos` through the trigger plugin. `file`
 * writes another file there and returns its path.
 */
export async function lighthouseFiles(
  prefix: string,
  secret: string,
  repos: readonly string[] = ['Codertocat/Hello-World'],
) {
  const dir = await mkdtemp(join(tmpdir(), prefix));
  const file = async (name: string, text: string) => {
    await writeFile(join(dir, name), text);
    return join(dir, name);
  };
  const presubmits = repos.map((repo) => `  ${repo}:\n    - {name: unit, context: unit, always_run: true}\n`);
  const files = {
    LIGHTHOUSE_WEBHOOK_SECRET_FILE: await file('hmac', secret),
    LIGHTHOUSE_CONFIG_FILE: await file('config.yaml', `presubmits:\n${presubmits.join('')}`),
    LIGHTHOUSE_PLUGINS_FILE: await file(
      'plugins.yaml',
      `plugins:\n${repos.map((repo) => `  ${repo}: [trigger]\n`).join('')}`,
    ),
  };
  return { files, file };
}
