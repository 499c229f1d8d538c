/** One log method: fields and a message, or a message alone (pino's order). */
export interface LogMethod {
  (fields: Record<string, unknown>, message: string): void;
  (message: string): void;
}

/**
 * What this package logs through: the part of a pino logger it uses, so the apps pass theirs while this
 * package depends on no logging library.
 */
export interface HttpLogger {
  info: LogMethod;
  warn: LogMethod;
  error: LogMethod;
}

/** What pino's error serializer makes of an error, as far as its type goes. */
interface SerializedError {
  type?: unknown;
  aggregateErrors?: unknown;
}

/**
 * Names a serialized error's type, and those of the errors it aggregates, by their `name`. pino's
 * serializer takes a class's name, which the images' minified code does not keep: for the apps' loggers,
 * `err: (error) => typedByName(pino.stdSerializers.err(error), error)`.
 */
export function typedByName<T>(serialized: T, error: unknown): T {
  if (!(error instanceof Error) || typeof serialized !== 'object' || serialized === null) return serialized;
  const named = serialized as SerializedError;
  named.type = error.name;
  const { errors } = error as { errors?: unknown };
  if (Array.isArray(errors) && Array.isArray(named.aggregateErrors)) {
    for (const [index, each] of named.aggregateErrors.entries()) typedByName(each, errors[index]);
  }
  return serialized;
}
