import * as z from 'zod';
import type { ResourceType } from './meta.ts';

/**
 * Metadata key: this schema's contents are validated elsewhere (e.g. an embedded Tekton spec), so the
 * CRD stores it as an object with unknown fields preserved instead of describing it.
 */
export const preserveUnknownFields = 'x-kubernetes-preserve-unknown-fields';

export type JsonSchema = Record<string, unknown> & {
  type?: string;
  properties?: Record<string, JsonSchema>;
  additionalProperties?: JsonSchema | boolean;
  items?: JsonSchema;
};

/**
 * A structural `openAPIV3Schema` for a zod schema, as a Kubernetes API server accepts it: OpenAPI 3.0,
 * input shape (defaults are not required), no `$ref`, no `additionalProperties` beside `properties`
 * (a loose object preserves unknown fields instead), and no unions (which cannot be typed structurally).
 */
export function structuralSchema(schema: z.ZodType): JsonSchema {
  const result = z.toJSONSchema(schema, {
    target: 'openapi-3.0',
    io: 'input',
    reused: 'inline',
    cycles: 'throw',
    unrepresentable: 'throw',
    override: ({ jsonSchema }) => {
      const node = jsonSchema as JsonSchema;
      if (node[preserveUnknownFields] === true) {
        for (const key of Object.keys(node)) if (key !== 'description') delete node[key];
        Object.assign(node, { type: 'object', [preserveUnknownFields]: true });
        return;
      }
      if (node.properties && node.additionalProperties !== undefined) {
        const additional = node.additionalProperties;
        delete node.additionalProperties;
        if (additional !== false) node[preserveUnknownFields] = true;
      }
      if (node.type === 'object' && node.properties && Object.keys(node.properties).length === 0) {
        delete node.properties;
      }
      if (node.format === 'date-time') delete node.pattern;
      // zod bounds integers to the safe range; the API server's int64 needs no such noise.
      if (node.minimum === Number.MIN_SAFE_INTEGER) delete node.minimum;
      if (node.maximum === Number.MAX_SAFE_INTEGER) delete node.maximum;
    },
  }) as JsonSchema;
  const problems = structuralProblems(result);
  if (problems.length > 0) throw new Error(`not a structural schema:\n${problems.join('\n')}`);
  return result;
}

/**
 * Where a schema breaks Kubernetes' structural rules: `$ref`, unions, `additionalProperties` beside
 * `properties`, or a node without a type that does not preserve unknown fields.
 */
export function structuralProblems(node: JsonSchema, path = '$'): string[] {
  const problems: string[] = [];
  if ('$ref' in node || '$defs' in node || 'definitions' in node)
    problems.push(`${path}: $ref is not allowed`);
  if (node.anyOf || node.oneOf || node.allOf) {
    problems.push(`${path}: a union cannot be typed structurally; mark it with ${preserveUnknownFields}`);
  }
  if (node.properties && node.additionalProperties !== undefined) {
    problems.push(`${path}: additionalProperties beside properties`);
  }
  if (node.type === undefined && node[preserveUnknownFields] !== true) problems.push(`${path}: no type`);
  for (const [name, child] of Object.entries(node.properties ?? {})) {
    problems.push(...structuralProblems(child, `${path}.${name}`));
  }
  if (node.items) problems.push(...structuralProblems(node.items, `${path}[]`));
  if (typeof node.additionalProperties === 'object') {
    problems.push(...structuralProblems(node.additionalProperties, `${path}{}`));
  }
  return problems;
}

export interface PrinterColumn {
  name: string;
  type: string;
  jsonPath: string;
  description?: string;
}

export interface CustomResourceDefinitionVersion {
  name: string;
  served: boolean;
  storage: boolean;
  subresources?: { status?: Record<string, never> };
  additionalPrinterColumns?: PrinterColumn[];
  schema: { openAPIV3Schema: JsonSchema };
}

export interface CustomResourceDefinition {
  apiVersion: 'apiextensions.k8s.io/v1';
  kind: 'CustomResourceDefinition';
  metadata: { name: string };
  spec: {
    group: string;
    names: { kind: string; listKind: string; plural: string; singular: string; shortNames?: string[] };
    scope: 'Namespaced' | 'Cluster';
    versions: CustomResourceDefinitionVersion[];
  };
}

/** The CustomResourceDefinition for a kind whose spec and status are described by zod schemas. */
export function customResourceDefinition(
  type: ResourceType,
  options: {
    spec: z.ZodType;
    status: z.ZodType;
    singular: string;
    shortNames?: string[];
    printerColumns?: PrinterColumn[];
  },
): CustomResourceDefinition {
  return {
    apiVersion: 'apiextensions.k8s.io/v1',
    kind: 'CustomResourceDefinition',
    metadata: { name: `${type.plural}.${type.group}` },
    spec: {
      group: type.group,
      names: {
        kind: type.kind,
        listKind: `${type.kind}List`,
        plural: type.plural,
        singular: options.singular,
        ...(options.shortNames ? { shortNames: options.shortNames } : {}),
      },
      scope: type.namespaced ? 'Namespaced' : 'Cluster',
      versions: [
        {
          name: type.version,
          served: true,
          storage: true,
          subresources: { status: {} },
          ...(options.printerColumns ? { additionalPrinterColumns: options.printerColumns } : {}),
          schema: {
            openAPIV3Schema: {
              type: 'object',
              properties: {
                apiVersion: { type: 'string' },
                kind: { type: 'string' },
                metadata: { type: 'object' },
                spec: structuralSchema(options.spec),
                status: structuralSchema(options.status),
              },
            },
          },
        },
      ],
    },
  };
}
