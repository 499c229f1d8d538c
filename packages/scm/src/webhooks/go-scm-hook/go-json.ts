import * as z from 'zod';
import { zeroTime } from './model.ts';

// Go's encoding/json reads a missing field or null as the zero value and fails on a wrong type;
// these read a provider's payload the same way go-scm's drivers do.

export const goString = z
  .string()
  .nullish()
  .transform((value) => value ?? '');

export const goInt = z
  .number()
  .int()
  .nullish()
  .transform((value) => value ?? 0);

export const goBool = z
  .boolean()
  .nullish()
  .transform((value) => value ?? false);

/** A time.Time field of an RFC 3339 string, which Go writes back as it read it. */
export const goTime = z
  .string()
  .nullish()
  .transform((value) => value ?? zeroTime);

/** A []string field: nil (null) when missing. */
export const goStrings = z
  .array(z.string())
  .nullish()
  .transform((value) => value ?? null);

/** A struct field (not a pointer): its zero value when missing or null. */
export function goStruct<Shape extends z.ZodRawShape>(shape: Shape) {
  const schema = z.object(shape);
  return schema.nullish().transform((value) => value ?? schema.parse({}));
}

/** A slice field: nil (null) when missing. */
export const goSlice = <Item extends z.ZodType>(item: Item) =>
  z
    .array(item)
    .nullish()
    .transform((value) => value ?? null);
