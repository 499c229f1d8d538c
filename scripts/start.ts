// `scripts/dev start`: lighthouse in embedded mode, as a newcomer's first run. Without KUBECONFIG it starts
// a local test cluster (etcd + kube-apiserver with our CRDs and Tekton's) for it. It writes an example
// config, plugins file, webhook secret and pull-request payload, then prints the replay command that sends
// the payload, so the whole path from webhook to LighthouseJob and PipelineRun can be seen working.
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig, TestEnv } from '@lighthouse-ts/testenv';

const root = join(import.meta.dirname, '..');
const port = process.env.LIGHTHOUSE_PORT ?? '8080';
const log = (line: string) => process.stderr.write(`start: ${line}\n`);

const dir = await mkdtemp(join(tmpdir(), 'lighthouse-start-'));
const files = {
  config: join(dir, 'config.yaml'),
  plugins: join(dir, 'plugins.yaml'),
  secret: join(dir, 'hmac-secret'),
  payload: join(dir, 'pull_request.opened.json'),
};
await writeFile(
  files.config,
  `presubmits:
  lighthouse-ts/demo:
    - name: unit
      context: unit
      always_run: true
postsubmits:
  lighthouse-ts/demo:
    - name: release
      branches: [main]
`,
);
await writeFile(files.plugins, 'plugins:\n  lighthouse-ts/demo: [trigger]\n');
await writeFile(files.secret, `${crypto.randomUUID()}\n`, { mode: 0o600 });
const sha = (seed: string) => seed.repeat(40).slice(0, 40);
await writeFile(
  files.payload,
  JSON.stringify({
    action: 'opened',
    number: 1,
    pull_request: {
      number: 1,
      state: 'open',
      draft: false,
      title: 'Try lighthouse',
      html_url: 'https://github.com/lighthouse-ts/demo/pull/1',
      user: { login: 'newcomer', id: 1001 },
      author_association: 'OWNER',
      labels: [],
      merged: false,
      base: { ref: 'main', sha: sha('a1') },
      head: { ref: 'try', sha: sha('b2') },
      id: 4001,
    },
    repository: {
      id: 2001,
      name: 'demo',
      full_name: 'lighthouse-ts/demo',
      owner: { login: 'lighthouse-ts', id: 3001 },
      html_url: 'https://github.com/lighthouse-ts/demo',
      clone_url: 'https://github.com/lighthouse-ts/demo.git',
    },
    sender: { login: 'newcomer', id: 1001 },
  }),
);

let cluster: TestEnv | undefined;
let kubeconfig = process.env.KUBECONFIG;
if (!kubeconfig) {
  log('no KUBECONFIG: starting a local test cluster');
  cluster = await TestEnv.start({ crds: (await loadConfig(root)).crds, log });
  kubeconfig = cluster.kubeconfigPath;
}
const namespace = process.env.LIGHTHOUSE_NAMESPACE ?? 'jx';
if (cluster) await cluster.request('POST', '/api/v1/namespaces', { metadata: { name: namespace } });

const lighthouse = spawn(
  process.execPath,
  ['--conditions=@lighthouse-ts/source', join(root, 'apps/lighthouse/src/main.ts'), 'serve'],
  {
    stdio: 'inherit',
    env: {
      ...process.env,
      KUBECONFIG: kubeconfig,
      LIGHTHOUSE_PORT: port,
      LIGHTHOUSE_NAMESPACE: namespace,
      LIGHTHOUSE_WEBHOOK_SECRET_FILE: files.secret,
      LIGHTHOUSE_CONFIG_FILE: files.config,
      LIGHTHOUSE_PLUGINS_FILE: files.plugins,
      LIGHTHOUSE_META_STEP_IMAGE:
        process.env.LIGHTHOUSE_META_STEP_IMAGE ?? 'ghcr.io/lighthouse-ts/runner:latest',
    },
  },
);
const exited = once(lighthouse, 'exit');
log(`lighthouse (embedded) on http://127.0.0.1:${port}/hook, jobs in namespace ${namespace}`);
log('in another terminal, send it a pull request:');
process.stderr.write(
  `\n  scripts/dev lighthouse replay ${files.payload} --event pull_request --secret-file ${files.secret} --url http://127.0.0.1:${port}/hook\n\n`,
);
if (cluster)
  log(
    `and look at what it created: KUBECONFIG=${kubeconfig} kubectl -n ${namespace} get lighthousejobs,pipelineruns`,
  );

for (const signal of ['SIGINT', 'SIGTERM'] as const) process.on(signal, () => lighthouse.kill(signal));
const [code] = (await exited) as [number | null];
await cluster?.stop();
process.exitCode = code ?? 1;
