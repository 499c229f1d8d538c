import { describe, expect, it } from 'vitest';
import { guarded, MetaPipelineError, NotFoundError, UnavailableError } from './errors.ts';

describe('guarded', () => {
  const client = guarded({
    bug: async () => {
      throw new TypeError("Cannot read properties of undefined (reading 'name')");
    },
    timeout: async () => {
      throw new DOMException('The operation was aborted due to timeout', 'TimeoutError');
    },
    missing: async () => {
      throw new NotFoundError('no such meta-pipeline');
    },
    fine: async (n: number) => n + 1,
  });

  it('turns anything unexpected into a MetaPipelineError that keeps its cause', async () => {
    const error = await client.bug().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(MetaPipelineError);
    expect(error).toMatchObject({ retryable: false, message: expect.stringContaining('reading') });
    expect((error as Error).cause).toBeInstanceOf(TypeError);
  });

  it('turns an abort or a timeout into a retryable UnavailableError', async () => {
    await expect(client.timeout()).rejects.toBeInstanceOf(UnavailableError);
  });

  it("passes the interface's own errors and results through", async () => {
    await expect(client.missing()).rejects.toBeInstanceOf(NotFoundError);
    expect(await client.fine(1)).toBe(2);
  });
});
