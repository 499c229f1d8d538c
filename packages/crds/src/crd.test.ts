import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import * as z from 'zod';
import { manifestsDir, renderManifests } from '../scripts/generate.ts';
import {
  ownedCustomResourceDefinitions,
  preserveUnknownFields,
  structuralProblems,
  structuralSchema,
} from './index.ts';

describe('generated CRD manifests', () => {
  it('are up to date with the zod schemas (run `pnpm generate` in packages/crds)', async () => {
    const expected = renderManifests();
    expect((await readdir(manifestsDir)).sort()).toEqual([...expected.keys()].sort());
    for (const [file, text] of expected) {
      expect(await readFile(join(manifestsDir, file), 'utf8'), file).toBe(text);
    }
  });

  it('are structural', () => {
    for (const crd of ownedCustomResourceDefinitions()) {
      for (const version of crd.spec.versions)
        expect(structuralProblems(version.schema.openAPIV3Schema)).toEqual([]);
    }
  });
});

describe('structuralSchema', () => {
  it('turns a loose object into preserved unknown fields, not additionalProperties', () => {
    expect(structuralSchema(z.looseObject({ a: z.string() }))).toEqual({
      type: 'object',
      properties: { a: { type: 'string' } },
      required: ['a'],
      [preserveUnknownFields]: true,
    });
  });

  it('drops additionalProperties: false from strict objects, since the API server prunes instead', () => {
    expect(structuralSchema(z.strictObject({ a: z.number().int() }))).toEqual({
      type: 'object',
      properties: { a: { type: 'integer' } },
      required: ['a'],
    });
  });

  it('keeps a map of strings as additionalProperties', () => {
    expect(structuralSchema(z.record(z.string(), z.string()))).toMatchObject({
      type: 'object',
      additionalProperties: { type: 'string' },
    });
  });

  it('replaces a schema marked preserveUnknownFields, unions and all', () => {
    const marked = z.object({ v: z.union([z.string(), z.number()]) }).meta({ [preserveUnknownFields]: true });
    expect(structuralSchema(marked)).toEqual({ type: 'object', [preserveUnknownFields]: true });
  });

  it('refuses what Kubernetes would refuse', () => {
    expect(() => structuralSchema(z.object({ v: z.union([z.string(), z.number()]) }))).toThrow(
      /\$\.v: a union/,
    );
    expect(() => structuralSchema(z.object({ v: z.unknown() }))).toThrow(/\$\.v: no type/);
  });

  it('finds each kind of structural problem', () => {
    expect(
      structuralProblems({
        type: 'object',
        properties: {
          ref: { $ref: '#/x', type: 'object' },
          union: { anyOf: [{ type: 'string' }] },
          both: { type: 'object', properties: {}, additionalProperties: false },
          untyped: {},
        },
      }),
    ).toEqual([
      '$.ref: $ref is not allowed',
      `$.union: a union cannot be typed structurally; mark it with ${preserveUnknownFields}`,
      '$.union: no type',
      '$.both: additionalProperties beside properties',
      '$.untyped: no type',
    ]);
  });
});
