import { defaultTriggerSettings, type TriggerSettings } from '@lighthouse-ts/config';
import { describe, expect, it } from 'vitest';
import { type FactsData, inMemoryFacts } from './in-memory-facts.ts';
import { trustedUser } from './trusted-user.ts';

const facts: FactsData = {
  collaborators: { 'org/repo': ['Collab'] },
  members: { org: ['member', 'collab-member'], friends: ['friend'] },
};

async function trust(
  user: string,
  settings: Partial<TriggerSettings> = {},
  association?: string,
  botName = 'lighthouse-bot',
) {
  const lookups = inMemoryFacts(facts);
  const result = await trustedUser(lookups, { ...defaultTriggerSettings, ...settings }, botName, {
    user,
    org: 'org',
    repo: 'repo',
    association,
  });
  return { ...result, asked: lookups.asked };
}

describe('TrustedUser, in Lighthouse order', () => {
  it('1. the bot is trusted without a lookup', async () => {
    expect(await trust('lighthouse-bot')).toEqual({
      trusted: true,
      why: 'lighthouse-bot is the bot',
      asked: [],
    });
  });

  it('2. a collaborator (logins compared without case)', async () => {
    expect(await trust('collab')).toMatchObject({ trusted: true, asked: ['isCollaborator org/repo collab'] });
  });

  it('2. only_org_members: collaborators are not asked about, nor trusted', async () => {
    expect(await trust('collab', { onlyOrgMembers: true })).toMatchObject({
      trusted: false,
      asked: ['isMember org collab'],
    });
  });

  it('3. an org member, after the collaborator question', async () => {
    expect(await trust('member')).toMatchObject({
      trusted: true,
      why: 'member is a member of org',
      asked: ['isCollaborator org/repo member', 'isMember org member'],
    });
  });

  it('3. an org member with only_org_members', async () => {
    expect(await trust('member', { onlyOrgMembers: true })).toMatchObject({ trusted: true });
  });

  it('4. a trusted app, with the [bot] suffix stripped', async () => {
    expect(await trust('renovate[bot]', { trustedApps: ['renovate'] })).toMatchObject({
      trusted: true,
      why: 'renovate[bot] is a trusted app',
      asked: ['isCollaborator org/repo renovate[bot]', 'isMember org renovate[bot]'],
    });
    expect(await trust('dependabot[bot]', { trustedApps: ['renovate'] })).toMatchObject({ trusted: false });
  });

  it('5. a member of trusted_org', async () => {
    expect(await trust('friend', { trustedOrg: 'friends' })).toMatchObject({
      trusted: true,
      why: 'friend is a member of the trusted org friends',
      asked: ['isCollaborator org/repo friend', 'isMember org friend', 'isMember friends friend'],
    });
  });

  it('5. trusted_org equal to the org is not asked twice', async () => {
    expect(await trust('stranger', { trustedOrg: 'org' })).toMatchObject({
      trusted: false,
      asked: ['isCollaborator org/repo stranger', 'isMember org stranger'],
    });
  });

  it('untrusted: says what was checked', async () => {
    expect(await trust('stranger', { trustedOrg: 'friends', trustedApps: ['renovate'] })).toMatchObject({
      trusted: false,
      why: 'stranger is not a collaborator of org/repo, nor a member of org, nor a trusted app, nor a member of friends',
    });
  });
});

describe('GitHub author_association answers without a lookup', () => {
  it.each(['OWNER', 'MEMBER', 'COLLABORATOR'])('%s is trusted', async (association) => {
    expect(await trust('someone', {}, association)).toEqual({
      trusted: true,
      why: `someone is ${association} of org/repo`,
      asked: [],
    });
  });

  it('MEMBER is trusted with only_org_members', async () => {
    expect(await trust('someone', { onlyOrgMembers: true }, 'MEMBER')).toMatchObject({
      trusted: true,
      asked: [],
    });
  });

  it('COLLABORATOR with only_org_members still needs membership', async () => {
    expect(await trust('collab', { onlyOrgMembers: true }, 'COLLABORATOR')).toMatchObject({
      trusted: false,
      asked: ['isMember org collab'],
    });
  });

  it.each(['CONTRIBUTOR', 'FIRST_TIME_CONTRIBUTOR', 'NONE'])(
    '%s is not taken as a no: the lookups still decide',
    async (association) => {
      expect(await trust('member', {}, association)).toMatchObject({
        trusted: true,
        asked: ['isCollaborator org/repo member', 'isMember org member'],
      });
    },
  );
});
