// The lighthouse command line. Settings are checked before anything heavy loads, so --help and a bad
// flag answer at once.
import { FlagError } from '@lighthouse-ts/cli';
import { parseServeSettings, type ServeSettings, serveHelp } from './cli/settings.ts';

async function main(args: string[]): Promise<number> {
  const [command, ...rest] = args;
  const help = `${serveHelp()}\n`;
  if (command === undefined || command === '--help' || command === '-h' || rest.includes('--help')) {
    const [{ replayHelp }, { checkConfigHelp }, { pluginsHelp }] = await Promise.all([
      import('./cli/replay.ts'),
      import('./cli/check-config.ts'),
      import('./cli/plugins.ts'),
    ]);
    process.stdout.write(`${help}${replayHelp}\n${checkConfigHelp}\n${pluginsHelp}`);
    return command === undefined ? 2 : 0;
  }
  if (command === 'replay') {
    const { replay } = await import('./cli/replay.ts');
    try {
      return await replay(rest, process.env);
    } catch (error) {
      if (!(error instanceof FlagError)) throw error;
      process.stderr.write(`lighthouse replay: ${error.message}\n`);
      return 2;
    }
  }
  if (command === 'check-config') {
    // Only the config package: a repository's CI runs this, and it must not wait for Kubernetes code.
    const { checkConfig, checkConfigHelp } = await import('./cli/check-config.ts');
    try {
      return await checkConfig(rest, process.env);
    } catch (error) {
      if (!(error instanceof FlagError)) throw error;
      process.stderr.write(`lighthouse check-config: ${error.message}\n\n${checkConfigHelp}`);
      return 2;
    }
  }
  if (command === 'plugins') {
    const { plugins, pluginsHelp } = await import('./cli/plugins.ts');
    try {
      return await plugins(rest, process.env);
    } catch (error) {
      if (!(error instanceof FlagError)) throw error;
      process.stderr.write(`lighthouse plugins: ${error.message}\n\n${pluginsHelp}`);
      return 2;
    }
  }
  if (command !== 'serve') {
    process.stderr.write(`lighthouse: unknown command ${JSON.stringify(command)}\n\n${help}`);
    return 2;
  }
  let settings: ServeSettings;
  try {
    settings = parseServeSettings(rest, process.env);
  } catch (error) {
    if (!(error instanceof FlagError)) throw error;
    process.stderr.write(`lighthouse: ${error.message}\n`);
    return 2;
  }
  const { serve } = await import('./cli/serve.ts');
  return serve(settings);
}

process.exit(await main(process.argv.slice(2)));
