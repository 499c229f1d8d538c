import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { openApiPath, renderOpenApi } from '../scripts/generate.ts';
import { openApiDocument, routes } from './openapi.ts';

describe('the OpenAPI document', () => {
  it('is checked in up to date (run `pnpm generate` in packages/metapipeline-client)', async () => {
    expect(await readFile(openApiPath, 'utf8')).toBe(renderOpenApi());
  });

  it('describes every route the remote client calls, with problem responses', () => {
    const document = openApiDocument();
    const templates = [
      routes.create,
      routes.collection('{namespace}'),
      routes.item('{namespace}', '{name}'),
      routes.cancel('{namespace}', '{name}'),
    ].map((path) => path.replaceAll('%7B', '{').replaceAll('%7D', '}'));
    expect(Object.keys(document.paths).sort()).toEqual(templates.sort());
    const responses: Record<string, { content?: object }> = document.paths[routes.create].post.responses;
    expect(responses['400']?.content).toHaveProperty(['application/problem+json']);
  });

  it('requires what the request schema requires', () => {
    const request = openApiDocument().components.schemas.MetaPipelineRequest as { required: string[] };
    expect(request.required.sort()).toEqual(['idempotencyKey', 'jobName', 'kind', 'namespace', 'pullRefs']);
  });
});
