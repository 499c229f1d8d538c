// The runner's command line. Only the configuration is loaded up front, so that --help and a bad flag
// answer at once; the server, the status sync, the meta step and the Kubernetes client load when their
// command runs.
import { FlagError } from '@lighthouse-ts/cli';
import { badConfig, helpText, parseCommandLine } from './config.ts';

async function main(args: string[], env: Record<string, string | undefined>): Promise<number> {
  let command: ReturnType<typeof parseCommandLine>;
  try {
    command = parseCommandLine(args, env);
  } catch (error) {
    if (!(error instanceof FlagError)) throw error;
    process.stderr.write(`runner: ${error.message}\nSee runner --help.\n`);
    return badConfig;
  }
  if (command.command === 'help') {
    process.stdout.write(helpText());
    return 0;
  }
  if (command.command === 'sync') {
    const { sync } = await import('./sync.ts');
    return sync(command.config);
  }
  if (command.command === 'meta-step') {
    const { metaStep } = await import('./meta-step.ts');
    return metaStep(command.config, env);
  }
  const { serve } = await import('./serve.ts');
  return serve(command.config);
}

process.exit(await main(process.argv.slice(2), process.env));
