import { type DestinationStream, type Level, type Logger, pino } from 'pino';

/**
 * Lighthouse's one logger: pino JSON lines on stdout (or `destination`), written synchronously so none is
 * lost at a crash, ISO timestamps. A logged error's `type` is its `name`: the images' minified code does
 * not keep class names, which pino would take it from.
 */
export function createLogger(level: Level | 'silent' = 'info', destination?: DestinationStream): Logger {
  return pino(
    {
      name: 'lighthouse',
      level,
      timestamp: pino.stdTimeFunctions.isoTime,
      serializers: { err: serializeError },
    },
    destination ?? pino.destination({ dest: 1, sync: true }),
  );
}

function serializeError(error: unknown) {
  const serialized = pino.stdSerializers.err(error as Error);
  if (error instanceof Error) serialized.type = error.name;
  return serialized;
}
