import { describe, expect, it } from 'vitest';
import { createLogger } from './logger.ts';

describe('createLogger', () => {
  it("names a logged error's type by the error's name, not its class, which the image's minified code renames", () => {
    class Renamed extends Error {
      override name = 'KubeConflictError';
    }
    const lines: string[] = [];
    const logger = createLogger('info', { write: (line: string) => lines.push(line) });
    logger.error({ err: new Renamed('the object was changed') }, 'failed');
    logger.error({ err: new TypeError('not a function') }, 'failed');
    logger.error({ err: 'not an error' }, 'failed');
    expect(lines.map((line) => JSON.parse(line).err)).toEqual([
      expect.objectContaining({ type: 'KubeConflictError', message: 'the object was changed' }),
      expect.objectContaining({ type: 'TypeError', message: 'not a function' }),
      'not an error',
    ]);
  });
});
