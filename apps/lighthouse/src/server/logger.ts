import { type DestinationStream, type Level, type Logger, pino } from 'pino';

/**
 * Lighthouse's one logger: pino JSON lines on stdout (or `destination`), ISO timestamps. Written as the
 * event loop gets to them, so lines logged while a write is under way go out together in the next one (a
 * write per line was a fifth of what a delivery cost); pino writes what is left when the process exits.
 */
export function createLogger(level: Level | 'silent' = 'info', destination?: DestinationStream): Logger {
  return pino(
    { name: 'lighthouse', level, timestamp: pino.stdTimeFunctions.isoTime },
    destination ?? pino.destination({ dest: 1, sync: false }),
  );
}
