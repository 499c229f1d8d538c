import { describe, expect, it } from 'vitest';
import type { ConsultedFact } from '../contract.ts';
import { MissingFactError } from './facts.ts';
import { inMemoryFacts } from './in-memory-facts.ts';
import { recordingFacts } from './recording-facts.ts';

describe('recordingFacts', () => {
  it('tells each question and its answer in brief, passing the answers through unchanged', async () => {
    const files = Array.from({ length: 60 }, (_, i) => `src/file-${i}.go`);
    const told: ConsultedFact[] = [];
    const facts = recordingFacts(
      inMemoryFacts({ collaborators: { 'acme/app': ['alice'] }, changedFiles: { 'acme/app#7': files } }),
      (fact) => told.push(fact),
    );
    expect(await facts.isCollaborator('acme', 'app', 'alice')).toBe(true);
    expect(await facts.changedFiles({ repo: { owner: 'acme', name: 'app' }, number: 7 })).toEqual(files);
    expect(told[0]).toEqual({ fact: 'isCollaborator', asked: 'acme, app, alice', answer: 'true' });
    expect(told[1]?.fact).toBe('changedFiles');
    expect(told[1]?.answer).toMatch(/^\[src\/file-0\.go, .*src\/file-49\.go and 10 more\] \(60\)$/);
  });

  it('tells the error a question met, and still throws it', async () => {
    const told: ConsultedFact[] = [];
    const facts = recordingFacts(inMemoryFacts({}), (fact) => told.push(fact));
    await expect(facts.isMember('acme', 'mallory')).resolves.toBe(false);
    const refusing = recordingFacts(
      {
        ...inMemoryFacts({}),
        isMember: async () => {
          throw new MissingFactError('no token');
        },
      },
      (fact) => told.push(fact),
    );
    await expect(refusing.isMember('acme', 'bob')).rejects.toBeInstanceOf(MissingFactError);
    expect(told).toEqual([
      { fact: 'isMember', asked: 'acme, mallory', answer: 'false' },
      { fact: 'isMember', asked: 'acme, bob', error: 'no token' },
    ]);
  });

  it('leaves an optional question the facts do not answer absent', () => {
    const { pushChangedFiles: _, ...without } = inMemoryFacts({});
    expect(recordingFacts(without, () => {}).pushChangedFiles).toBeUndefined();
  });
});
