import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import * as z from 'zod';
import { WebhookEvent } from '../events.ts';
import { receiveWebhook, signedWebhookHeaders } from './index.ts';

// The package's entry is api.github.com/index.json: one definition per event, with example payloads.
const Definitions = z.array(
  z.object({ name: z.string(), examples: z.array(z.object({ action: z.string().optional() }).loose()) }),
);
const definitions = Definitions.parse(
  JSON.parse(readFileSync(createRequire(import.meta.url).resolve('@octokit/webhooks-examples'), 'utf8')),
);

const secret = 'octokit-examples-secret';

/** The GitHub events we normalise, and the actions of each that become events (all others are ignored). */
const handled: Readonly<Record<string, ReadonlySet<string | undefined>>> = {
  push: new Set([undefined]),
  ping: new Set([undefined]),
  pull_request: new Set([
    'opened',
    'reopened',
    'synchronize',
    'closed',
    'edited',
    'labeled',
    'ready_for_review',
  ]),
  issue_comment: new Set(['created']),
  pull_request_review_comment: new Set(['created']),
  pull_request_review: new Set(['submitted']),
};

const examples = definitions
  .filter((definition) => Object.hasOwn(handled, definition.name))
  .flatMap((definition) =>
    definition.examples.map((example, index) => ({
      event: definition.name,
      index,
      action: example.action,
      body: Buffer.from(JSON.stringify(example)),
    })),
  );

describe('@octokit/webhooks-examples', () => {
  it('has examples of every event we handle', () => {
    expect(new Set(examples.map((example) => example.event))).toEqual(new Set(Object.keys(handled)));
  });

  it.each(examples)('$event #$index ($action)', ({ event, action, body }) => {
    const headers = signedWebhookHeaders({
      provider: 'github',
      event,
      deliveryId: `example-${event}`,
      body,
      secret,
    });

    const outcome = receiveWebhook({ headers, body, secrets: [secret] });

    if (handled[event]?.has(action)) {
      if (outcome.kind !== 'event') throw new Error(`expected an event, got ${JSON.stringify(outcome)}`);
      expect(WebhookEvent.parse(outcome.event)).toEqual(outcome.event);
      expect(outcome.event.provider).toBe('github');
    } else {
      expect(outcome).toEqual({ kind: 'ignored', reason: `github ${event} ${action}` });
    }
  });
});
