// A delivery lighthouse accepted (202) but could not dispatch yet, because the runner was down, outlives
// lighthouse killed with SIGKILL: the next lighthouse started on the same --pending-dir creates its job,
// once. Remote mode: lighthouse holds no Kubernetes access, so the pending store is a directory.
import { mkdtemp, readdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { labels } from '@lighthouse-ts/crds';
import { createKubeClient } from '@lighthouse-ts/kube';
import { killApps, type ServingApp, startServingApp } from '@lighthouse-ts/testenv/app-process';
import { rawRequest } from '@lighthouse-ts/testenv/http';
import { testCluster } from '@lighthouse-ts/testenv/vitest';
import { afterAll, expect, it } from 'vitest';
import { delivery, octokitExample } from '../../packages/scm/test/payloads.ts';
import { lighthouseFiles } from '../bench/files.ts';

const lighthouseMain = join(import.meta.dirname, '../../apps/lighthouse/src/main.ts');
const runnerMain = join(import.meta.dirname, '../../apps/runner/src/main.ts');
const secret = 'restart-secret';

afterAll(killApps);

it('a delivery accepted while the runner is down survives lighthouse killed with SIGKILL: the next start creates its job, once', async () => {
  const cluster = await testCluster();
  const namespace = await cluster.createNamespace('restart');
  const { files, file } = await lighthouseFiles('restart-', secret);
  const tokenFile = await file('runner-token', 'runner-token\n');
  const pendingDir = await mkdtemp(join(tmpdir(), 'restart-pending-'));
  const startRunner = (port: number) =>
    startServingApp(
      runnerMain,
      [
        'serve',
        '--host=127.0.0.1',
        `--port=${port}`,
        `--namespace=${namespace}`,
        '--meta-step-image=runner:e2e',
      ],
      { RUNNER_TOKEN_FILE: tokenFile, KUBECONFIG: cluster.kubeconfigPath },
    );
  // A runner's port, then no runner on it: lighthouse's calls are refused until one starts there again.
  let runner: ServingApp = await startRunner(0);
  const { port } = runner;
  await runner.stop();
  const startLighthouse = () =>
    startServingApp(
      lighthouseMain,
      [
        'serve',
        '--host=127.0.0.1',
        '--port=0',
        `--namespace=${namespace}`,
        '--metapipeline=remote',
        '--budget-seconds=1',
        `--pending-dir=${pendingDir}`,
      ],
      { ...files, LIGHTHOUSE_RUNNER_URL: runner.url, LIGHTHOUSE_RUNNER_TOKEN_FILE: tokenFile },
    );
  const opened = octokitExample('pull_request', 'opened');
  const send = (lighthouse: ServingApp, deliveryId: string) =>
    rawRequest(
      `${lighthouse.url}/hook`,
      delivery({ event: 'pull_request', body: opened, deliveryId, secret }),
    );

  const first = await startLighthouse();
  const answer = await send(first, 'before-kill');
  expect(answer.status, answer.text).toBe(202);
  expect(answer.json()).toMatchObject({ status: 'accepted' });
  await first.waitForLog(
    (line) => line.msg === 'dispatch failed; trying again',
    'a retry while the runner is down',
  );
  first.child.kill('SIGKILL');
  await first.exited;
  expect(await readdir(pendingDir)).toHaveLength(1);

  runner = await startRunner(port);
  const next = await startLighthouse();
  const dispatched = await next.waitForLog((line) => line.msg === 'dispatched', 'the resumed dispatch');
  expect(dispatched).toMatchObject({ deliveryId: 'before-kill', resumed: true, started: ['unit'] });
  // The redelivery a person might send too starts nothing more.
  expect((await send(next, 'after-restart')).json()).toMatchObject({ status: 'duplicate' });

  const kube = createKubeClient({ config: { kubeconfig: cluster.kubeconfigPath } });
  const jobs = (await kube.lighthouseJobs.list(namespace)).items;
  await kube.close();
  expect(jobs.map((job) => [job.spec.job, job.metadata.labels?.[labels.branch]])).toEqual([['unit', 'PR-2']]);
  await next.stop();
  await runner.stop();
  expect(await readdir(pendingDir)).toEqual([]);
});
