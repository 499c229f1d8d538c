import { type Level, type Logger, pino } from 'pino';

/**
 * The runner's logger, for each of its commands: pino JSON lines on stdout, written synchronously so none
 * is lost at a crash, ISO timestamps. A logged error's `type` is its `name`: the image's minified code does
 * not keep class names, which pino would take it from.
 */
export function createLogger(level: Level | 'silent'): Logger {
  return pino(
    {
      name: 'runner',
      level,
      timestamp: pino.stdTimeFunctions.isoTime,
      serializers: { err: serializeError },
    },
    pino.destination({ dest: 1, sync: true }),
  );
}

function serializeError(error: unknown) {
  const serialized = pino.stdSerializers.err(error as Error);
  if (error instanceof Error) serialized.type = error.name;
  return serialized;
}
