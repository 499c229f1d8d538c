import { describe, expect, inject, it } from 'vitest';
import { goScmPayloads, octokitExample } from '../../test/payloads.ts';
import { normalise } from './normalise.ts';
import { mergeSecrets, repositoryOf, scopedSecrets, secretsFor, sharedSecrets } from './secrets.ts';

describe('secretsFor', () => {
  const secrets = mergeSecrets(
    sharedSecrets(['everyone']),
    scopedSecrets({ acme: ['acme-org'], 'Acme/Rocket': ['rocket-1', 'rocket-2'], '*': ['star'] }),
  );

  it('takes the most specific scope that holds secrets, ignoring case', () => {
    expect(secretsFor(secrets, 'acme/rocket')).toEqual(['rocket-1', 'rocket-2']);
    expect(secretsFor(secrets, 'ACME/anvil')).toEqual(['acme-org']);
    expect(secretsFor(secrets, 'other/repo')).toEqual(['everyone', 'star']);
    expect(secretsFor(secrets, undefined)).toEqual(['everyone', 'star']);
  });

  it('walks every namespace above a GitLab project, so a group covers its subgroups', () => {
    const gitlab = scopedSecrets({ 'group/sub': ['sub'], group: ['group'] });
    expect(secretsFor(gitlab, 'group/sub/project')).toEqual(['sub']);
    expect(secretsFor(gitlab, 'group/sub/deeper/project')).toEqual(['sub']);
    expect(secretsFor(gitlab, 'group/other/project')).toEqual(['group']);
    expect(secretsFor(gitlab, 'group/project')).toEqual(['group']);
    expect(secretsFor(gitlab, 'elsewhere/project')).toEqual([]);
  });
});

describe('repositoryOf', () => {
  it('names the repository every go-scm payload that has one is about, as normalising does', () => {
    let compared = 0;
    for (const { provider, event, body } of goScmPayloads(inject('fixturesDir'))) {
      const payload = JSON.parse(body.toString('utf8'));
      const result = normalise({ provider, deliveryId: 'd', event, payload });
      if (result.kind !== 'event' || !('repo' in result.event) || !result.event.repo) continue;
      const { owner, name } = result.event.repo;
      expect(repositoryOf(provider, payload), `${provider} ${event}`).toBe(`${owner}/${name}`);
      compared++;
    }
    expect(compared).toBeGreaterThan(20);
  });

  it("falls back to the organization of GitHub's organization-wide events", () => {
    const payload = JSON.parse(octokitExample('organization', 'member_added').toString('utf8'));
    expect(repositoryOf('github', payload)).toBe(`${payload.organization.login}/`);
  });

  it('says nothing of a payload without one', () => {
    expect(repositoryOf('gitlab', { project: {} })).toBeUndefined();
    expect(repositoryOf('bitbucketserver', null)).toBeUndefined();
  });
});
