import { execFile } from 'node:child_process';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { promisify } from 'node:util';
import { labels } from '@lighthouse-ts/crds';
import { createKubeClient, type KubeClient } from '@lighthouse-ts/kube';
import type { TestCluster } from '@lighthouse-ts/testenv';
import { rawRequest, sample } from '@lighthouse-ts/testenv/http';
import { testCluster } from '@lighthouse-ts/testenv/vitest';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { delivery, octokitExample, octokitExamples } from '../../../../packages/scm/test/payloads.ts';
import {
  killWebhookProcesses,
  startWebhookProcess,
  type WebhookProcess,
} from '../../test/webhook-process.ts';

const main = join(import.meta.dirname, '..', 'main.ts');
const secret = 'serve-test-secret';
// Generous: the machine is shared, and the sync backs off between tries.
const eventually = { timeout: 60_000, interval: 200 };
// The repository of @octokit/webhooks-examples' pull_request and push payloads.
const config = `
presubmits:
  Codertocat/Hello-World:
    - name: unit
      context: unit
      always_run: true
postsubmits:
  Codertocat/Hello-World:
    - name: release
      branches: [master]
`;
// Invalid: a presubmit cannot both always run and run only when some files change.
const brokenConfig = config.replace('always_run: true', "always_run: true\n      run_if_changed: '^src/'");
const plugins = `
plugins:
  Codertocat/Hello-World: [trigger]
`;

async function files(dir: string, configText = config) {
  const paths = {
    secret: join(dir, 'hmac'),
    config: join(dir, 'config.yaml'),
    plugins: join(dir, 'plugins.yaml'),
  };
  await writeFile(paths.secret, `${secret}\n`);
  await writeFile(paths.config, configText);
  await writeFile(paths.plugins, plugins);
  return paths;
}

describe('lighthouse serve, embedded, on the real test cluster', () => {
  let cluster: TestCluster;
  let kube: KubeClient;
  let namespace: string;
  let lighthouse: WebhookProcess;
  let paths: Awaited<ReturnType<typeof files>>;

  beforeAll(async () => {
    cluster = await testCluster();
    kube = createKubeClient({ config: { kubeconfig: cluster.kubeconfigPath } });
    namespace = await cluster.createNamespace('serve');
    paths = await files(await mkdtemp(join(tmpdir(), 'lighthouse-serve-')));
    lighthouse = await startWebhookProcess(
      { LIGHTHOUSE_WEBHOOK_SECRET_FILE: paths.secret, KUBECONFIG: cluster.kubeconfigPath },
      {
        script: main,
        args: [
          'serve',
          '--port=0',
          '--host=127.0.0.1',
          `--config-file=${paths.config}`,
          `--plugins-file=${paths.plugins}`,
        ].concat([`--namespace=${namespace}`, '--meta-step-image=runner:test']),
      },
    );
  });
  afterAll(async () => {
    await lighthouse?.stop();
    await killWebhookProcesses();
    await kube?.close();
  });

  /** An octokit example of a pull request event, on pull request `number` (another event than #2's). */
  const pullRequest = (action: string, number: number) => {
    const example = JSON.parse(octokitExample('pull_request', action).toString());
    return Buffer.from(
      JSON.stringify({ ...example, number, pull_request: { ...example.pull_request, number } }),
    );
  };

  it('starts the presubmits a trusted pull request asks for, once per event', async () => {
    const body = octokitExample('pull_request', 'opened');
    const sent = delivery({ event: 'pull_request', deliveryId: 'pr-opened-1', body, secret });
    const first = await rawRequest(`${lighthouse.url}/hook`, sent);
    expect(first.status).toBe(200);
    expect(first.json()).toMatchObject({ started: ['unit'] });
    const again = await rawRequest(`${lighthouse.url}/hook`, sent);
    expect(again.status).toBe(200);
    expect(again.text).toContain('duplicate');

    const jobs = (await kube.lighthouseJobs.list(namespace)).items;
    expect(jobs).toHaveLength(1);
    expect(jobs[0]?.metadata.labels).toMatchObject({
      [labels.job]: 'unit',
      [labels.branch]: 'PR-2',
      [labels.type]: 'presubmit',
    });
    expect(jobs[0]?.metadata.annotations?.['lighthouse-ts.dev/idempotency-key']).toMatch(
      /^github\/Codertocat\/Hello-World\/pull\/2\/opened\/[0-9a-f]{40}\/unit$/,
    );
    expect((await kube.pipelineRuns.list(namespace)).items).toHaveLength(1);
  });

  it('cancels the running pipelines a new push to the pull request supersedes', async () => {
    const before = (await kube.lighthouseJobs.list(namespace, { labelSelector: `${labels.branch}=PR-2` }))
      .items;
    const body = octokitExample('pull_request', 'synchronize');
    const res = await rawRequest(
      `${lighthouse.url}/hook`,
      delivery({ event: 'pull_request', deliveryId: 'pr-sync-1', body, secret }),
    );
    expect(res.json()).toMatchObject({ started: ['unit'] });
    const after = (await kube.lighthouseJobs.list(namespace, { labelSelector: `${labels.branch}=PR-2` }))
      .items;
    const states = Object.fromEntries(after.map((j) => [j.metadata.name, j.status?.state]));
    for (const old of before) expect(states[old.metadata.name ?? '']).toBe('aborted');
    // The new job's status is the status sync's to set; it is not aborted, whatever it says yet.
    expect(Object.values(states).filter((state) => state !== 'aborted')).toHaveLength(1);
    const cancelled = await kube.pipelineRuns.get(namespace, before[0]?.metadata.name ?? '');
    expect(cancelled.spec.status).toBe('Cancelled');
  });

  it('starts the postsubmits of a pushed branch', async () => {
    const push = octokitExamples('push').find((e) => e.ref === 'refs/heads/master' && !e.deleted);
    const body = Buffer.from(JSON.stringify(push));
    const sent = delivery({ event: 'push', deliveryId: 'push-1', body, secret });
    const res = await rawRequest(`${lighthouse.url}/hook`, sent);
    expect(res.status).toBe(200);
    expect(res.json()).toMatchObject({ started: ['release'] });
    const jobs = (await kube.lighthouseJobs.list(namespace, { labelSelector: `${labels.type}=postsubmit` }))
      .items;
    expect(jobs.map((j) => [j.spec.job, j.metadata.labels?.[labels.branch]])).toEqual([
      ['release', 'master'],
    ]);
  });

  it("keeps a job's status in step with its meta PipelineRun: the status sync runs in-process", async () => {
    const body = octokitExample('pull_request', 'reopened');
    const res = await rawRequest(
      `${lighthouse.url}/hook`,
      delivery({ event: 'pull_request', deliveryId: 'pr-reopened-sync', body, secret }),
    );
    expect(res.json()).toMatchObject({ started: ['unit'] });
    const job = (await kube.lighthouseJobs.list(namespace)).items.find((j) =>
      j.metadata.annotations?.['lighthouse-ts.dev/idempotency-key']?.includes('/pull/2/reopened/'),
    );
    const name = job?.metadata.name ?? '';
    // What Tekton writes when the meta step fails: the merge conflict the step reported.
    const now = new Date().toISOString().replace(/\.\d+Z$/, 'Z');
    await kube.pipelineRuns.patchStatus(namespace, name, {
      status: {
        startTime: now,
        completionTime: now,
        conditions: [
          {
            type: 'Succeeded',
            status: 'False',
            reason: 'Failed',
            message: 'pull request #2 does not merge cleanly',
            lastTransitionTime: now,
          },
        ],
      },
    });
    for (let i = 0; i < 300; i++) {
      const state = (await kube.lighthouseJobs.get(namespace, name)).status?.state;
      if (state !== undefined && state !== 'pending') break;
      await sleep(100);
    }
    const synced = await kube.lighthouseJobs.get(namespace, name);
    expect(synced.status).toMatchObject({
      state: 'failure',
      description: 'pull request #2 does not merge cleanly',
    });
  });

  it('replays a payload to it, signed; and on a dry run says what would run without starting it', async () => {
    const payload = join(await mkdtemp(join(tmpdir(), 'replay-')), 'pr.json');
    await writeFile(payload, pullRequest('opened', 3));
    const replay = (args: string[]) =>
      promisify(execFile)(
        process.execPath,
        ['--conditions=@lighthouse-ts/source', main, 'replay', payload, ...args],
        {
          env: { PATH: process.env.PATH ?? '', LIGHTHOUSE_WEBHOOK_SECRET_FILE: paths.secret },
        },
      );
    const before = (await kube.lighthouseJobs.list(namespace)).items.length;
    const dry = await replay([
      '--event=pull_request',
      '--dry-run',
      `--config-file=${paths.config}`,
      `--plugins-file=${paths.plugins}`,
    ]);
    expect(dry.stdout).toContain('would start unit');
    expect((await kube.lighthouseJobs.list(namespace)).items).toHaveLength(before);

    const sent = await replay(['--event=pull_request', `--url=${lighthouse.url}/hook`]);
    expect(sent.stdout).toMatch(/^200 .*"started":\["unit"\]/);
    expect((await kube.lighthouseJobs.list(namespace)).items).toHaveLength(before + 1);
  });

  it('keeps serving the last good config when a broken one is written, and counts the failure', async () => {
    await writeFile(paths.config, brokenConfig);
    await lighthouse.waitForLog(
      (line) => String(line.msg).startsWith('configuration refused'),
      'a refused reload',
    );
    const res = await rawRequest(
      `${lighthouse.url}/hook`,
      delivery({ event: 'pull_request', deliveryId: 'pr-opened-4', body: pullRequest('opened', 4), secret }),
    );
    expect(res.json()).toMatchObject({ started: ['unit'] });
    const metrics = await rawRequest(`${lighthouse.url}/metrics`);
    expect(sample(metrics.text, 'lighthouse_config_reload_failures_total')).toBe(1);
    const unitJobs = (await kube.lighthouseJobs.list(namespace, { labelSelector: `${labels.job}=unit` }))
      .items;
    expect(
      sample(metrics.text, 'lighthouse_jobs_started_total', { repo: 'Codertocat/Hello-World', job: 'unit' }),
    ).toBe(unitJobs.length);
  });
});

describe('lighthouse serve, embedded, is ready only when Kubernetes lets it work', () => {
  it('is not ready while RBAC refuses its lists, saying why, and ready once granted', async () => {
    const cluster = await testCluster();
    const namespace = await cluster.createNamespace('serve-ready');
    const user = `lighthouse-ready-${process.pid}`;
    const paths = await files(await mkdtemp(join(tmpdir(), 'lighthouse-ready-')));
    const lighthouse = await startWebhookProcess(
      { LIGHTHOUSE_WEBHOOK_SECRET_FILE: paths.secret, KUBECONFIG: await cluster.userKubeconfig(user) },
      {
        script: main,
        args: ['serve', '--port=0', '--host=127.0.0.1', `--config-file=${paths.config}`].concat([
          `--plugins-file=${paths.plugins}`,
          `--namespace=${namespace}`,
          '--meta-step-image=x',
        ]),
      },
    );
    try {
      // Alive, but not ready: the status sync cannot list its resources yet.
      expect((await rawRequest(`${lighthouse.url}/healthz`)).status).toBe(200);
      await vi.waitFor(async () => {
        const ready = await rawRequest(`${lighthouse.url}/readyz`);
        expect(ready.status).toBe(503);
        expect(ready.json().detail).toMatch(/^not ready: the status sync cannot list \w+s yet: .*forbidden/i);
      }, eventually);

      const rbac = `/apis/rbac.authorization.k8s.io/v1/namespaces/${namespace}`;
      await cluster.request('POST', `${rbac}/roles`, {
        apiVersion: 'rbac.authorization.k8s.io/v1',
        kind: 'Role',
        metadata: { name: 'lighthouse' },
        rules: [
          {
            apiGroups: ['lighthouse.jenkins.io', 'tekton.dev'],
            resources: ['*'],
            verbs: ['get', 'list', 'watch', 'create', 'update', 'patch'],
          },
        ],
      });
      await cluster.request('POST', `${rbac}/rolebindings`, {
        apiVersion: 'rbac.authorization.k8s.io/v1',
        kind: 'RoleBinding',
        metadata: { name: 'lighthouse' },
        roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'lighthouse' },
        subjects: [{ apiGroup: 'rbac.authorization.k8s.io', kind: 'User', name: user }],
      });
      await vi.waitFor(async () => {
        expect((await rawRequest(`${lighthouse.url}/readyz`)).status).toBe(200);
      }, eventually);
    } finally {
      await lighthouse.stop();
    }
  }, 120_000);
});

describe('lighthouse serve refuses to start', () => {
  const run = (args: string[], env: Record<string, string> = {}) =>
    promisify(execFile)(process.execPath, ['--conditions=@lighthouse-ts/source', main, ...args], {
      env: { PATH: process.env.PATH ?? '', ...env },
    }).then(
      () => ({ code: 0, stderr: '' }),
      (error: { code: number; stderr: string }) => ({ code: error.code, stderr: error.stderr }),
    );

  it('with a config error, naming the file, the place and the reason', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'lighthouse-bad-'));
    const bad = await files(dir, brokenConfig);
    const result = await run(
      ['serve', `--config-file=${bad.config}`, `--plugins-file=${bad.plugins}`, '--meta-step-image=x'],
      {
        LIGHTHOUSE_WEBHOOK_SECRET_FILE: bad.secret,
      },
    );
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/config\.yaml.*presubmits\.Codertocat\/Hello-World\[0\]/);
  });

  it('with a job in another namespace than --namespace, whose runs it would not follow', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'lighthouse-bad-'));
    const elsewhere = await files(
      dir,
      config.replace('context: unit', 'context: unit\n      namespace: other'),
    );
    const result = await run(
      ['serve', `--config-file=${elsewhere.config}`, `--plugins-file=${elsewhere.plugins}`].concat([
        '--namespace=jx',
        '--meta-step-image=x',
      ]),
      { LIGHTHOUSE_WEBHOOK_SECRET_FILE: elsewhere.secret },
    );
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(
      /presubmits\.Codertocat\/Hello-World\[0\]\.namespace \(line \d+\): job unit runs in other, but jobs run and are followed in jx only/,
    );
  });

  it('without a webhook secret, and with settings that do not fit together', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'lighthouse-bad-'));
    const ok = await files(dir);
    const missing = await run([
      'serve',
      `--config-file=${ok.config}`,
      `--plugins-file=${ok.plugins}`,
      '--meta-step-image=x',
    ]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain(
      '--webhook-secret-file (LIGHTHOUSE_WEBHOOK_SECRET_FILE): or --webhook-secrets-file is required',
    );
    const scoped = join(dir, 'secrets.yaml');
    await writeFile(scoped, 'acme/rocket: []\n');
    const badScoped = await run(
      ['serve', `--config-file=${ok.config}`, `--plugins-file=${ok.plugins}`, '--meta-step-image=x'],
      { LIGHTHOUSE_WEBHOOK_SECRETS_FILE: scoped },
    );
    expect(badScoped.code).toBe(2);
    expect(badScoped.stderr).toContain(
      `${scoped}: acme/rocket: lists at least one secret; refusing to start`,
    );
    await writeFile(ok.secret, '\n');
    const empty = await run(
      ['serve', `--config-file=${ok.config}`, `--plugins-file=${ok.plugins}`, '--meta-step-image=x'],
      {
        LIGHTHOUSE_WEBHOOK_SECRET_FILE: ok.secret,
      },
    );
    expect(empty.code).toBe(2);
    expect(empty.stderr).toContain('no webhook secret');
    const remote = await run(
      ['serve', '--metapipeline=remote', `--config-file=${ok.config}`, `--plugins-file=${ok.plugins}`],
      { LIGHTHOUSE_WEBHOOK_SECRET_FILE: ok.secret },
    );
    expect(remote.stderr).toContain('--runner-url (LIGHTHOUSE_RUNNER_URL): is required in remote mode');
  });

  it('exits 2 on a runner URL it cannot call or a token file it cannot use, naming the flag and its variable', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'lighthouse-tokens-'));
    const ok = await files(dir);
    const token = join(dir, 'token');
    const empty = join(dir, 'empty');
    const spaced = join(dir, 'spaced');
    const missing = join(dir, 'missing');
    await writeFile(token, 'a-token\n');
    await writeFile(empty, ' \n');
    await writeFile(spaced, 'two words\n');
    const remote = [
      'serve',
      `--config-file=${ok.config}`,
      `--plugins-file=${ok.plugins}`,
      '--metapipeline=remote',
      '--runner-url=http://127.0.0.1:9',
    ];
    const env = { LIGHTHOUSE_WEBHOOK_SECRET_FILE: ok.secret, LIGHTHOUSE_RUNNER_TOKEN_FILE: token };
    const cases: [string[], Record<string, string>, string][] = [
      [
        ['--runner-url=runner:8080'],
        {},
        '--runner-url (LIGHTHOUSE_RUNNER_URL): must be an http or https URL, got "runner:8080"',
      ],
      [
        [`--runner-token-file=${missing}`],
        {},
        `--runner-token-file (LIGHTHOUSE_RUNNER_TOKEN_FILE): cannot read the runner token file ${missing}: ENOENT`,
      ],
      [
        [],
        { LIGHTHOUSE_RUNNER_TOKEN_FILE: empty },
        `--runner-token-file (LIGHTHOUSE_RUNNER_TOKEN_FILE): the runner token file ${empty} is empty`,
      ],
      [
        [`--github-token-file=${missing}`],
        {},
        `--github-token-file (LIGHTHOUSE_GITHUB_TOKEN_FILE): cannot read the token file ${missing}: ENOENT`,
      ],
      [
        [],
        { LIGHTHOUSE_GITLAB_TOKEN_FILE: empty },
        `--gitlab-token-file (LIGHTHOUSE_GITLAB_TOKEN_FILE): the token file ${empty} is empty`,
      ],
      [
        [`--gitea-token-file=${dir}`, '--gitea-api-url=https://gitea.example/api/v1'],
        {},
        `--gitea-token-file (LIGHTHOUSE_GITEA_TOKEN_FILE): cannot read the token file ${dir}: EISDIR`,
      ],
      [
        [`--bitbucketserver-token-file=${spaced}`, '--bitbucketserver-api-url=https://bitbucket.example'],
        {},
        `--bitbucketserver-token-file (LIGHTHOUSE_BITBUCKETSERVER_TOKEN_FILE): the token file ${spaced} holds whitespace inside the token`,
      ],
    ];
    const results = await Promise.all(
      cases.map(([args, more]) => run([...remote, ...args], { ...env, ...more })),
    );
    for (const [i, [args, , message]] of cases.entries()) {
      const result = results[i];
      expect(result?.code, args.join(' ')).toBe(2);
      expect(result?.stderr).toContain(`lighthouse: invalid settings:\n  ${message}\n`);
      // What a file holds is never shown, and nothing crashed.
      expect(result?.stderr).not.toContain('two words');
      expect(result?.stderr).not.toContain('    at ');
    }
  });
});
