// Test helper: the webhook server as a real child process (./fixture-main.ts by default), its JSON log parsed.
import { join } from 'node:path';
import { type ServingApp, startServingApp } from '@lighthouse-ts/testenv/app-process';

const mainPath = join(import.meta.dirname, 'fixture-main.ts');

export type { Exit } from '@lighthouse-ts/testenv/app-process';
export type WebhookProcess = ServingApp;

/**
 * Starts the fixture (or another entry script, e.g. `lighthouse serve`) with the given environment, and
 * waits until it logs that it listens.
 */
export function startWebhookProcess(
  env: Record<string, string> = {},
  { script = mainPath, args = [] }: { script?: string; args?: string[] } = {},
): Promise<WebhookProcess> {
  return startServingApp(script, args, env);
}

export { killApps as killWebhookProcesses } from '@lighthouse-ts/testenv/app-process';
