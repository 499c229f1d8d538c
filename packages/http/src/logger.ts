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
