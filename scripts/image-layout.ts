// The files an app's container image holds in /app, built into a folder: what the Dockerfiles copy into
// their last stage, and what the image tests and the benchmarks run, since these machines cannot build images.
//   pnpm image-layout lighthouse [--variant remote] [--user UID:GID] --out DIR
//   pnpm image-layout runner [--user UID:GID] --out DIR
//
// esbuild bundles each app from its TypeScript sources with the production code of its dependencies:
// no node_modules, no tests, no type declarations, and no build of the workspace packages first. Lazy
// imports stay lazy (code splitting), so `--help` and remote mode load no Kubernetes client. The remote
// variant of lighthouse replaces every module that talks to Kubernetes with one that refuses to load,
// so @kubernetes/client-node is not in its files at all.
//
// The modules are minified, with their source maps beside them, through which stack traces name the
// sources (stack-traces.mjs). main.mjs (image-main.mjs) starts the app with those stack traces and with
// the V8 code compiled for the modules when the layout was built (compile-cache/, for the user --user
// names: the images' is 1000:1000).
import { execFile } from 'node:child_process';
import { chmod, chown, copyFile, mkdir, readdir, stat, writeFile } from 'node:fs/promises';
import { builtinModules } from 'node:module';
import { join, relative, resolve } from 'node:path';
import { parseArgs, promisify } from 'node:util';
import { build, type Plugin } from 'esbuild';
import { lineIndex } from './stack-traces.mjs';

const root = join(import.meta.dirname, '..');

export const apps = {
  lighthouse: { entry: 'apps/lighthouse/src/main.ts', variants: ['embedded', 'remote'] },
  runner: { entry: 'apps/runner/src/main.ts', variants: ['default'] },
} as const;

export type App = keyof typeof apps;

export interface Layout {
  dir: string;
  /** What `node DIR/main.mjs` runs, in bytes: the modules; beside them, their source maps and compiled code. */
  bytes: { modules: number; sourceMaps: number; compileCache: number };
  /** The npm packages whose code the layout holds, by name. */
  packages: string[];
}

/** What talks to Kubernetes; lighthouse imports it lazily, in embedded mode only. */
const kubernetesModules =
  /^(@lighthouse-ts\/metapipeline-client\/embedded|@lighthouse-ts\/kube|@lighthouse-ts\/status-sync|@kubernetes\/client-node)$/;

const remoteOnlyRefusal =
  'this lighthouse image is remote-only (it has no Kubernetes client): run it with --metapipeline remote, or use the embedded image';

/** Remote-only lighthouse: asking it for embedded mode fails at once, naming the image to use instead. */
const remoteOnly: Plugin = {
  name: 'remote-only',
  setup(build) {
    build.onResolve({ filter: kubernetesModules }, ({ path }) => ({ path, namespace: 'remote-only' }));
    // CommonJS, whose names are looked up when it runs (it never gets that far): esbuild does not warn that
    // the names the modules importing it ask for are missing.
    build.onLoad({ filter: /.*/, namespace: 'remote-only' }, () => ({
      contents: `module.exports = (() => { throw new Error(${JSON.stringify(remoteOnlyRefusal)}); })();`,
      loader: 'js',
    }));
  },
};

/**
 * Node's own modules through require(): importing one as an ES module runs all its lazy getters, and
 * node:http's loads undici, node:crypto's WebCrypto (a tenth of lighthouse's start-up). The same objects.
 */
const builtinsRequired: Plugin = {
  name: 'builtins-required',
  setup(build) {
    const builtin = new RegExp(`^(node:)?(${builtinModules.join('|')})$`);
    build.onResolve({ filter: builtin }, ({ path, kind }) =>
      kind === 'import-statement' ? { path, namespace: 'builtin' } : undefined,
    );
    build.onLoad({ filter: /.*/, namespace: 'builtin' }, ({ path }) => ({
      contents: `module.exports = require(${JSON.stringify(path)});`,
      loader: 'js',
    }));
  },
};

/**
 * zod with its English messages only: the apps never choose another of its 48 locales, which would be a
 * third of the remote lighthouse's bytes.
 */
const zodInEnglish: Plugin = {
  name: 'zod-in-english',
  setup(build) {
    build.onLoad({ filter: /[/\\]zod[/\\]v4[/\\]locales[/\\]index\.js$/ }, () => ({
      contents: `export { default as en } from './en.js';`,
      loader: 'js',
    }));
  },
};

/**
 * Only the parts of @kubernetes/client-node that are used. It does not declare its modules free of side
 * effects (`sideEffects: false`), so KubeConfig, which imports its generated API's index for two helpers,
 * would bring the whole generated API along: a thousand modules, measured at 90 ms of embedded
 * lighthouse's start-up and 19 MiB of its memory. Importing its modules only defines things, except for
 * one: a polyfill of the global `File` for Node 18, which Node 24 has.
 */
const clientNodeTreeShaken: Plugin = {
  name: 'client-node-tree-shaken',
  setup(build) {
    const clientNode = /[/\\]node_modules[/\\]@kubernetes[/\\]client-node[/\\]/;
    build.onResolve(
      { filter: /.*/ },
      async ({ path, importer, kind, resolveDir, pluginData, with: attributes }) => {
        if (pluginData === clientNodeTreeShaken) return undefined;
        if (!path.startsWith('@kubernetes/client-node') && !clientNode.test(importer)) return undefined;
        const resolved = await build.resolve(path, {
          importer,
          kind,
          resolveDir,
          with: attributes,
          pluginData: clientNodeTreeShaken,
        });
        if (resolved.errors.length > 0 || !clientNode.test(resolved.path)) return undefined;
        return { ...resolved, sideEffects: false };
      },
    );
  },
};

/**
 * @kubernetes/client-node without undici. Its KubeConfig imports undici to build fetch dispatchers
 * (applyToFetchOptions), and its API clients, watch and log helpers fetch through it; the apps use
 * none of these: @lighthouse-ts/kube takes the TLS options and credentials (applyToHTTPSOptions) and
 * sends through node:http. undici is 0.76 MB of modules, ~50 ms of the meta step's start; here it is a
 * stand-in whose Agent, ProxyAgent and fetch throw if used. Should client-node import anything else from
 * it, the build fails (no such export).
 */
const undiciLeftOut: Plugin = {
  name: 'undici-left-out',
  setup(build) {
    build.onResolve({ filter: /^undici$/ }, ({ path, importer }) =>
      /[/\\]node_modules[/\\]@kubernetes[/\\]client-node[/\\]/.test(importer)
        ? { path, namespace: 'undici-left-out' }
        : undefined,
    );
    build.onLoad({ filter: /.*/, namespace: 'undici-left-out' }, () => {
      const refusal = JSON.stringify(
        "undici is left out of this image: @kubernetes/client-node's fetch options are not used here",
      );
      return {
        contents: [
          ...['Agent', 'ProxyAgent'].map(
            (name) => `export class ${name} { constructor() { throw new Error(${refusal}); } }`,
          ),
          `export function fetch() { throw new Error(${refusal}); }`,
        ].join('\n'),
        loader: 'js',
      };
    });
  },
};

export interface LayoutOptions {
  /**
   * The user the app runs as (the images' is 1000:1000); by default this process's. Node keeps compiled
   * code per user, so the cache is made as that user, which takes root when it is another one.
   */
  user?: { uid: number; gid: number };
}

export async function buildImageLayout(
  app: App,
  variant: string,
  out: string,
  options: LayoutOptions = {},
): Promise<Layout> {
  const spec = apps[app];
  if (!(spec.variants as readonly string[]).includes(variant)) {
    throw new Error(
      `image-layout: ${app} has no variant ${JSON.stringify(variant)} (${spec.variants.join(', ')})`,
    );
  }
  const dir = resolve(out);
  // Never over a folder that holds something: --out . would otherwise take the work tree with it.
  if ((await readdir(dir).catch(() => [])).length > 0) throw new Error(`image-layout: ${dir} is not empty`);
  await mkdir(dir, { recursive: true });
  const result = await build({
    absWorkingDir: root,
    entryPoints: { app: spec.entry },
    outdir: dir,
    outExtension: { '.js': '.mjs' },
    bundle: true,
    splitting: true,
    format: 'esm',
    platform: 'node',
    target: 'node24',
    conditions: ['@lighthouse-ts/source'],
    minify: true,
    // Short lines, so a stack trace decodes little of a source map to map a frame (stack-traces.mjs).
    lineLimit: 1000,
    // No keepNames: naming every function as it is defined cost a start 20-35 ms. Stack traces name the
    // minified functions (their files, lines and columns are the sources'), and the apps' loggers take an
    // error's type from its `name`, not its class.
    // Positions for stack traces (stack-traces.mjs); the sources themselves are in the repository.
    sourcemap: 'linked',
    sourcesContent: false,
    banner: {
      // Some dependencies are CommonJS and call require() for Node's own modules.
      js: "import { createRequire as __createRequire } from 'node:module';\nconst require = __createRequire(import.meta.url);",
    },
    // debug (under client-node) takes supports-color only if it can require it: whether that is bundled must
    // not depend on which development tools happen to be in the workspace. Without it, debug has no colours.
    external: ['supports-color'],
    plugins: [
      ...(variant === 'remote' ? [remoteOnly] : []),
      clientNodeTreeShaken,
      undiciLeftOut,
      builtinsRequired,
      zodInEnglish,
    ],
    metafile: true,
    write: false,
    logLevel: 'warning',
  });
  for (const { path, text } of result.outputFiles) {
    await writeFile(path, path.endsWith('.map') ? layoutSourceMap(text, dir) : text);
  }
  // Executable on its own too (its first line is `#!/usr/bin/env node`): the runner image links it as `runner`.
  await copyFile(join(import.meta.dirname, 'image-main.mjs'), join(dir, 'main.mjs'));
  await chmod(join(dir, 'main.mjs'), 0o755);
  await copyFile(join(import.meta.dirname, 'stack-traces.mjs'), join(dir, 'stack-traces.mjs'));
  await warmCompileCache(dir, options.user);
  const packages = new Set<string>();
  for (const input of Object.keys(result.metafile.inputs)) {
    const match = /node_modules\/((?:@[^/]+\/)?[^/]+)\/(?!.*node_modules\/)/.exec(input);
    if (match?.[1]) packages.add(match[1]);
  }
  const bytes = { modules: 0, sourceMaps: 0, compileCache: await du(join(dir, 'compile-cache')) };
  for (const name of await readdir(dir)) {
    if (name.endsWith('.mjs')) bytes.modules += await du(join(dir, name));
    if (name.endsWith('.map')) bytes.sourceMaps += await du(join(dir, name));
  }
  return { dir, bytes, packages: [...packages].sort() };
}

/**
 * A module's source map as the layout keeps it: its sources as paths in the repository, wherever it was
 * built from (not `builtin:...` and the like), and where each generated line's mappings start, so a stack
 * trace decodes only the lines its frames are on (stack-traces.mjs).
 */
export function layoutSourceMap(text: string, dir: string): string {
  const map = JSON.parse(text) as { sources: string[]; mappings: string };
  map.sources = map.sources.map((source) =>
    source.includes(':') ? source : relative(root, resolve(dir, source)),
  );
  return JSON.stringify({ ...map, x_lineIndex: lineIndex(map.mappings) });
}

/**
 * Fills the layout's compile-cache folder, which main.mjs reads at every start: a Node process (this one's
 * version; the image builds its layout with the Node it runs) compiles every module of the layout by
 * importing it, as a start would, with none of the settings that would put the cache elsewhere or change
 * it. Importing runs no app: main.mjs and app.mjs, which start it, are left out (they are a few lines
 * each), and the other modules only define things, but for the remote-only stand-ins, which throw when run
 * (after they were compiled). Node keys the cache by the modules' paths, so a layout is run where it was
 * built (/app in the images). Made as another user, the cache is given back to this one afterwards: the
 * app's user reads it, and cannot change the code it will run.
 */
async function warmCompileCache(dir: string, user: LayoutOptions['user']): Promise<void> {
  const cache = join(dir, 'compile-cache');
  await mkdir(cache);
  const asOtherUser = user && (user.uid !== process.getuid?.() || user.gid !== process.getgid?.());
  if (asOtherUser) await chown(cache, user.uid, user.gid);
  const warm = `
    import { readdirSync } from 'node:fs';
    import { constants, enableCompileCache, flushCompileCache } from 'node:module';
    import { join } from 'node:path';
    import { pathToFileURL } from 'node:url';
    const [dir] = process.argv.slice(1);
    const starts = ['main.mjs', 'app.mjs'];
    const { status, message } = enableCompileCache(join(dir, 'compile-cache'));
    if (status !== constants.compileCacheStatus.ENABLED) throw new Error(message ?? 'compile cache not enabled');
    for (const name of readdirSync(dir).filter((name) => name.endsWith('.mjs') && !starts.includes(name))) {
      await import(pathToFileURL(join(dir, name)).href).catch((error) => {
        if (error?.message !== ${JSON.stringify(remoteOnlyRefusal)}) throw error;
      });
    }
    flushCompileCache();
    process.exit(0);`;
  const {
    NODE_OPTIONS: _options,
    NODE_COMPILE_CACHE: _directory,
    NODE_DISABLE_COMPILE_CACHE: _disabled,
    ...env
  } = process.env;
  await promisify(execFile)(process.execPath, ['--input-type=module', '--eval', warm, dir], {
    env,
    timeout: 120_000,
    ...(asOtherUser ? user : {}),
  }).catch((error: { killed?: boolean; stderr?: string }) => {
    const reason = error.killed ? 'timed out after 120 s' : (error.stderr ?? String(error)).trim();
    throw new Error(`image-layout: compiling the modules into compile-cache/ failed: ${reason}`);
  });
  const entries = await readdir(cache, { recursive: true });
  if (entries.length === 0)
    throw new Error('image-layout: compile-cache/ is empty after compiling the modules');
  for (const entry of ['', ...entries]) {
    const path = join(cache, entry);
    if (asOtherUser) await chown(path, process.getuid?.() ?? 0, process.getgid?.() ?? 0);
    await chmod(path, (await stat(path)).isDirectory() ? 0o755 : 0o644);
  }
}

async function du(path: string): Promise<number> {
  const info = await stat(path);
  if (!info.isDirectory()) return info.size;
  let total = 0;
  for (const entry of await readdir(path)) total += await du(join(path, entry));
  return total;
}

if (import.meta.main) {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: { variant: { type: 'string' }, out: { type: 'string' }, user: { type: 'string' } },
  });
  const [app] = positionals;
  const user = /^(\d+):(\d+)$/.exec(values.user ?? '');
  if (positionals.length !== 1 || !app || !(app in apps) || !values.out || (values.user && !user)) {
    process.stderr.write(
      `usage: pnpm image-layout <${Object.keys(apps).join('|')}> [--variant NAME] [--user UID:GID] --out DIR\n`,
    );
    process.exit(2);
  }
  const name = app as App;
  const variant = values.variant ?? apps[name].variants[0];
  const options = user ? { user: { uid: Number(user[1]), gid: Number(user[2]) } } : {};
  const layout = await buildImageLayout(name, variant, values.out, options).catch((error: Error) => {
    process.stderr.write(`${error.message}\n`);
    process.exit(1);
  });
  const { modules, sourceMaps, compileCache } = layout.bytes;
  process.stderr.write(
    `image-layout: ${layout.dir}: modules ${megabytes(modules)} (${modules} bytes), beside them source maps ` +
      `${megabytes(sourceMaps)} and compiled code ${megabytes(compileCache)}; ` +
      `${layout.packages.length} npm packages: ${layout.packages.join(' ')}\n`,
  );
}

function megabytes(bytes: number): string {
  return `${(bytes / 1e6).toFixed(1)} MB`;
}
