import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestCluster } from '@lighthouse-ts/testenv';
import { testCluster } from '@lighthouse-ts/testenv/vitest';
import { beforeAll, describe, expect, inject, it } from 'vitest';
import { parse } from 'yaml';
import {
  type CustomResourceDefinition,
  standInAnnotation,
  structuralProblems,
  tektonStandInCustomResourceDefinitions,
} from './index.ts';

const tektonCrds = join(inject('fixturesDir'), 'tekton-pipeline/v1.12.1/config/300-crds');
const fixture = async (path: string) =>
  parse(
    await readFile(
      join(inject('fixturesDir'), 'lighthouse/pkg/engines/tekton/test_data/controller', path),
      'utf8',
    ),
  );

interface TektonCrd {
  spec: {
    group: string;
    scope: string;
    names: { kind: string; plural: string; singular: string; shortNames?: string[] };
    versions: { name: string; storage: boolean; additionalPrinterColumns?: unknown[] }[];
  };
}

describe('the stand-ins for Tekton CRDs', () => {
  const standIns = tektonStandInCustomResourceDefinitions();

  it("serve the kinds, names, storage version and columns of Tekton v1.12.1's own CRDs", async () => {
    const files = {
      pipelineruns: '300-pipelinerun.yaml',
      taskruns: '300-taskrun.yaml',
      customruns: '300-customrun.yaml',
    };
    expect(standIns.map((crd) => crd.metadata.name)).toEqual([
      'pipelineruns.tekton.dev',
      'taskruns.tekton.dev',
      'customruns.tekton.dev',
    ]);
    for (const standIn of standIns) {
      const file = files[standIn.spec.names.plural as keyof typeof files];
      const tekton = parse(await readFile(join(tektonCrds, file), 'utf8')) as TektonCrd;
      const stored = tekton.spec.versions.find((version) => version.storage);
      const [version] = standIn.spec.versions;
      expect(standIn.spec.group).toBe(tekton.spec.group);
      expect(standIn.spec.scope).toBe(tekton.spec.scope);
      const { kind, plural, singular, shortNames } = tekton.spec.names;
      expect(standIn.spec.names).toEqual({
        kind,
        listKind: `${kind}List`,
        plural,
        singular,
        ...(shortNames ? { shortNames } : {}),
      });
      expect(standIn.spec.versions).toHaveLength(1);
      expect(version?.name).toBe(stored?.name);
      expect(version?.additionalPrinterColumns).toEqual(stored?.additionalPrinterColumns);
    }
  });

  it('are structural and say what they are', () => {
    for (const crd of standIns) {
      expect(structuralProblems(crd.spec.versions[0]?.schema.openAPIV3Schema ?? {})).toEqual([]);
      expect(crd.metadata.annotations[standInAnnotation]).toMatch(/Tekton Pipelines' own CRD/);
    }
  });
});

describe('the PipelineRun stand-in on a real API server', () => {
  // The shared test cluster has Tekton's own CRDs, so the stand-in goes in under a group of its own.
  const group = `stand-in-${randomBytes(4).toString('hex')}.lighthouse-ts.test`;
  let cluster: TestCluster;
  let path: string;

  beforeAll(async () => {
    cluster = await testCluster();
    const [pipelineRuns] = tektonStandInCustomResourceDefinitions();
    if (!pipelineRuns) throw new Error('no PipelineRun stand-in');
    const crd: CustomResourceDefinition = {
      ...pipelineRuns,
      metadata: { name: `pipelineruns.${group}` },
      spec: { ...pipelineRuns.spec, group },
    };
    const file = join(await mkdtemp(join(tmpdir(), 'crds-stand-in-')), 'pipelineruns.json');
    await writeFile(file, JSON.stringify(crd));
    await cluster.installCrds([file]);
    path = `/apis/${group}/v1/namespaces/${await cluster.createNamespace('stand-in')}/pipelineruns`;
  });

  const pipelineRun = (name: string, spec: unknown) => ({
    apiVersion: `${group}/v1`,
    kind: 'PipelineRun',
    metadata: { name },
    spec,
  });
  const rejection = (object: unknown) =>
    cluster.request('POST', path, object).then(
      () => 'accepted',
      (error: Error) => error.message,
    );

  it('accepts the PipelineRun Lighthouse creates, and param values of every shape', async () => {
    const { spec } = await fixture('start-pullrequest/expected-pr.yml');
    const created = (await cluster.request('POST', path, pipelineRun('lighthouse', spec))) as {
      spec: unknown;
    };
    expect(created.spec).toEqual(spec);
    const shapes = {
      params: [
        { name: 'string', value: 'a' },
        { name: 'array', value: ['a', 'b'] },
        { name: 'object', value: { a: 'b' } },
      ],
    };
    expect(await rejection(pipelineRun('shapes', shapes))).toBe('accepted');
  });

  it('rejects what our schemas reject, naming the field', async () => {
    const message = await rejection(pipelineRun('invalid', { params: [{ value: 'a' }], status: 'Paused' }));
    expect(message).toMatch(/answered 422/);
    expect(message).toMatch(/spec\.params\[0\]\.name: Required value/);
    expect(message).toMatch(/spec\.status: Unsupported value: .*Paused/);
  });
});
