import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { resolveBinaries, stagingModules } from './binaries.ts';

describe('stagingModules', () => {
  it('lists the k8s.io modules required at v0.0.0, in block and single-line form', () => {
    const goMod = [
      'module k8s.io/kubernetes',
      '',
      'require k8s.io/api v0.0.0',
      'require github.com/x/y v1.2.3',
      'require (',
      '\tk8s.io/client-go v0.0.0 // indirect',
      '\tk8s.io/klog/v2 v2.130.1',
      '\tk8s.io/apimachinery v0.0.0',
      '\tgo.etcd.io/etcd/client/v3 v3.6.8',
      ')',
      'replace k8s.io/api => ./staging/src/k8s.io/api',
    ].join('\n');
    expect(stagingModules(goMod)).toEqual(['k8s.io/api', 'k8s.io/apimachinery', 'k8s.io/client-go']);
  });
});

describe('resolveBinaries', () => {
  it('says what to install or set when there are neither binaries nor go', async () => {
    const cacheDir = await mkdtemp(join(tmpdir(), 'testenv-cache-'));
    await expect(resolveBinaries({ cacheDir, env: { PATH: cacheDir, HOME: cacheDir } })).rejects.toThrow(
      /Install Go >= 1\.26 .* or set TESTENV_KUBE_APISERVER and TESTENV_ETCD/,
    );
  });

  it('refuses a given path that is not an executable', async () => {
    const cacheDir = await mkdtemp(join(tmpdir(), 'testenv-cache-'));
    const env = {
      TESTENV_KUBE_APISERVER: join(cacheDir, 'missing'),
      TESTENV_ETCD: join(cacheDir, 'missing'),
    };
    await expect(resolveBinaries({ cacheDir, env })).rejects.toThrow(
      /is not an executable file \(check TESTENV_KUBE_APISERVER\)/,
    );
  });
});
