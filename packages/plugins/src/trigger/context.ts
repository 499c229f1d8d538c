import type { RepoConfig } from '@lighthouse-ts/config';
import type { TriggerFacts } from './facts.ts';

export interface TriggerContext {
  /** The config for the event's repository (`repoConfig(config, owner, name)`). */
  repo: RepoConfig;
  facts: TriggerFacts;
  /** The bot's own login: always trusted. */
  botName?: string;
  /** Another command name that triggers jobs like `/test` (Lighthouse's LH_CUSTOM_TRIGGER_COMMAND). */
  customTriggerCommand?: string;
}
