import { spawn } from 'node:child_process';
import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { describe, expect, it } from 'vitest';
import { apiRequest } from './api.ts';

const cli = join(import.meta.dirname, 'cli.ts');

describe('lighthouse-testenv start', () => {
  it('prints KUBECONFIG once the cluster is ready, and stops everything on SIGTERM', async () => {
    const kubeconfig = join(await mkdtemp(join(tmpdir(), 'testenv-cli-')), 'kubeconfig');
    const child = spawn(
      process.execPath,
      ['--conditions=@lighthouse-ts/source', cli, 'start', '--kubeconfig', kubeconfig],
      {
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    const line = await new Promise<string>((resolve) =>
      createInterface({ input: child.stdout }).once('line', (first) => resolve(first)),
    );
    expect(line).toBe(`KUBECONFIG=${kubeconfig}`);

    const config = JSON.parse(await readFile(kubeconfig, 'utf8'));
    const credentials = {
      server: config.clusters[0].cluster.server as string,
      ca: Buffer.from(config.clusters[0].cluster['certificate-authority-data'], 'base64'),
      cert: Buffer.from(config.users[0].user['client-certificate-data'], 'base64'),
      key: Buffer.from(config.users[0].user['client-key-data'], 'base64'),
    };
    expect((await apiRequest(credentials, 'GET', '/readyz')).status).toBe(200);

    child.kill('SIGTERM');
    expect(await exited).toBe(0);
    await expect(apiRequest(credentials, 'GET', '/readyz')).rejects.toThrow(/ECONNREFUSED/);
  }, 180_000);
});
