import { typedByName } from '@lighthouse-ts/http';
import { type DestinationStream, type Level, type Logger, pino } from 'pino';

/**
 * Lighthouse's one logger: pino JSON lines on stdout (or `destination`), written synchronously so none is
 * lost at a crash, ISO timestamps; a logged error's type is its `name`.
 */
export function createLogger(level: Level | 'silent' = 'info', destination?: DestinationStream): Logger {
  return pino(
    {
      name: 'lighthouse',
      level,
      timestamp: pino.stdTimeFunctions.isoTime,
      serializers: { err: (error) => typedByName(pino.stdSerializers.err(error), error) },
    },
    destination ?? pino.destination({ dest: 1, sync: true }),
  );
}
