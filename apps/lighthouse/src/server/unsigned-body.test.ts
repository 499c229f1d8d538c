import { connect } from 'node:net';
import { scopedSecrets } from '@lighthouse-ts/scm/webhooks';
import { rawRequest, readAll } from '@lighthouse-ts/testenv/http';
import { afterEach, expect, it, vi } from 'vitest';
import { serveInProcess } from '../../test/in-process.ts';

let served: Awaited<ReturnType<typeof serveInProcess>> | undefined;
afterEach(async () => {
  vi.restoreAllMocks();
  await served?.server.stop(1000);
});

it('refuses a 25 MiB unsigned body with 401 without ever parsing it, serving /healthz meanwhile', async () => {
  // Secrets by scope: before, the whole unsigned body was parsed to choose which secrets to check it with.
  served = await serveInProcess({
    secrets: () => scopedSecrets({ 'octo/rocket': ['rocket-secret'], octo: ['org-secret'], '*': ['shared'] }),
  });
  const parse = vi.spyOn(JSON, 'parse');
  const size = 25 * 1024 * 1024 - 1024;
  const head = '{"repository":{"name":"rocket","owner":{"login":"octo"}},"padding":"';
  const body = Buffer.alloc(size, 'x');
  body.write(head);
  body.write('"}', size - 2);

  const { port } = new URL(served.url);
  const socket = connect(Number(port), '127.0.0.1');
  const answer = readAll(socket);
  socket.write(
    [
      'POST /hook HTTP/1.1',
      'host: 127.0.0.1',
      'content-type: application/json',
      `content-length: ${size}`,
      'x-github-event: push',
      'x-github-delivery: unsigned-25mib',
      `x-hub-signature-256: sha256=${'0'.repeat(64)}`,
      'connection: close',
      '',
      '',
    ].join('\r\n'),
  );
  // All but the last byte: the server holds a 25 MiB upload, and still answers its probe.
  await new Promise<void>((resolve) => socket.write(body.subarray(0, size - 1), () => resolve()));
  expect((await rawRequest(`${served.url}/healthz`)).status).toBe(200);
  socket.end(body.subarray(size - 1));

  const response = await answer;
  expect(response).toMatch(/^HTTP\/1\.1 401 /);
  expect(response).toContain('X-Hub-Signature-256 does not match the body for any configured secret');
  // How we know it was never parsed: no JSON.parse in this process saw anything near the body's size.
  const parsedSizes = parse.mock.calls.map(([text]) => String(text).length);
  expect(parsedSizes.filter((length) => length > 1024 * 1024)).toEqual([]);
  expect(served.calls).toEqual([]);
});
