import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, inject, it } from 'vitest';
import { z } from 'zod';
import {
  type Provider,
  receiveWebhook,
  signedWebhookHeaders,
  WebhookEvent,
  type WebhookOutcome,
} from './index.ts';

const secret = 'fuzz-secret';
const mutations = 2_000;

const folders: Readonly<Record<Provider, string>> = {
  github: 'github',
  gitlab: 'gitlab',
  gitea: 'gitea',
  bitbucketserver: 'stash',
};

const Manifest = z.object({
  cases: z.array(z.object({ event_header_value: z.string(), payload: z.string() })),
});

const seeds = (Object.entries(folders) as [Provider, string][]).flatMap(([provider, folder]) => {
  const base = join(inject('fixturesDir'), 'go-scm', folder);
  const manifest = Manifest.parse(JSON.parse(readFileSync(join(base, 'MANIFEST.json'), 'utf8')));
  return manifest.cases.map((testCase) => ({
    provider,
    event: testCase.event_header_value,
    body: readFileSync(join(base, 'testdata', 'webhooks', testCase.payload)),
  }));
});

/** mulberry32: a small seeded generator, so a failure can be replayed. */
function randomGenerator(seed: number) {
  let state = seed;
  const next = () => {
    state = (state + 0x6d2b79f5) | 0;
    let t = Math.imul(state ^ (state >>> 15), 1 | state);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
  const below = (limit: number) => Math.floor(next() * limit);
  const pick = <T>(items: readonly T[]): T => items[below(items.length)] as T;
  return { below, pick };
}

type Random = ReturnType<typeof randomGenerator>;
type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

const trickyValues: readonly Json[] = [
  null,
  true,
  0,
  -1,
  1.5,
  2 ** 53 + 1,
  '',
  'x',
  '0'.repeat(40),
  'constructor',
  '__proto__',
  'toString',
  'synchronized',
  [],
  {},
  JSON.parse('{"__proto__": {"polluted": true}}'),
];

function mutateBytes(body: Buffer, random: Random): Buffer {
  const at = random.below(body.length);
  switch (random.below(3)) {
    case 0: {
      const flipped = Buffer.from(body);
      flipped[at] = (flipped[at] ?? 0) ^ (1 << random.below(8));
      return flipped;
    }
    case 1:
      return Buffer.concat([body.subarray(0, at), body.subarray(at + 1 + random.below(16))]);
    default: {
      const inserted = Buffer.from(
        Array.from({ length: 1 + random.below(8) }, () =>
          random.pick([0x7b, 0x7d, 0x22, 0x5b, 0x5d, 0x2c, 0x3a, 0x00, 0xff, random.below(256)]),
        ),
      );
      return Buffer.concat([body.subarray(0, at), inserted, body.subarray(at)]);
    }
  }
}

/** Every object or array in the document, with the key of each of its entries. */
function containers(
  value: Json,
  found: { parent: Json[] | { [key: string]: Json }; key: string | number }[] = [],
) {
  if (Array.isArray(value)) {
    value.forEach((item, index) => {
      found.push({ parent: value, key: index });
      containers(item, found);
    });
  } else if (value !== null && typeof value === 'object') {
    for (const [key, item] of Object.entries(value)) {
      found.push({ parent: value, key });
      containers(item, found);
    }
  }
  return found;
}

function mutateStructure(body: Buffer, random: Random): Buffer {
  const document = JSON.parse(body.toString()) as Json;
  const entries = containers(document);
  const edits = 1 + random.below(3);
  for (let edit = 0; edit < edits && entries.length > 0; edit++) {
    const { parent, key } = random.pick(entries);
    const current = (parent as Record<string | number, Json>)[key] ?? null;
    const replacement = [
      () => undefined,
      () => random.pick(trickyValues),
      () => [current],
      () =>
        typeof current === 'string' ? current.slice(0, random.below(current.length + 1)) : String(current),
    ][random.below(4)]?.();
    if (replacement === undefined) {
      if (Array.isArray(parent)) parent.splice(Number(key), 1);
      else delete parent[key];
    } else {
      (parent as Record<string | number, Json>)[key] = replacement;
    }
  }
  return Buffer.from(JSON.stringify(document));
}

it(`never throws on ${mutations} mutated, correctly signed real payloads`, () => {
  const random = randomGenerator(20_240_601);
  const kinds = { event: 0, ignored: 0, rejected: 0 };
  for (let round = 0; round < mutations; round++) {
    const seed = random.pick(seeds);
    const body = round % 2 === 0 ? mutateBytes(seed.body, random) : mutateStructure(seed.body, random);
    const headers = signedWebhookHeaders({ ...seed, deliveryId: `fuzz-${round}`, body, secret });

    const replay = `round ${round}: ${seed.provider} ${seed.event}`;
    let outcome: WebhookOutcome;
    try {
      outcome = receiveWebhook({ headers, body, secrets: [secret] });
    } catch (error) {
      throw new Error(`${replay} threw`, { cause: error });
    }

    kinds[outcome.kind]++;
    if (outcome.kind === 'event') expect(WebhookEvent.safeParse(outcome.event).success, replay).toBe(true);
    if (outcome.kind === 'rejected') expect(outcome.status, replay).toBe(400);
  }
  expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  // The mutations reach every outcome, so the run exercises normalisation, not only the JSON parser.
  expect(kinds.event).toBeGreaterThan(100);
  expect(kinds.ignored).toBeGreaterThan(100);
  expect(kinds.rejected).toBeGreaterThan(100);
  expect(kinds.event + kinds.ignored + kinds.rejected).toBe(mutations);
});
