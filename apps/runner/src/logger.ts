import { typedByName } from '@lighthouse-ts/http';
import { type Level, type Logger, pino } from 'pino';

/**
 * The runner's logger, for each of its commands: pino JSON lines on stdout, written synchronously so none
 * is lost at a crash, ISO timestamps; a logged error's type is its `name`.
 */
export function createLogger(level: Level | 'silent'): Logger {
  return pino(
    {
      name: 'runner',
      level,
      timestamp: pino.stdTimeFunctions.isoTime,
      serializers: { err: (error) => typedByName(pino.stdSerializers.err(error), error) },
    },
    pino.destination({ dest: 1, sync: true }),
  );
}
