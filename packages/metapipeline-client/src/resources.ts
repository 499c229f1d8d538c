import * as z from 'zod';

const suffixes: Record<string, number> = {
  '': 1,
  m: 1e-3,
  k: 1e3,
  M: 1e6,
  G: 1e9,
  T: 1e12,
  P: 1e15,
  E: 1e18,
  Ki: 2 ** 10,
  Mi: 2 ** 20,
  Gi: 2 ** 30,
  Ti: 2 ** 40,
  Pi: 2 ** 50,
  Ei: 2 ** 60,
};
const quantityPattern = /^(\d+(?:\.\d+)?|\.\d+)(m|k|M|G|T|P|E|Ki|Mi|Gi|Ti|Pi|Ei)?$/;

/** A Kubernetes quantity in the forms people write: `100m`, `0.5`, `256Mi`, `1Gi`. */
export const Quantity = z
  .string()
  .regex(quantityPattern, 'a Kubernetes quantity such as 100m, 0.5, 256Mi or 1Gi')
  .refine((text) => quantityValue(text) > 0, 'more than zero');

/** The value of a quantity matching `Quantity`. */
function quantityValue(text: string): number {
  const [, number = '0', suffix = ''] = quantityPattern.exec(text) ?? [];
  return Number(number) * (suffixes[suffix] ?? Number.NaN);
}

const CpuMemory = z.strictObject({ cpu: Quantity.optional(), memory: Quantity.optional() });

/** A container's CPU and memory requests and limits (Tekton v1 `computeResources`). */
export const ComputeResources = z
  .strictObject({ requests: CpuMemory.optional(), limits: CpuMemory.optional() })
  .superRefine(({ requests = {}, limits = {} }, context) => {
    for (const resource of ['cpu', 'memory'] as const) {
      const request = requests[resource];
      const limit = limits[resource];
      if (request && limit && quantityValue(request) > quantityValue(limit)) {
        context.addIssue({
          code: 'custom',
          path: ['requests', resource],
          message: `${request} is more than its limit ${limit}`,
        });
      }
    }
  });
export type ComputeResources = z.infer<typeof ComputeResources>;

/**
 * What the meta step gets unless told otherwise: enough for node and git on a large repository, bounded in
 * memory so a hostile one cannot take the node's. No CPU limit: a request guarantees others their share, and
 * a limit would only throttle the clone.
 */
export const defaultMetaStepResources: ComputeResources = {
  requests: { cpu: '100m', memory: '256Mi' },
  limits: { memory: '1Gi' },
};
