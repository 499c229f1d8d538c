import { normaliseBitbucketServer } from './normalise-bitbucket-server.ts';
import { normaliseGitea } from './normalise-gitea.ts';
import { normaliseGithub } from './normalise-github.ts';
import { normaliseGitlab } from './normalise-gitlab.ts';
import type { Delivery, NormaliseResult } from './normalise-result.ts';

export type { NormaliseResult } from './normalise-result.ts';

export interface ParsedWebhook extends Delivery {
  /** The event header's value, e.g. `pull_request`, `Merge Request Hook`, `pr:opened`. */
  event: string;
  /** The JSON-parsed body; anything at all, it is validated here. */
  payload: unknown;
}

const normalisers = {
  github: normaliseGithub,
  gitlab: normaliseGitlab,
  gitea: normaliseGitea,
  bitbucketserver: normaliseBitbucketServer,
} as const;

/** Maps one provider's payload onto the event model: an event, ignored (with why) or invalid (with where). */
export function normalise({ provider, deliveryId, event, payload }: ParsedWebhook): NormaliseResult {
  return normalisers[provider](event, payload, { provider, deliveryId });
}
