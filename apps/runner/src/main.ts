// The runner's command line. Only the configuration is loaded up front, so that --help and a bad flag
// answer at once; the server and the Kubernetes client load when `serve` runs.
import { badConfig, ConfigError, helpText, parseCommandLine } from './config.ts';

async function main(args: string[], env: Record<string, string | undefined>): Promise<number> {
  let command: ReturnType<typeof parseCommandLine>;
  try {
    command = parseCommandLine(args, env);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    process.stderr.write(`runner: ${error.message}\nSee runner --help.\n`);
    return badConfig;
  }
  if (command.command === 'help') {
    process.stdout.write(helpText());
    return 0;
  }
  const { serve } = await import('./serve.ts');
  return serve(command.config);
}

process.exit(await main(process.argv.slice(2), process.env));
