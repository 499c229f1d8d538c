import { expect, inject, it } from 'vitest';
import { mutateBytes, mutateStructure, randomGenerator } from '../../test/mutate.ts';
import { goScmPayloads } from '../../test/payloads.ts';
import { WebhookEvent } from '../events.ts';
import { receiveWebhook, signedWebhookHeaders, type WebhookOutcome } from './index.ts';

const secret = 'fuzz-secret';
const mutations = 2_000;

const seeds = goScmPayloads(inject('fixturesDir'));

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
