import * as z from 'zod';
import { MetaPipeline, MetaPipelineList, MetaPipelineRequest, Problem } from './schemas.ts';

/** The routes of the remote contract, shared by the remote client and the runner that serves them. */
export const routes = {
  create: '/v1/metapipelines',
  collection: (namespace: string) => `/v1/namespaces/${encodeURIComponent(namespace)}/metapipelines`,
  item: (namespace: string, name: string) =>
    `/v1/namespaces/${encodeURIComponent(namespace)}/metapipelines/${encodeURIComponent(name)}`,
  cancel: (namespace: string, name: string) => `${routes.item(namespace, name)}/cancel`,
} as const;

export const problemContentType = 'application/problem+json';

function schema(type: z.ZodType, io: 'input' | 'output') {
  const { $schema: _dialect, ...rest } = z.toJSONSchema(type, {
    io,
    reused: 'inline',
    unrepresentable: 'any',
  });
  return rest;
}

const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });
const json = (name: string) => ({ 'application/json': { schema: ref(name) } });
const problems = (...codes: number[]) =>
  Object.fromEntries(
    codes.map((code) => [
      String(code),
      {
        description: problemDescriptions[code],
        content: { [problemContentType]: { schema: ref('Problem') } },
      },
    ]),
  );
const problemDescriptions: Record<number, string> = {
  400: 'Invalid request: malformed JSON or a schema violation; `errors` names the fields.',
  401: 'Missing or wrong bearer token.',
  403: "The runner's policy refuses the request (a build ServiceAccount, namespace, source or variable it does not allow), or Kubernetes refused the runner.",
  404: 'No such meta-pipeline, or no such route.',
  409: 'The idempotency key was used for a different request.',
  405: 'Method not allowed on this route (see the Allow header).',
  413: 'Body over the size limit.',
  415: 'The body is not JSON (application/json).',
  500: 'An unexpected error on the runner; details are in its log under the request id.',
  503: 'Kubernetes unavailable or the runner shutting down: retry with the same request.',
};
const namespaceParam = { name: 'namespace', in: 'path', required: true, schema: { type: 'string' } };
const nameParam = { name: 'name', in: 'path', required: true, schema: { type: 'string' } };
const filterParams = (['owner', 'repo', 'branch', 'context'] as const).map((name) => ({
  name,
  in: 'query',
  required: false,
  schema: { type: 'string' },
}));

/** The OpenAPI 3.1 document of the remote contract, generated from the same zod schemas both sides use. */
export function openApiDocument() {
  return {
    openapi: '3.1.0',
    info: {
      title: 'lighthouse-ts meta-pipeline runner',
      version: '1',
      description:
        'Starts, reads and cancels meta-pipelines. Every request carries `Authorization: Bearer <token>`; ' +
        '`traceparent` (W3C) and `x-request-id` are propagated to the logs. Errors are RFC 9457 problem documents.',
    },
    security: [{ bearer: [] }],
    paths: {
      [routes.create]: {
        post: {
          operationId: 'createMetaPipeline',
          summary: 'Start a meta-pipeline, or return the one already started for its idempotency key.',
          requestBody: { required: true, content: json('MetaPipelineRequest') },
          responses: {
            '200': { description: 'The meta-pipeline.', content: json('MetaPipeline') },
            ...problems(400, 401, 403, 405, 409, 413, 415, 500, 503),
          },
        },
      },
      '/v1/namespaces/{namespace}/metapipelines': {
        get: {
          operationId: 'listMetaPipelines',
          summary:
            'Meta-pipelines of a namespace, newest first, optionally by owner, repo, branch and context.',
          parameters: [namespaceParam, ...filterParams],
          responses: {
            '200': { description: 'The list.', content: json('MetaPipelineList') },
            ...problems(400, 401, 403, 405, 500, 503),
          },
        },
      },
      '/v1/namespaces/{namespace}/metapipelines/{name}': {
        get: {
          operationId: 'getMetaPipeline',
          parameters: [namespaceParam, nameParam],
          responses: {
            '200': { description: 'The meta-pipeline.', content: json('MetaPipeline') },
            ...problems(400, 401, 403, 404, 405, 500, 503),
          },
        },
      },
      '/v1/namespaces/{namespace}/metapipelines/{name}/cancel': {
        post: {
          operationId: 'cancelMetaPipeline',
          summary: 'Cancel it; cancelling a finished or cancelled one returns it unchanged.',
          parameters: [namespaceParam, nameParam],
          responses: {
            '200': { description: 'The meta-pipeline.', content: json('MetaPipeline') },
            ...problems(400, 401, 403, 404, 405, 500, 503),
          },
        },
      },
    },
    components: {
      securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } },
      schemas: {
        MetaPipelineRequest: schema(MetaPipelineRequest, 'input'),
        MetaPipeline: schema(MetaPipeline, 'output'),
        MetaPipelineList: schema(MetaPipelineList, 'output'),
        Problem: schema(Problem, 'output'),
      },
    },
  };
}
