import { type DestinationStream, type Level, type Logger, pino } from 'pino';

/** Lighthouse's one logger: pino JSON lines on stdout (or `destination`), ISO timestamps. */
export function createLogger(level: Level | 'silent' = 'info', destination?: DestinationStream): Logger {
  return pino(
    { name: 'lighthouse', level, timestamp: pino.stdTimeFunctions.isoTime },
    destination ?? pino.destination({ dest: 1, sync: true }),
  );
}
