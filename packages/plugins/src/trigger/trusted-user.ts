import type { TriggerSettings } from '@lighthouse-ts/config';
import type { TriggerFacts } from './facts.ts';

export interface TrustQuestion {
  user: string;
  org: string;
  repo: string;
  /** GitHub's `author_association` for this user on this repo, when the payload has it. */
  association?: string;
}

export interface Trust {
  trusted: boolean;
  why: string;
}

// What GitHub's author_association already tells us, so no lookup is needed.
const collaboratorAssociations = new Set(['OWNER', 'MEMBER', 'COLLABORATOR']);
const memberAssociations = new Set(['OWNER', 'MEMBER']);

/**
 * Lighthouse's `TrustedUser`, in its order: the bot; a collaborator (unless only_org_members); a member of
 * the org; a trusted app; a member of trusted_org. The payload's author_association answers the
 * collaborator and member questions when it can; only a positive answer is taken from it.
 */
export async function trustedUser(
  facts: TriggerFacts,
  trigger: TriggerSettings,
  botName: string | undefined,
  { user, org, repo, association }: TrustQuestion,
): Promise<Trust> {
  if (botName !== undefined && user === botName) return { trusted: true, why: `${user} is the bot` };
  if (!trigger.onlyOrgMembers) {
    if (association && collaboratorAssociations.has(association)) {
      return { trusted: true, why: `${user} is ${association} of ${org}/${repo}` };
    }
    if (await facts.isCollaborator(org, repo, user)) {
      return { trusted: true, why: `${user} is a collaborator of ${org}/${repo}` };
    }
  }
  if (association && memberAssociations.has(association)) {
    return { trusted: true, why: `${user} is ${association} of ${org}/${repo}` };
  }
  if (await facts.isMember(org, user)) return { trusted: true, why: `${user} is a member of ${org}` };
  if (trigger.trustedApps.includes(user.replace(/\[bot\]$/, ''))) {
    return { trusted: true, why: `${user} is a trusted app` };
  }
  if (trigger.trustedOrg !== '' && trigger.trustedOrg !== org) {
    if (await facts.isMember(trigger.trustedOrg, user)) {
      return { trusted: true, why: `${user} is a member of the trusted org ${trigger.trustedOrg}` };
    }
  }
  const checked = [
    trigger.onlyOrgMembers ? undefined : `a collaborator of ${org}/${repo}`,
    `a member of ${org}`,
    trigger.trustedApps.length > 0 ? 'a trusted app' : undefined,
    trigger.trustedOrg !== '' && trigger.trustedOrg !== org ? `a member of ${trigger.trustedOrg}` : undefined,
  ].filter(Boolean);
  return { trusted: false, why: `${user} is not ${checked.join(', nor ')}` };
}
