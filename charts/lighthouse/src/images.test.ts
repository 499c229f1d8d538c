// What the images hold, run for real: `pnpm image-layout` builds the files a Dockerfile copies into /app,
// and each app runs from them against the test cluster, as the chart's ServiceAccount would (a client
// certificate for its user name, under the chart's own Roles), installed as the README says: jobs in a
// namespace of their own.
import { execFile } from 'node:child_process';
import { once } from 'node:events';
import { copyFile, mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { spawnApp, startServingApp } from '@lighthouse-ts/testenv/app-process';
import { testCluster } from '@lighthouse-ts/testenv/vitest';
import { afterEach, beforeAll, describe, expect, inject, it } from 'vitest';
import { helmTemplate } from './helm.ts';
import { apply } from './kube.ts';

const run = promisify(execFile);
const root = join(import.meta.dirname, '../../..');
const helm = inject('helm');
const metaStepImage = 'ghcr.io/lighthouse-ts/runner:image-test';
/** Not the apps' default, so the tests prove the variables the chart sets are the ones the apps read. */
const metaStepServiceAccount = 'test-meta-step';

const layouts = { lighthouse: '', lighthouseRemote: '', runner: '' };
const main = (layout: string) => join(layout, 'main.mjs');

async function buildLayout(app: string, variant?: string): Promise<string> {
  const out = await mkdtemp(join(tmpdir(), `image-${app}-`));
  await run(
    process.execPath,
    [join(root, 'scripts/image-layout.ts'), app, ...(variant ? ['--variant', variant] : []), '--out', out],
    { cwd: root },
  );
  return out;
}

async function filesOf(dir: string): Promise<string[]> {
  return (await readdir(dir, { recursive: true, withFileTypes: true }))
    .filter((entry) => entry.isFile())
    .map((entry) => join(entry.parentPath, entry.name));
}

async function mentions(dir: string, text: string): Promise<boolean> {
  for (const file of await filesOf(dir)) if ((await readFile(file, 'utf8')).includes(text)) return true;
  return false;
}

beforeAll(async () => {
  [layouts.lighthouse, layouts.lighthouseRemote, layouts.runner] = await Promise.all([
    buildLayout('lighthouse', 'embedded'),
    buildLayout('lighthouse', 'remote'),
    buildLayout('runner'),
  ]);
});

const stops: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  await Promise.all(stops.splice(0).map((stop) => stop()));
});

describe('the image layouts', () => {
  it.each(Object.keys(layouts) as (keyof typeof layouts)[])(
    '%s holds its bundle only: JavaScript modules, their source maps and compiled code, no node_modules, no sources, no tests',
    async (name) => {
      const files = await filesOf(layouts[name]);
      expect(files).toContain(main(layouts[name]));
      const compiled = files.filter((file) => file.startsWith(join(layouts[name], 'compile-cache/')));
      expect(compiled.length).toBeGreaterThan(0);
      expect(files.filter((file) => !/\.mjs(\.map)?$/.test(file) && !compiled.includes(file))).toEqual([]);
      expect(files.filter((file) => /node_modules|\.test\.|\.ts$/.test(file))).toEqual([]);
    },
  );

  it('lighthouse remote-only does not contain @kubernetes/client-node, which lighthouse embedded and the runner do', async () => {
    expect(await mentions(layouts.lighthouseRemote, '@kubernetes/client-node')).toBe(false);
    expect(await mentions(layouts.lighthouse, '@kubernetes/client-node')).toBe(true);
    expect(await mentions(layouts.runner, '@kubernetes/client-node')).toBe(true);
  });

  it("holds no undici: client-node's fetch helpers are left out, @lighthouse-ts/kube sends through node:http", async () => {
    // The source maps name every module bundled, by its path.
    expect(await mentions(layouts.runner, 'node_modules/@kubernetes/client-node/src/config.ts')).toBe(true);
    for (const layout of Object.values(layouts))
      expect(await mentions(layout, 'node_modules/undici/')).toBe(false);
  });

  it.each([
    ['lighthouse', 'lighthouse serve'],
    ['lighthouseRemote', 'lighthouse serve'],
    ['runner', 'runner serve'],
  ] as const)('%s answers --help from the layout', async (name, usage) => {
    const { stdout } = await run(process.execPath, [main(layouts[name]), '--help']);
    expect(stdout).toContain(usage);
  });

  it.each([
    ['lighthouse', 'embedded'],
    ['lighthouse', 'remote'],
    ['runner', undefined],
  ] as const)(
    '%s (%s) starts from the compiled code built into its layout, compiling none of its modules again',
    async (app, variant) => {
      // A layout no start has written to yet: Node adds what it compiled to the cache when a process exits.
      const layout = await buildLayout(app, variant);
      // Node says what its compile cache does for each module it loads when asked to.
      const { stderr } = await run(process.execPath, [main(layout), '--help'], {
        env: { ...process.env, NODE_DEBUG_NATIVE: 'COMPILE_CACHE' },
      });
      await rm(layout, { recursive: true });
      const prefix = pathToFileURL(`${layout}/`).href;
      const outcomes = [...stderr.matchAll(/V8 code cache for ESM (\S+) was (.*)$/gm)]
        .filter(([, url]) => url?.startsWith(prefix) && !/\/(main|app)\.mjs$/.test(url))
        .map(([, url, outcome]) => [url?.slice(prefix.length), outcome]);
      expect(outcomes.length).toBeGreaterThan(1);
      expect(outcomes.filter(([, outcome]) => !outcome?.startsWith('accepted'))).toEqual([]);
    },
  );

  it("logs an error's type by its name, which the minified classes of a layout do not keep", async () => {
    // An API server that has no LighthouseJob: the meta step's first request fails with KubeNotFoundError.
    const apiServer = createServer((_, response) => {
      const status = { kind: 'Status', apiVersion: 'v1', status: 'Failure', reason: 'NotFound', code: 404 };
      response.writeHead(404, { 'content-type': 'application/json' }).end(JSON.stringify(status));
    }).listen(0, '127.0.0.1');
    await once(apiServer, 'listening');
    stops.push(() => new Promise((resolve) => apiServer.close(resolve)));
    const { port } = apiServer.address() as AddressInfo;
    const dir = await mkdtemp(join(tmpdir(), 'images-error-type-'));
    stops.push(() => rm(dir, { recursive: true }));
    const kubeconfig = join(dir, 'kubeconfig');
    await writeFile(
      kubeconfig,
      JSON.stringify({
        apiVersion: 'v1',
        kind: 'Config',
        // Plain HTTP: client-node allows it only with TLS verification off.
        clusters: [
          { name: 'test', cluster: { server: `http://127.0.0.1:${port}`, 'insecure-skip-tls-verify': true } },
        ],
        users: [{ name: 'test', user: { token: 'test-token' } }],
        contexts: [{ name: 'test', context: { cluster: 'test', user: 'test' } }],
        'current-context': 'test',
      }),
    );
    const step = spawnApp(main(layouts.runner), ['meta-step'], {
      KUBECONFIG: kubeconfig,
      REPO_URL: 'https://git.example.com/acme/app.git',
      PULL_REFS: `main:${'a'.repeat(40)}`,
      JOB_NAME: 'unit',
      PIPELINE_KIND: 'release',
      LIGHTHOUSE_JOB_NAME: 'missing',
      LIGHTHOUSE_JOB_NAMESPACE: 'default',
    });
    stops.push(() => step.stop());
    const failed = await step.waitForLog((line) => line.level === 50, 'the failure');
    expect(failed.err).toMatchObject({ type: 'KubeNotFoundError' });
    expect((await step.exited).code).toBe(1);
  });

  it('lighthouse remote-only refuses embedded mode, naming the image to use', async () => {
    const files = await exampleFiles();
    const app = spawnApp(main(layouts.lighthouseRemote), ['serve', '--port', '0'], {
      ...lighthouseEnv(files),
      LIGHTHOUSE_METAPIPELINE: 'embedded',
      LIGHTHOUSE_META_STEP_IMAGE: metaStepImage,
    });
    const exit = await app.exited;
    expect(exit.code).not.toBe(0);
    expect(app.output()).toContain('this lighthouse image is remote-only');
  });
});

describe('the apps from their layouts on the test cluster', () => {
  it('lighthouse embedded, as its ServiceAccount, starts a meta-pipeline for a webhook, whose step the runner runs as its own ServiceAccount, and syncs the job with its build', async () => {
    const { cluster, release, namespace, kubeconfigOf } = await installedChart('embedded');
    const files = await exampleFiles();
    const lighthouse = await startServingApp(
      main(layouts.lighthouse),
      ['serve', '--host', '127.0.0.1', '--port', '0'],
      {
        ...lighthouseEnv(files),
        LIGHTHOUSE_NAMESPACE: namespace,
        LIGHTHOUSE_METAPIPELINE: 'embedded',
        LIGHTHOUSE_META_STEP_IMAGE: metaStepImage,
        LIGHTHOUSE_META_STEP_SERVICE_ACCOUNT: metaStepServiceAccount,
        KUBECONFIG: await kubeconfigOf(release, 'ci-lighthouse'),
      },
    );
    stops.push(lighthouse.stop);

    expect(await replay(layouts.lighthouse, `${lighthouse.url}/hook`, files)).toMatchObject({
      status: 'done',
      started: ['unit'],
    });
    const job = await expectMetaPipeline(cluster, namespace);

    // What Tekton would run in the meta PipelineRun's pod: the runner image's meta step, as its ServiceAccount.
    const step = await run(process.execPath, [main(layouts.runner), 'meta-step'], {
      env: {
        PATH: process.env.PATH ?? '',
        HOME: files.dir,
        ...(await metaStepEnv(cluster, namespace, job)),
        KUBECONFIG: await kubeconfigOf(namespace, metaStepServiceAccount),
      },
    });
    expect(step.stderr).toBe('');
    const build = (await cluster.request(
      'GET',
      `/apis/tekton.dev/v1/namespaces/${namespace}/pipelineruns/${job}-build`,
    )) as {
      metadata: { labels: Record<string, string> };
      spec: { taskRunTemplate?: { serviceAccountName?: string } };
    };
    expect(build.metadata.labels['lighthouse-ts.dev/pipeline-role']).toBe('build');
    // The build runs as the builds' account, to which the chart grants nothing.
    expect(build.spec.taskRunTemplate?.serviceAccountName).toBe('tekton-bot');
    const recorded = (await cluster.request(
      'GET',
      `/apis/lighthouse.jenkins.io/v1alpha1/namespaces/${namespace}/lighthousejobs/${job}`,
    )) as { status?: { activityName?: string } };
    expect(recorded.status?.activityName).toBe(`${job}-build`);

    // Lighthouse's in-process status sync, under the same Role, carries the build's outcome to the job.
    await finishPipelineRun(cluster, namespace, `${job}-build`, 'success');
    expect(await jobStateBecomes(cluster, namespace, job, 'success')).toBe('success');
    // node is PID 1 in the image: SIGTERM reaches lighthouse itself, which drains and exits cleanly.
    expect(await lighthouse.stop()).toEqual({ code: 0, signal: null });
  }, 120_000);

  it('lighthouse remote (no Kubernetes access) and the runner, as its ServiceAccount, start a meta-pipeline for a webhook', async () => {
    const { cluster, release, namespace, kubeconfigOf } = await installedChart('remote');
    const files = await exampleFiles();
    const runner = await startServingApp(
      main(layouts.runner),
      ['serve', '--host', '127.0.0.1', '--port', '0'],
      {
        RUNNER_NAMESPACE: namespace,
        RUNNER_TOKEN_FILE: files.token,
        RUNNER_META_STEP_IMAGE: metaStepImage,
        RUNNER_META_STEP_SERVICE_ACCOUNT: metaStepServiceAccount,
        KUBECONFIG: await kubeconfigOf(release, 'ci-lighthouse-runner'),
      },
    );
    stops.push(runner.stop);
    const lighthouse = await startServingApp(
      main(layouts.lighthouseRemote),
      ['serve', '--host', '127.0.0.1', '--port', '0'],
      {
        ...lighthouseEnv(files),
        LIGHTHOUSE_NAMESPACE: namespace,
        LIGHTHOUSE_METAPIPELINE: 'remote',
        LIGHTHOUSE_RUNNER_URL: runner.url,
        LIGHTHOUSE_RUNNER_TOKEN_FILE: files.token,
      },
    );
    stops.push(lighthouse.stop);

    expect(await replay(layouts.lighthouseRemote, `${lighthouse.url}/hook`, files)).toMatchObject({
      status: 'done',
      started: ['unit'],
    });
    const job = await expectMetaPipeline(cluster, namespace);
    // The runner's status sync, under the same Role, carries the PipelineRun's outcome to the job.
    await finishPipelineRun(cluster, namespace, job, 'failure');
    expect(await jobStateBecomes(cluster, namespace, job, 'failure')).toBe('failure');
    expect(await lighthouse.stop()).toEqual({ code: 0, signal: null });
    expect(await runner.stop()).toEqual({ code: 0, signal: null });
  }, 120_000);
});

/**
 * The chart's objects applied, the release in a fresh namespace (`release`: lighthouse's and the runner's
 * ServiceAccounts) and the jobs in another (`namespace`: the jobs, the meta step's ServiceAccount and every
 * Role), and a kubeconfig per ServiceAccount.
 */
async function installedChart(mode: 'embedded' | 'remote') {
  const cluster = await testCluster();
  const release = await cluster.createNamespace(`image-${mode}`);
  // Short: a client certificate's name (system:serviceaccount:<namespace>:<name>) has 64 characters at most.
  const namespace = await cluster.createNamespace(`jobs-${mode}`);
  const values = {
    'metapipeline.mode': mode,
    jobsNamespace: namespace,
    'metaStep.serviceAccount.name': metaStepServiceAccount,
  };
  for (const object of await helmTemplate(helm, { namespace: release, values })) {
    await apply(cluster, object);
  }
  const dir = await mkdtemp(join(tmpdir(), 'image-kubeconfigs-'));
  const kubeconfigOf = async (home: string, serviceAccount: string) => {
    const issued = await cluster.userKubeconfig(`system:serviceaccount:${home}:${serviceAccount}`, [
      'system:serviceaccounts',
      `system:serviceaccounts:${home}`,
    ]);
    // KUBECONFIG is a list split on ':', which the ServiceAccount's user name is full of.
    const path = join(dir, `${serviceAccount}.kubeconfig`);
    await copyFile(issued, path);
    return path;
  };
  return { cluster, release, namespace, kubeconfigOf };
}

interface ExampleFiles {
  dir: string;
  /** The Git server's root, as the provider's web URL: the repository is `${gitRoot}/acme/app.git`. */
  gitRoot: string;
  config: string;
  plugins: string;
  secret: string;
  token: string;
  payload: string;
}

const gitIdentity = {
  GIT_AUTHOR_NAME: 'Maintainer',
  GIT_AUTHOR_EMAIL: 'maintainer@example.com',
  GIT_COMMITTER_NAME: 'Maintainer',
  GIT_COMMITTER_EMAIL: 'maintainer@example.com',
};

/** The repository's own pipeline for the `unit` job, as a project keeps it in `.lighthouse/`. */
const lighthouseFiles = {
  '.lighthouse/jenkins-x/triggers.yaml': `apiVersion: config.lighthouse.jenkins-x.io/v1alpha1
kind: TriggerConfig
spec:
  presubmits:
    - name: unit
      context: unit
      always_run: true
      source: unit.yaml
`,
  '.lighthouse/jenkins-x/unit.yaml': `apiVersion: tekton.dev/v1
kind: PipelineRun
metadata:
  name: unit
spec:
  pipelineSpec:
    tasks:
      - name: test
        taskSpec:
          steps:
            - name: test
              image: node:24-slim
              script: node --test
`,
};

/**
 * Serves `dir` read-only over HTTP, as git's dumb HTTP protocol reads a bare repository (after
 * `git update-server-info`): lighthouse takes only http(s) clone URLs under its provider's web root. Closed
 * after the test.
 */
async function gitServer(dir: string): Promise<string> {
  const server = createServer(async (req, res) => {
    const path = decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname);
    if (path.includes('..')) return void res.writeHead(400).end();
    try {
      res.writeHead(200).end(await readFile(join(dir, path)));
    } catch {
      res.writeHead(404).end();
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  stops.push(() => new Promise((resolve) => server.close(resolve)));
  return `http://127.0.0.1:${(server.address() as { port: number }).port}`;
}

/**
 * A real repository (bare, served over HTTP) with `.lighthouse/` on main and a pull request branch; a
 * config.yaml with its presubmit, the trigger plugin, a webhook secret, a runner token, and the pull
 * request's `opened` payload.
 */
async function exampleFiles(): Promise<ExampleFiles> {
  const dir = await mkdtemp(join(tmpdir(), 'image-files-'));
  const git = async (...args: string[]) =>
    (await run('git', args, { cwd: dir, env: { ...process.env, ...gitIdentity } })).stdout.trim();
  await git('init', '--quiet', '--bare', '--initial-branch=main', 'acme/app.git');
  await git('init', '--quiet', '--initial-branch=main', 'work');
  for (const [path, content] of Object.entries(lighthouseFiles)) {
    await mkdir(join(dir, 'work', dirname(path)), { recursive: true });
    await writeFile(join(dir, 'work', path), content);
  }
  await git('-C', 'work', 'add', '--all');
  await git('-C', 'work', 'commit', '--quiet', '-m', 'the unit job');
  const base = await git('-C', 'work', 'rev-parse', 'HEAD');
  await git('-C', 'work', 'checkout', '--quiet', '-b', 'feature');
  await writeFile(join(dir, 'work', 'feature.txt'), 'a change\n');
  await git('-C', 'work', 'add', '--all');
  await git('-C', 'work', 'commit', '--quiet', '-m', 'a change');
  const head = await git('-C', 'work', 'rev-parse', 'HEAD');
  await git('-C', 'work', 'push', '--quiet', join(dir, 'acme/app.git'), 'main', 'feature');
  await git('-C', 'acme/app.git', 'update-server-info');
  const gitRoot = await gitServer(dir);

  const files = {
    dir,
    gitRoot,
    config: join(dir, 'config.yaml'),
    plugins: join(dir, 'plugins.yaml'),
    secret: join(dir, 'hmac'),
    token: join(dir, 'token'),
    payload: join(dir, 'pull_request.json'),
  };
  await writeFile(
    files.config,
    'presubmits:\n  acme/app:\n    - name: unit\n      context: unit\n      always_run: true\n',
  );
  await writeFile(files.plugins, 'plugins:\n  acme/app: [trigger]\n');
  await writeFile(files.secret, `${crypto.randomUUID()}\n`);
  await writeFile(files.token, `${crypto.randomUUID()}\n`);
  await writeFile(
    files.payload,
    JSON.stringify({
      action: 'opened',
      number: 7,
      pull_request: {
        id: 4007,
        number: 7,
        state: 'open',
        draft: false,
        title: 'Image test',
        html_url: 'https://github.com/acme/app/pull/7',
        user: { login: 'maintainer', id: 1001 },
        author_association: 'OWNER',
        labels: [],
        merged: false,
        base: { ref: 'main', sha: base },
        head: { ref: 'feature', sha: head },
      },
      repository: {
        id: 2001,
        name: 'app',
        full_name: 'acme/app',
        owner: { login: 'acme', id: 3001 },
        html_url: 'https://github.com/acme/app',
        clone_url: `${gitRoot}/acme/app.git`,
      },
      sender: { login: 'maintainer', id: 1001 },
    }),
  );
  return files;
}

function lighthouseEnv(files: ExampleFiles): Record<string, string> {
  return {
    LIGHTHOUSE_WEBHOOK_SECRET_FILE: files.secret,
    LIGHTHOUSE_CONFIG_FILE: files.config,
    LIGHTHOUSE_PLUGINS_FILE: files.plugins,
    // The example repository's Git server: lighthouse clones only from its provider's web root.
    LIGHTHOUSE_GITHUB_WEB_URL: files.gitRoot,
    // Long enough that the answer says what was started, however loaded the machine.
    LIGHTHOUSE_BUDGET_SECONDS: '60',
  };
}

/** Signs and sends the pull request with the layout's own `lighthouse replay`; lighthouse's answer. */
async function replay(layout: string, url: string, files: ExampleFiles): Promise<unknown> {
  const { stdout } = await run(process.execPath, [
    main(layout),
    'replay',
    files.payload,
    ...['--event', 'pull_request', '--secret-file', files.secret, '--url', url],
  ]);
  const [status, ...body] = stdout.trim().split(' ');
  expect(status).toBe('200');
  return JSON.parse(body.join(' '));
}

type Cluster = Awaited<ReturnType<typeof testCluster>>;

/**
 * The one LighthouseJob the webhook asked for, and its meta PipelineRun running the meta step image as the
 * meta step's ServiceAccount; its name.
 */
async function expectMetaPipeline(cluster: Cluster, namespace: string): Promise<string> {
  const listJobs = async () =>
    (await cluster.request(
      'GET',
      `/apis/lighthouse.jenkins.io/v1alpha1/namespaces/${namespace}/lighthousejobs`,
    )) as {
      items: { metadata: { name: string }; spec: { job: string }; status?: { state?: string } }[];
    };
  // The status is the status sync's to write, once it has started (after the delivery may have been answered).
  await expect
    .poll(async () => (await listJobs()).items.map((job) => [job.spec.job, job.status?.state]), {
      timeout: 30_000,
    })
    .toEqual([['unit', 'pending']]);
  const jobs = await listJobs();
  const name = jobs.items[0]?.metadata.name;
  const run = (await cluster.request(
    'GET',
    `/apis/tekton.dev/v1/namespaces/${namespace}/pipelineruns/${name}`,
  )) as {
    spec: {
      pipelineSpec: { tasks: { taskSpec: { steps: { image: string }[] } }[] };
      taskRunTemplate?: { serviceAccountName?: string };
    };
  };
  expect(run.spec.pipelineSpec.tasks[0]?.taskSpec.steps[0]?.image).toBe(metaStepImage);
  expect(run.spec.taskRunTemplate?.serviceAccountName).toBe(metaStepServiceAccount);
  return name ?? '';
}

/** The environment of the meta PipelineRun's one step, its `$(params.X)` replaced as Tekton would. */
async function metaStepEnv(
  cluster: Cluster,
  namespace: string,
  name: string,
): Promise<Record<string, string>> {
  const run = (await cluster.request(
    'GET',
    `/apis/tekton.dev/v1/namespaces/${namespace}/pipelineruns/${name}`,
  )) as {
    spec: {
      params: { name: string; value: string }[];
      pipelineSpec: { tasks: { taskSpec: { steps: { env: { name: string; value: string }[] }[] } }[] };
    };
  };
  const params = new Map(run.spec.params.map((param) => [param.name, param.value]));
  const env = run.spec.pipelineSpec.tasks[0]?.taskSpec.steps[0]?.env ?? [];
  return Object.fromEntries(
    env.map(({ name, value }) => [
      name,
      value.replace(/\$\(params\.([^)]+)\)/g, (_, param: string) => params.get(param) ?? ''),
    ]),
  );
}

/** What Tekton would write when a PipelineRun ends (no Tekton controller runs here). */
async function finishPipelineRun(
  cluster: Cluster,
  namespace: string,
  name: string,
  outcome: 'success' | 'failure',
): Promise<void> {
  const now = new Date().toISOString().replace(/\.\d+Z$/, 'Z');
  const condition =
    outcome === 'success'
      ? {
          status: 'True',
          reason: 'Succeeded',
          message: 'Tasks Completed: 1 (Failed: 0, Cancelled 0), Skipped: 0',
        }
      : { status: 'False', reason: 'Failed', message: 'the step failed' };
  await cluster.request(
    'PATCH',
    `/apis/tekton.dev/v1/namespaces/${namespace}/pipelineruns/${name}/status`,
    {
      status: {
        startTime: now,
        completionTime: now,
        conditions: [{ type: 'Succeeded', ...condition, lastTransitionTime: now }],
      },
    },
    'application/merge-patch+json',
  );
}

/** Waits until the job's state is `state` (or a minute passes: a hang guard); the state it ends with. */
async function jobStateBecomes(cluster: Cluster, namespace: string, name: string, state: string) {
  let current: string | undefined;
  for (const deadline = Date.now() + 60_000; Date.now() < deadline; await sleep(200)) {
    const job = (await cluster.request(
      'GET',
      `/apis/lighthouse.jenkins.io/v1alpha1/namespaces/${namespace}/lighthousejobs/${name}`,
    )) as { status?: { state?: string } };
    current = job.status?.state;
    if (current === state) break;
  }
  return current;
}
