import { mkdtemp, writeFile } from 'node:fs/promises';
import { Agent } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createKubeClient } from '@lighthouse-ts/kube';
import { rawRequest } from '@lighthouse-ts/testenv/http';
import { testCluster } from '@lighthouse-ts/testenv/vitest';
import { afterAll, describe, expect, it } from 'vitest';
import { delivery, octokitExample } from '../../../../packages/scm/test/payloads.ts';
import {
  killWebhookProcesses,
  startWebhookProcess,
  type WebhookProcess,
} from '../../test/webhook-process.ts';

const main = join(import.meta.dirname, '..', 'main.ts');
const secret = 'load-test-secret';

describe('two lighthouse processes sharing 1,000 deliveries, 20% of them repeated', () => {
  const processes: WebhookProcess[] = [];
  afterAll(async () => {
    await Promise.all(processes.map((p) => p.stop()));
    await killWebhookProcesses();
  });

  it('start exactly one pipeline per distinct (event, job), however often and under whatever id it comes', async () => {
    const cluster = await testCluster();
    const namespace = await cluster.createNamespace('load');
    const dir = await mkdtemp(join(tmpdir(), 'lighthouse-load-'));
    await writeFile(join(dir, 'hmac'), secret);
    await writeFile(
      join(dir, 'config.yaml'),
      'presubmits:\n  Codertocat/Hello-World:\n    - name: unit\n      always_run: true\n',
    );
    await writeFile(join(dir, 'plugins.yaml'), 'plugins:\n  Codertocat/Hello-World: [trigger]\n');
    const args = ['serve', '--port=0', '--host=127.0.0.1', `--config-file=${join(dir, 'config.yaml')}`]
      .concat([`--plugins-file=${join(dir, 'plugins.yaml')}`, `--namespace=${namespace}`])
      .concat(['--meta-step-image=runner:test']);
    const env = { LIGHTHOUSE_WEBHOOK_SECRET_FILE: join(dir, 'hmac'), KUBECONFIG: cluster.kubeconfigPath };
    processes.push(
      ...(await Promise.all([0, 1].map(() => startWebhookProcess(env, { script: main, args })))),
    );

    // 800 pull requests opened, and 200 repeats of some of them: half redelivered under the same id, half
    // replayed under a new one; shuffled, spread over both processes.
    const opened = JSON.parse(octokitExample('pull_request', 'opened').toString());
    const event = (pull: number) =>
      Buffer.from(
        JSON.stringify({ ...opened, number: pull, pull_request: { ...opened.pull_request, number: pull } }),
      );
    const distinct = Array.from({ length: 800 }, (_, i) => ({ deliveryId: `delivery-${i}`, pull: i + 1 }));
    const repeats = distinct
      .filter((_, i) => i % 4 === 0)
      .map((d, i) => (i % 2 === 0 ? d : { deliveryId: `replayed-${d.pull}`, pull: d.pull }));
    const ids = [...distinct, ...repeats];
    for (let i = ids.length - 1; i > 0; i--) {
      const j = Math.floor(Math.random() * (i + 1));
      [ids[i], ids[j]] = [ids[j] as (typeof ids)[number], ids[i] as (typeof ids)[number]];
    }
    const agents = processes.map(() => new Agent({ keepAlive: true, maxSockets: 20 }));
    const statuses = new Map<number, number>();
    let resets = 0;
    let next = 0;
    await Promise.all(
      Array.from({ length: 20 }, async () => {
        for (let i = next++; i < ids.length; i = next++) {
          const target = i % 2;
          const { deliveryId, pull } = ids[i] as (typeof ids)[number];
          const sent = delivery({ event: 'pull_request', deliveryId, body: event(pull), secret });
          const send = async () => {
            for (let attempt = 0; ; attempt++) {
              try {
                return await rawRequest(`${processes[target]?.url}/hook`, { ...sent, agent: agents[target] });
              } catch (error) {
                // A kept-alive connection the server closed as idle just as it was reused: send again.
                if ((error as NodeJS.ErrnoException).code !== 'ECONNRESET' || attempt === 3) throw error;
                resets++;
              }
            }
          };
          let res = await send();
          // A 503 is the provider's cue to redeliver; do as it would.
          for (let attempt = 0; res.status === 503 && attempt < 5; attempt++) res = await send();
          statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
        }
      }),
    );
    for (const agent of agents) agent.destroy();
    expect(Object.fromEntries(statuses)).toEqual({ 200: 1000 });
    // A reset must never have been a crash: both processes still serve.
    expect(processes.map((p) => p.child.exitCode)).toEqual([null, null]);
    expect(resets).toBeLessThan(20);

    const kube = createKubeClient({ config: { kubeconfig: cluster.kubeconfigPath } });
    try {
      const jobs = (await kube.lighthouseJobs.list(namespace)).items;
      const keys = jobs.map((j) => j.metadata.annotations?.['lighthouse-ts.dev/idempotency-key']);
      expect(new Set(keys).size).toBe(800);
      expect(jobs).toHaveLength(800);
      expect((await kube.pipelineRuns.list(namespace)).items).toHaveLength(800);
    } finally {
      await kube.close();
    }
  }, 600_000);
});
