// Test helper: real webhook payloads written by others, and the headers to deliver them with.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import * as z from 'zod';
import type { Provider } from '../src/events.ts';
import { signedWebhookHeaders } from '../src/webhooks/index.ts';

const Definitions = z.array(
  z.object({ name: z.string(), examples: z.array(z.object({ action: z.string().optional() }).loose()) }),
);
let definitions: z.infer<typeof Definitions> | undefined;

/** Every example payload of `@octokit/webhooks-examples` (GitHub's documented examples) for one event. */
export function octokitExamples(event: string): Record<string, unknown>[] {
  definitions ??= Definitions.parse(
    JSON.parse(readFileSync(createRequire(import.meta.url).resolve('@octokit/webhooks-examples'), 'utf8')),
  );
  return definitions.find((definition) => definition.name === event)?.examples ?? [];
}

/** The first example of an event (and action), as sent: JSON bytes. */
export function octokitExample(event: string, action?: string): Buffer {
  const example = octokitExamples(event).find((candidate) => candidate.action === action);
  if (!example) throw new Error(`no @octokit/webhooks-examples example for ${event} ${action ?? ''}`);
  return Buffer.from(JSON.stringify(example));
}

/** Where each provider's go-scm fixtures are, under `go-scm/`. */
export const goScmFolders: Readonly<Record<Provider, string>> = {
  github: 'github',
  gitlab: 'gitlab',
  gitea: 'gitea',
  bitbucketserver: 'stash',
};

const GoScmManifest = z.object({
  request: z.object({ other_headers: z.record(z.string(), z.string()) }),
  cases: z.array(
    z.object({
      event_header_value: z.string(),
      payload: z.string(),
      golden: z.string(),
      go_type: z.string(),
    }),
  ),
});

/** A go-scm fixture folder's MANIFEST.json: its cases (payload, event header, golden, Go type). */
export function goScmManifest(folder: string): z.infer<typeof GoScmManifest> {
  return GoScmManifest.parse(JSON.parse(readFileSync(join(folder, 'MANIFEST.json'), 'utf8')));
}

/** Every payload of the go-scm fixtures for the four providers, with the event header it came with. */
export function goScmPayloads(fixturesDir: string): { provider: Provider; event: string; body: Buffer }[] {
  return (Object.entries(goScmFolders) as [Provider, string][]).flatMap(([provider, folder]) => {
    const base = join(fixturesDir, 'go-scm', folder);
    return goScmManifest(base).cases.map((testCase) => ({
      provider,
      event: testCase.event_header_value,
      body: readFileSync(join(base, 'testdata', 'webhooks', testCase.payload)),
    }));
  });
}

export interface Delivery {
  provider?: Provider;
  event: string;
  deliveryId: string;
  body: Buffer;
  secret: string;
}

/** A signed delivery as the provider sends it: method, headers and body, for `rawRequest`. */
export function delivery({ provider = 'github', ...rest }: Delivery) {
  return {
    method: 'POST',
    headers: signedWebhookHeaders({ provider, ...rest }) as Record<string, string>,
    body: rest.body,
  };
}
