import { describe, expect, inject, it } from 'vitest';
import { goScmPayloads, octokitExample } from '../testing/payloads.ts';
import { normalise } from './normalise.ts';
import {
  mergeSecrets,
  parseScopedSecrets,
  repositoryOf,
  SecretsFileError,
  secretsFor,
  sharedSecrets,
} from './secrets.ts';

describe('secretsFor', () => {
  const secrets = mergeSecrets(
    sharedSecrets(['everyone']),
    parseScopedSecrets("acme: [acme-org]\nAcme/Rocket: [rocket-1, {value: rocket-2}]\n'*': [star]", 'f'),
  );

  it('takes the most specific scope that holds secrets, ignoring case', () => {
    expect(secretsFor(secrets, 'acme/rocket')).toEqual(['rocket-1', 'rocket-2']);
    expect(secretsFor(secrets, 'ACME/anvil')).toEqual(['acme-org']);
    expect(secretsFor(secrets, 'other/repo')).toEqual(['everyone', 'star']);
    expect(secretsFor(secrets, undefined)).toEqual(['everyone', 'star']);
  });

  it("reads a GitLab subgroup's owner as its whole namespace path", () => {
    const gitlab = parseScopedSecrets('group/sub: [sub]\ngroup: [group]', 'f');
    expect(secretsFor(gitlab, 'group/sub/project')).toEqual(['sub']);
    expect(secretsFor(gitlab, 'group/project')).toEqual(['group']);
    expect(secretsFor(gitlab, 'elsewhere/project')).toEqual([]);
  });
});

describe('parseScopedSecrets', () => {
  it.each([
    ['not: [yaml', /f.yaml: not YAML/],
    ['- a list', /f.yaml: \(top\)/],
    ['acme: []', /f.yaml: acme: lists at least one secret/],
    ['acme: [1]', /f.yaml: acme.0:/],
    ["acme: ['  ']", /f.yaml: acme.0: is empty/],
    ["acme: [{value: ''}]", /f.yaml: acme.0.value: is empty/],
    ['"a b": [x]', /f.yaml: a b: a scope is/],
  ])('%j -> an error naming the file and the place', (text, message) => {
    expect(() => parseScopedSecrets(text, 'f.yaml')).toThrow(SecretsFileError);
    expect(() => parseScopedSecrets(text, 'f.yaml')).toThrow(message);
  });

  it.each([
    ['a schema error', 'acme: [{valu: hunter2}]'],
    ['a syntax error', 'acme: [hunter2\nrocket: "hunter2'],
  ])('never puts a secret in its message: %s', (_, text) => {
    expect(() => parseScopedSecrets(text, 'f')).toThrow(
      expect.objectContaining({ message: expect.not.stringContaining('hunter2') }),
    );
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
