import { describe, expect, it } from 'vitest';
import { createLogger } from './logger.ts';

describe('createLogger', () => {
  it("types a logged error by its name, not its class, which the image's minified code renames; aggregated errors too", () => {
    class Renamed extends Error {
      override name = 'KubeConflictError';
    }
    class AlsoRenamed extends Error {
      override name = 'PipelineRejectedError';
    }
    const lines: string[] = [];
    const logger = createLogger('info', { write: (line: string) => lines.push(line) });
    logger.error({ err: new Renamed('the object was changed') }, 'failed');
    logger.error({ err: new TypeError('not a function') }, 'failed');
    logger.error(
      { err: new AggregateError([new AlsoRenamed('refused'), new Renamed('changed')], 'both failed') },
      'failed',
    );
    logger.error({ err: 'not an error' }, 'failed');
    expect(lines.map((line) => JSON.parse(line).err)).toEqual([
      expect.objectContaining({ type: 'KubeConflictError', message: 'the object was changed' }),
      expect.objectContaining({ type: 'TypeError', message: 'not a function' }),
      expect.objectContaining({
        type: 'AggregateError',
        aggregateErrors: [
          expect.objectContaining({ type: 'PipelineRejectedError', message: 'refused' }),
          expect.objectContaining({ type: 'KubeConflictError', message: 'changed' }),
        ],
      }),
      'not an error',
    ]);
  });
});
