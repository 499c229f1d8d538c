import { ObjectMeta, type ResourceType, Time } from '@lighthouse-ts/crds';
import * as z from 'zod';

export const leaseType: ResourceType = {
  group: 'coordination.k8s.io',
  version: 'v1',
  kind: 'Lease',
  plural: 'leases',
  namespaced: true,
};

/** The fields leader election uses (client-go's LeaderElectionRecord); anything else is kept as it is. */
export const LeaseSpec = z.looseObject({
  /** Who holds the lease; empty or absent when no one does. */
  holderIdentity: z.string().optional(),
  /** How long a candidate waits, by its own clock, without seeing the lease change before taking it. */
  leaseDurationSeconds: z.number().int().optional(),
  acquireTime: Time.optional(),
  renewTime: Time.optional(),
  /** How often the lease changed hands. */
  leaseTransitions: z.number().int().optional(),
});
export type LeaseSpec = z.infer<typeof LeaseSpec>;

/** A `coordination.k8s.io/v1` Lease: a core Kubernetes kind, so it lives here rather than in crds. */
export const Lease = z.looseObject({
  apiVersion: z.literal('coordination.k8s.io/v1'),
  kind: z.literal('Lease'),
  metadata: ObjectMeta,
  spec: LeaseSpec.optional(),
});
export type Lease = z.infer<typeof Lease>;

/** A MicroTime as the API server writes it: RFC 3339 with six fractional digits. */
export function microTime(epochMs: number): string {
  return new Date(epochMs).toISOString().replace('Z', '000Z');
}
