import { randomUUID } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { FlagError } from '@lighthouse-ts/cli';
import { loadConfig, repoConfig } from '@lighthouse-ts/config';
import { inMemoryFacts, trigger } from '@lighthouse-ts/plugins';
import type { Provider } from '@lighthouse-ts/scm';
import { receiveWebhook, signedWebhookHeaders } from '@lighthouse-ts/scm/webhooks';

export const replayHelp = `Usage: lighthouse replay <payload.json> --event NAME [--provider P] [flags]

Signs a webhook payload the way the provider would and sends it to a running lighthouse, or with --dry-run
prints which jobs it would start and why each other job would not, starting nothing.

  --event NAME          the event header value (e.g. pull_request, push, "Merge Request Hook")
  --provider P          github (default), gitlab, gitea or bitbucketserver
  --url URL             where lighthouse listens (default http://127.0.0.1:8080/hook)
  --secret-file F       the webhook secret to sign with (LIGHTHOUSE_WEBHOOK_SECRET_FILE)
  --delivery-id ID      default: a new one, so each replay is a new delivery
  --dry-run             decide only; needs --config-file and --plugins-file
  --config-file F       config.yaml (LIGHTHOUSE_CONFIG_FILE)
  --plugins-file F      plugins.yaml (LIGHTHOUSE_PLUGINS_FILE)
`;

const providers: readonly Provider[] = ['github', 'gitlab', 'gitea', 'bitbucketserver'];

export async function replay(args: string[], env: Record<string, string | undefined>): Promise<number> {
  let parsed: ReturnType<typeof parseReplayArgs>;
  try {
    parsed = parseReplayArgs(args, env);
  } catch (error) {
    throw new FlagError((error as Error).message);
  }
  const { payloadPath, event, provider, deliveryId } = parsed;
  const body = await readFile(payloadPath);

  if (parsed.dryRun) {
    const { configFile, pluginsFile } = parsed;
    if (!configFile || !pluginsFile) throw new FlagError('--dry-run needs --config-file and --plugins-file');
    const secret = randomUUID();
    const outcome = receiveWebhook({
      headers: signedWebhookHeaders({ provider, event, deliveryId, body, secret }),
      body,
      secrets: [secret],
    });
    if (outcome.kind === 'rejected') return print(`rejected (${outcome.status}): ${outcome.reason}`, 1);
    if (outcome.kind === 'ignored') return print(`ignored: ${outcome.reason}`, 0);
    const webhook = outcome.event;
    if (!webhook.repo) return print(`${webhook.type}: nothing to decide`, 0);
    const config = await loadConfig({ configPath: configFile, pluginsPath: pluginsFile });
    // No provider is asked on a dry run: a decision that needs more than the payload says so.
    let decision: Awaited<ReturnType<typeof trigger>>;
    try {
      decision = await trigger(webhook, {
        repo: repoConfig(config, webhook.repo.owner, webhook.repo.name),
        facts: inMemoryFacts(),
      });
    } catch (error) {
      return print(`cannot decide from the payload alone: ${(error as Error).message}`, 1);
    }
    const lines = [
      decision.summary,
      ...decision.start.map((job) => `would start ${job.request.jobName}: ${job.why}`),
      ...decision.skip.map((job) => `would not run ${job.jobName}: ${job.why}`),
      ...decision.cancel.map((c) => `would cancel running ${c.jobNames.join(', ')} on #${c.pullNumber}`),
      ...decision.actions.map((action) => `would ${action.type} ${JSON.stringify(action)}`),
    ];
    return print(lines.join('\n'), 0);
  }

  const secretFile = parsed.secretFile;
  if (!secretFile)
    throw new FlagError('--secret-file (or LIGHTHOUSE_WEBHOOK_SECRET_FILE) is required to sign');
  const [secret] = (await readFile(secretFile, 'utf8')).split('\n').map((line) => line.trim());
  if (!secret) throw new FlagError(`no secret in ${secretFile}`);
  const res = await fetch(parsed.url, {
    method: 'POST',
    headers: signedWebhookHeaders({ provider, event, deliveryId, body, secret }),
    body,
  });
  return print(`${res.status} ${await res.text()}`, res.ok ? 0 : 1);
}

function parseReplayArgs(args: string[], env: Record<string, string | undefined>) {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: {
      event: { type: 'string' },
      provider: { type: 'string', default: 'github' },
      url: { type: 'string', default: 'http://127.0.0.1:8080/hook' },
      'secret-file': { type: 'string' },
      'delivery-id': { type: 'string' },
      'dry-run': { type: 'boolean', default: false },
      'config-file': { type: 'string' },
      'plugins-file': { type: 'string' },
    },
  });
  const [payloadPath, extra] = positionals;
  if (!payloadPath || extra) throw new Error('give exactly one payload file');
  if (!values.event) throw new Error('--event is required');
  const provider = values.provider as Provider;
  if (!providers.includes(provider)) throw new Error(`--provider must be one of ${providers.join(', ')}`);
  return {
    payloadPath,
    event: values.event,
    provider,
    url: values.url,
    deliveryId: values['delivery-id'] ?? randomUUID(),
    dryRun: values['dry-run'],
    secretFile: values['secret-file'] ?? env.LIGHTHOUSE_WEBHOOK_SECRET_FILE,
    configFile: values['config-file'] ?? env.LIGHTHOUSE_CONFIG_FILE,
    pluginsFile: values['plugins-file'] ?? env.LIGHTHOUSE_PLUGINS_FILE,
  };
}

function print(text: string, code: number): number {
  process.stdout.write(`${text}\n`);
  return code;
}
