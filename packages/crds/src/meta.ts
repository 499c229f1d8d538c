import * as z from 'zod';

/** RFC 3339 timestamps as the API server writes them (`2026-11-25T15:00:00Z`). */
export const Time = z.iso.datetime({ offset: true });

export const OwnerReference = z.looseObject({
  apiVersion: z.string(),
  kind: z.string(),
  name: z.string(),
  uid: z.string(),
  controller: z.boolean().optional(),
  blockOwnerDeletion: z.boolean().optional(),
});
export type OwnerReference = z.infer<typeof OwnerReference>;

/** The parts of ObjectMeta we use; anything else the server sends is kept as it is. */
export const ObjectMeta = z.looseObject({
  name: z.string().optional(),
  generateName: z.string().optional(),
  namespace: z.string().optional(),
  uid: z.string().optional(),
  resourceVersion: z.string().optional(),
  generation: z.number().int().optional(),
  creationTimestamp: Time.optional(),
  deletionTimestamp: Time.optional(),
  labels: z.record(z.string(), z.string()).optional(),
  annotations: z.record(z.string(), z.string()).optional(),
  ownerReferences: z.array(OwnerReference).optional(),
  finalizers: z.array(z.string()).optional(),
});
export type ObjectMeta = z.infer<typeof ObjectMeta>;

/** metav1.Condition as Knative/Tekton write it (`Succeeded`, with status True/False/Unknown). */
export const Condition = z.looseObject({
  type: z.string(),
  status: z.enum(['True', 'False', 'Unknown']),
  reason: z.string().optional(),
  message: z.string().optional(),
  lastTransitionTime: Time.optional(),
  severity: z.string().optional(),
});
export type Condition = z.infer<typeof Condition>;

/** Identifies one kind of resource for the API: group/version, kind and plural. */
export interface ResourceType {
  group: string;
  version: string;
  kind: string;
  plural: string;
  namespaced: boolean;
}

export function apiVersionOf(type: ResourceType): string {
  return type.group ? `${type.group}/${type.version}` : type.version;
}

/**
 * A schema for a whole object of `type`: `apiVersion` and `kind` are checked, metadata kept.
 * The same shape for every kind, so the kube package can handle them alike.
 */
export function resourceSchema<Spec extends z.ZodType, Status extends z.ZodType>(
  type: ResourceType,
  spec: Spec,
  status: Status,
) {
  return z.looseObject({
    apiVersion: z.literal(apiVersionOf(type)),
    kind: z.literal(type.kind),
    metadata: ObjectMeta,
    spec,
    status: status.optional(),
  });
}
