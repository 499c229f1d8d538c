// Helm for the chart's tests, found the way testenv finds kube-apiserver and etcd: the HELM variable,
// else the cache, else built once with `go` from the Go module proxy (there is no helm package here).
import { execFile } from 'node:child_process';
import { constants } from 'node:fs';
import { access, mkdir, mkdtemp, rename, rm } from 'node:fs/promises';
import { homedir, setPriority } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { parseAllDocuments } from 'yaml';

const run = promisify(execFile);

export const HELM_VERSION = '4.3.1';

export interface ResolveHelmOptions {
  env?: NodeJS.ProcessEnv;
  /** Called with a line of progress while building. */
  log?: (line: string) => void;
}

/** testenv's cache, so one folder holds every tool the tests build. */
function cacheDir(env: NodeJS.ProcessEnv): string {
  return (
    env.TESTENV_CACHE_DIR ?? join(env.XDG_CACHE_HOME ?? join(homedir(), '.cache'), 'lighthouse-ts', 'testenv')
  );
}

const isExecutable = (path: string) =>
  access(path, constants.X_OK).then(
    () => true,
    () => false,
  );

/** The path of a helm binary: `$HELM`, the cached build, or a new build (minutes, once). */
export async function resolveHelm(options: ResolveHelmOptions = {}): Promise<string> {
  const env = options.env ?? process.env;
  const log = options.log ?? (() => {});
  if (env.HELM) {
    if (!(await isExecutable(env.HELM))) throw new Error(`chart: HELM=${env.HELM} is not an executable file`);
    return env.HELM;
  }
  const path = join(cacheDir(env), `helm-v${HELM_VERSION}`, 'helm');
  if (await isExecutable(path)) return path;
  try {
    await run('go', ['version'], { env });
  } catch {
    throw new Error(
      'chart: no helm and no `go` to build it. Install Go >= 1.26 (it fetches helm from the Go module ' +
        'proxy), or set HELM to a helm v3 or v4 binary.',
    );
  }
  log(
    `chart: building helm v${HELM_VERSION} with go into ${path} (first run only; a few minutes on 2 cores)`,
  );
  await mkdir(join(path, '..'), { recursive: true });
  // Built into a folder of its own and renamed, so an interrupted or concurrent build never leaves half a binary.
  const bin = await mkdtemp(`${path}.partial-`);
  try {
    const build = run(
      'go',
      [
        'install',
        '-trimpath',
        '-ldflags',
        `-s -w -X helm.sh/helm/v4/internal/version.version=v${HELM_VERSION}`,
        `helm.sh/helm/v4/cmd/helm@v${HELM_VERSION}`,
      ],
      {
        env: { ...env, GOBIN: bin, CGO_ENABLED: '0', GOFLAGS: '-mod=mod', GOWORK: 'off' },
        maxBuffer: 64 * 1024 * 1024,
      },
    );
    // Tests of other packages may be running beside this build: they go first.
    if (build.child.pid) setPriority(build.child.pid, 19);
    await build.catch((error: { stderr?: string }) => {
      throw new Error(`chart: go install helm failed:\n${(error.stderr ?? '').slice(-4000)}`);
    });
    await rename(join(bin, 'helm'), path);
  } finally {
    await rm(bin, { recursive: true, force: true });
  }
  log(`chart: built ${path}`);
  return path;
}

/** One object of a rendered chart. */
export interface Manifest {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; [field: string]: unknown };
  [field: string]: unknown;
}

export interface TemplateOptions {
  namespace: string;
  release?: string;
  /** `--set-json` pairs: each value is sent as JSON. */
  values?: Record<string, unknown>;
  /** Render crds/ too, as `helm install` applies them. */
  includeCrds?: boolean;
}

export const chartDir = join(import.meta.dirname, '..');

const setJson = (values: Record<string, unknown> = {}) =>
  Object.entries(values).flatMap(([key, value]) => ['--set-json', `${key}=${JSON.stringify(value)}`]);

/** `helm template`: the objects the chart would install. */
export async function helmTemplate(helm: string, options: TemplateOptions): Promise<Manifest[]> {
  const args = ['template', options.release ?? 'ci', chartDir, '--namespace', options.namespace];
  if (options.includeCrds) args.push('--include-crds');
  args.push(...setJson(options.values));
  const { stdout } = await run(helm, args, { maxBuffer: 64 * 1024 * 1024 });
  // YAML 1.1, as Kubernetes reads manifests: `defaultMode: 0440` is octal there.
  return parseAllDocuments(stdout, { version: '1.1' })
    .map((doc) => doc.toJS() as Manifest | null)
    .filter((object): object is Manifest => object !== null);
}

/** `helm template`, expecting it to refuse; the message it refuses with. */
export async function helmTemplateError(helm: string, options: TemplateOptions): Promise<string> {
  try {
    await helmTemplate(helm, options);
  } catch (error) {
    return (error as { stderr?: string }).stderr ?? String(error);
  }
  throw new Error('helm template rendered the chart');
}

/** The notes `helm install` prints (NOTES.txt, rendered by a client-side dry run). */
export async function helmNotes(
  helm: string,
  options: Omit<TemplateOptions, 'includeCrds'>,
): Promise<string> {
  const args = ['install', options.release ?? 'ci', chartDir, '--namespace', options.namespace];
  args.push('--dry-run=client', '--output', 'json', ...setJson(options.values));
  const { stdout } = await run(helm, args, { maxBuffer: 64 * 1024 * 1024 });
  return (JSON.parse(stdout) as { info: { notes: string } }).info.notes;
}

/** `helm lint --strict` output; rejects when the chart has errors or warnings. */
export async function helmLint(helm: string, values: Record<string, unknown> = {}): Promise<string> {
  const { stdout } = await run(helm, ['lint', '--strict', chartDir, ...setJson(values)]);
  return stdout;
}
