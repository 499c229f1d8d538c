#!/usr/bin/env node
import { spawn } from 'node:child_process';
import { copyFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { resolveBinaries } from './binaries.ts';
import { loadConfig } from './config.ts';
import { TestEnv } from './testenv.ts';

const usage = `Usage:
  lighthouse-testenv start [--kubeconfig PATH] [--crds PATH]...
      Start etcd + kube-apiserver, print KUBECONFIG=PATH once ready, run until SIGINT/SIGTERM.
  lighthouse-testenv run [--crds PATH]... -- COMMAND [ARG]...
      Start a cluster, run COMMAND with TESTENV_STATE_DIR and TESTENV_KUBECONFIG set, stop, exit with its code.
  lighthouse-testenv binaries
      Build (or find) kube-apiserver and etcd and print their paths.

CRDs come from --crds and from the nearest testenv.json ({"crds": [...]}).
Binaries: TESTENV_KUBE_APISERVER and TESTENV_ETCD, else a cache (TESTENV_CACHE_DIR), else built with go.`;

const log = (line: string) => process.stderr.write(`${line}\n`);

async function main(argv: string[]): Promise<number> {
  const split = argv.indexOf('--');
  const own = split === -1 ? argv : argv.slice(0, split);
  const command = split === -1 ? [] : argv.slice(split + 1);
  const { values, positionals } = parseArgs({
    args: own,
    allowPositionals: true,
    options: {
      kubeconfig: { type: 'string' },
      crds: { type: 'string', multiple: true },
      help: { type: 'boolean', short: 'h' },
    },
  });
  const [verb] = positionals;
  if (values.help || !verb) {
    log(usage);
    return values.help ? 0 : 2;
  }
  if (verb === 'binaries') {
    const binaries = await resolveBinaries({ log });
    process.stdout.write(`kube-apiserver=${binaries.kubeApiserver}\netcd=${binaries.etcd}\n`);
    return 0;
  }
  if (verb !== 'start' && verb !== 'run') {
    log(`lighthouse-testenv: unknown command ${verb}\n\n${usage}`);
    return 2;
  }
  if (verb === 'run' && command.length === 0) {
    log('lighthouse-testenv: run needs a command after --');
    return 2;
  }
  const crds = [...(await loadConfig()).crds, ...(values.crds ?? []).map((p) => resolve(p))];
  const env = await TestEnv.start({ crds, log });
  try {
    if (verb === 'start') {
      const kubeconfig = values.kubeconfig ? resolve(values.kubeconfig) : env.kubeconfigPath;
      if (values.kubeconfig) await copyFile(env.kubeconfigPath, kubeconfig);
      process.stdout.write(`KUBECONFIG=${kubeconfig}\n`);
      await signalled();
      log('lighthouse-testenv: stopping');
      return 0;
    }
    return await runCommand(command, {
      ...process.env,
      TESTENV_STATE_DIR: env.stateDir,
      TESTENV_KUBECONFIG: env.kubeconfigPath,
    });
  } finally {
    await env.stop();
  }
}

function signalled(): Promise<NodeJS.Signals> {
  return new Promise((resolve) => {
    for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => resolve(signal));
  });
}

function runCommand([file, ...args]: string[], env: NodeJS.ProcessEnv): Promise<number> {
  return new Promise((resolve, reject) => {
    const child = spawn(file as string, args, { stdio: 'inherit', env });
    const forward = (signal: NodeJS.Signals) => child.kill(signal);
    process.on('SIGINT', forward);
    process.on('SIGTERM', forward);
    child.once('error', reject);
    child.once('exit', (code, signal) => {
      process.off('SIGINT', forward);
      process.off('SIGTERM', forward);
      resolve(code ?? (signal ? 128 : 1));
    });
  });
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    log(error instanceof Error ? error.message : String(error));
    process.exitCode = 1;
  },
);
