// Test fixture: serveUntilSignal in a process of its own, with the test listener, logging JSON lines.
import { ListenError, serveUntilSignal } from '../src/index.ts';
import { testListener, testLogger } from './listener.ts';

const logger = testLogger((line) => process.stdout.write(line));
try {
  await serveUntilSignal({
    handler: testListener(logger),
    logger,
    host: '127.0.0.1',
    port: Number(process.env.FIXTURE_PORT ?? '0'),
    graceMs: Number(process.env.FIXTURE_GRACE_MS ?? '10000'),
    listening: { fixture: true },
    release: async () => logger.info('released'),
  });
} catch (error) {
  if (!(error instanceof ListenError)) throw error;
  process.stderr.write(`${error.message}\n`);
  process.exitCode = 1;
}
