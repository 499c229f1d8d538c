import { describe, expect, it } from 'vitest';
import { parseScopedSecrets, ScopedSecretsError } from './webhook-secrets.ts';

describe('parseScopedSecrets', () => {
  it('reads scopes in lower case, each with its secrets', () => {
    expect(
      parseScopedSecrets("acme: [acme-org]\nAcme/Rocket: [rocket-1, {value: rocket-2}]\n'*': [star]", 'f'),
    ).toEqual(
      new Map([
        ['acme', ['acme-org']],
        ['acme/rocket', ['rocket-1', 'rocket-2']],
        ['*', ['star']],
      ]),
    );
  });

  it.each([
    ['not: [yaml', /f.yaml: not YAML/],
    ['- a list', /f.yaml: \(top\)/],
    ['acme: []', /f.yaml: acme: lists at least one secret/],
    ['acme: [1]', /f.yaml: acme.0:/],
    ["acme: ['  ']", /f.yaml: acme.0: is empty/],
    ["acme: [{value: ''}]", /f.yaml: acme.0.value: is empty/],
    ['"a b": [x]', /f.yaml: a b: a scope is/],
  ])('%j -> an error naming the file and the place', (text, message) => {
    expect(() => parseScopedSecrets(text, 'f.yaml')).toThrow(ScopedSecretsError);
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
