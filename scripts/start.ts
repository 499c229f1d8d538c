// `scripts/dev start`: lighthouse in embedded mode, as a newcomer's first run. Without KUBECONFIG it starts
// a local test cluster (etcd + kube-apiserver with our CRDs and Tekton's) for it; from a bare clone, with no
// Tekton CRDs in ../shared, it installs stand-ins for them generated from @lighthouse-ts/crds. It writes an
// example config, plugins file, webhook secret and pull-request payload, then prints the replay command that
// sends the payload, so the whole path from webhook to LighthouseJob and PipelineRun can be seen working.
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { access, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig, TestEnv } from '@lighthouse-ts/testenv';
// By path: the root package lists only testenv, and this script runs from the sources anyway.
import { tektonStandInCustomResourceDefinitions } from '../packages/crds/src/index.ts';

const root = join(import.meta.dirname, '..');
const port = process.env.LIGHTHOUSE_PORT ?? '8080';
const uiPort = process.env.LIGHTHOUSE_UI_PORT ?? '8081';
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
  const found: string[] = [];
  for (const path of (await loadConfig(root)).crds) {
    if (await exists(path)) found.push(path);
    else log(`${path} (in testenv.json) is not there; skipping it`);
  }
  cluster = await TestEnv.start({ crds: found, log });
  kubeconfig = cluster.kubeconfigPath;
  await installTektonStandIns(cluster);
  log('no Tekton controller runs locally: PipelineRuns are stored, never run');
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
      LIGHTHOUSE_UI_PORT: uiPort,
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
log(`its web page: http://127.0.0.1:${uiPort}/deliveries (what each delivery did, and why) and /jobs`);
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
await rm(dir, { recursive: true, force: true });
process.exitCode = code ?? 1;

async function exists(path: string): Promise<boolean> {
  return access(path).then(
    () => true,
    () => false,
  );
}

/**
 * Tekton's own CRDs are used when testenv.json's paths provide them (a clone with ../shared beside it);
 * for whichever of PipelineRun, TaskRun and CustomRun the cluster still lacks, a stand-in goes in.
 */
async function installTektonStandIns(env: TestEnv): Promise<void> {
  const installed = (await env.request('GET', '/apis/apiextensions.k8s.io/v1/customresourcedefinitions')) as {
    items: { metadata: { name: string } }[];
  };
  const names = new Set(installed.items.map((crd) => crd.metadata.name));
  const missing = tektonStandInCustomResourceDefinitions().filter((crd) => !names.has(crd.metadata.name));
  if (missing.length === 0) return;
  const standIns = join(dir, 'tekton-stand-ins');
  await mkdir(standIns);
  for (const crd of missing) {
    await writeFile(join(standIns, `${crd.metadata.name}.json`), `${JSON.stringify(crd, null, 2)}\n`);
  }
  await env.installCrds([standIns]);
  log(
    `no Tekton CRDs: installed stand-ins for ${missing.map((crd) => crd.spec.names.kind).join(', ')} ` +
      `generated from @lighthouse-ts/crds (${standIns}); Tekton's own CRDs are used when present`,
  );
}
