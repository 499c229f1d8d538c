import * as z from 'zod';

/** A whole number from min to max, written in digits only ("2.5", "-1" and "1e3" are refused). */
export const integer = (min: number, max: number) =>
  z
    .string()
    .regex(/^\d+$/, 'must be a whole number')
    .transform(Number)
    .pipe(z.number().int().min(min).max(max));

/** true, false, 1, 0, yes or no: a flag that takes its value (`--status-sync=false`) or its variable's. */
export const boolean = z
  .enum(['true', 'false', '1', '0', 'yes', 'no'], 'must be true or false')
  .transform((value) => ['true', '1', 'yes'].includes(value));
