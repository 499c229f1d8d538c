// What a caller holding the token may ask for: a request is code execution as its build, so the runner
// takes only the namespaces, build ServiceAccounts, sources and variables its flags allow.
import { createKubeClient, type KubeClient } from '@lighthouse-ts/kube';
import {
  createRemoteClient,
  ForbiddenError,
  type MetaPipelineRequest,
} from '@lighthouse-ts/metapipeline-client';
import { pullRequestRequest } from '@lighthouse-ts/metapipeline-client/testing';
import type { TestCluster } from '@lighthouse-ts/testenv';
import { rawRequest, sample } from '@lighthouse-ts/testenv/http';
import { testCluster } from '@lighthouse-ts/testenv/vitest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { killRunners, type ServingRunner, startRunner, trailingLine } from '../test/runner-process.ts';

interface Refused {
  refused: string;
  request: (namespace: string) => MetaPipelineRequest;
  status: number;
  detail: RegExp;
}

const withSource = (namespace: string, sourceUrl: string, number: number) => {
  const request = pullRequestRequest(namespace, { number });
  return { ...request, pullRefs: { ...request.pullRefs, sourceUrl } };
};

const refusals: Refused[] = [
  {
    refused: 'a build ServiceAccount not on --allowed-service-accounts',
    request: (ns) => pullRequestRequest(ns, { number: 1, serviceAccount: 'cluster-admin' }),
    status: 403,
    detail:
      /serviceAccount: "cluster-admin" is not a build ServiceAccount .*\(allowed: tekton-bot, builder\)/,
  },
  {
    refused: 'a namespace that is neither --namespace nor on --allowed-namespaces',
    request: () => pullRequestRequest('kube-system', { number: 2 }),
    status: 403,
    detail: /namespace: "kube-system" is not allowed/,
  },
  {
    refused: 'variables that steer proxies, TLS and the C library, not on --allowed-env',
    request: (ns) =>
      pullRequestRequest(ns, {
        number: 3,
        env: {
          http_proxy: 'http://mitm:3128',
          HTTPS_PROXY: 'http://mitm:3128',
          SSL_CERT_FILE: '/tmp/ca.pem',
          SSL_CERT_DIR: '/tmp',
          GCONV_PATH: '/tmp',
        },
      }),
    status: 403,
    detail:
      /env: "http_proxy", "HTTPS_PROXY", "SSL_CERT_FILE", "SSL_CERT_DIR", "GCONV_PATH" not allowed \(allowed: GO\*, MAVEN_OPTS\)/,
  },
  {
    refused: "a file: source, a path in the meta step's own pod",
    request: (ns) => withSource(ns, 'file:///var/run/secrets/kubernetes.io/serviceaccount', 4),
    status: 403,
    detail: /pullRefs.sourceUrl: the scheme "file" is not allowed/,
  },
  {
    refused: 'a source on a host not on --allowed-source-hosts',
    request: (ns) => withSource(ns, 'https://example.com.attacker.io/acme/rocket.git', 5),
    status: 403,
    detail: /the host "example.com.attacker.io" is not allowed \(allowed: github.com, \*.example.com\)/,
  },
  {
    refused: 'a variable that steers the meta step itself, whatever the allow-list (the schema refuses it)',
    request: (ns) => pullRequestRequest(ns, { number: 6, env: { LD_PRELOAD: '/tmp/x.so' } }),
    status: 400,
    detail: /env.LD_PRELOAD: not one that steers the meta step/,
  },
];

describe('what the runner lets a caller with its token ask for', () => {
  let cluster: TestCluster;
  let kube: KubeClient;
  let namespace: string;
  let other: string;
  let runner: ServingRunner;

  beforeAll(async () => {
    cluster = await testCluster();
    kube = createKubeClient({ config: { kubeconfig: cluster.kubeconfigPath } });
    namespace = await cluster.createNamespace('policy');
    other = await cluster.createNamespace('policy-other');
    runner = await startRunner({
      kubeconfig: cluster.kubeconfigPath,
      namespace,
      args: [
        ...['--allowed-namespaces', other],
        ...['--allowed-service-accounts', 'tekton-bot,builder'],
        ...['--allowed-source-hosts', 'github.com,*.example.com'],
        ...['--allowed-env', 'GO*,MAVEN_OPTS'],
      ],
    });
  });
  afterAll(async () => {
    await killRunners();
    await kube?.close();
  });

  const post = (body: unknown) =>
    rawRequest(`${runner.url}/v1/metapipelines`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${runner.token}` },
      body: JSON.stringify(body),
    });

  it.for(refusals)('refuses $refused ($status), naming why, and writes nothing', async (c) => {
    const request = c.request(namespace);
    const res = await post(request);
    expect(res.status, res.text).toBe(c.status);
    expect(res.headers['content-type']).toBe('application/problem+json');
    expect((res.json() as { detail: string }).detail).toMatch(c.detail);
    const branch = `PR-${request.pullRefs.pulls?.[0]?.number}`;
    const jobs = await kube.lighthouseJobs.list(request.namespace === namespace ? namespace : other);
    expect(
      jobs.items.filter((job) => job.metadata.labels?.['lighthouse.jenkins-x.io/branch'] === branch),
    ).toEqual([]);
  });

  it('refuses reads and cancels in a namespace it does not serve, as a ForbiddenError through the remote client', async () => {
    const client = createRemoteClient({ url: runner.url, token: runner.token });
    await expect(client.list({ namespace: 'kube-system' })).rejects.toBeInstanceOf(ForbiddenError);
    await expect(client.get({ namespace: 'kube-system', name: 'x' })).rejects.toBeInstanceOf(ForbiddenError);
    await expect(client.cancel({ namespace: 'kube-system', name: 'x' })).rejects.toBeInstanceOf(
      ForbiddenError,
    );
    await client.close();
  });

  it('takes what its flags allow: another namespace, another build account, a variable by prefix, a host below a domain', async () => {
    const request = {
      ...withSource(other, 'https://git.example.com/acme/rocket.git', 7),
      serviceAccount: 'builder',
      env: { GOFLAGS: '-mod=vendor' },
    };
    const res = await post(request);
    expect(res.status, res.text).toBe(200);
    const { ref } = res.json() as { ref: { namespace: string; name: string } };
    expect(ref.namespace).toBe(other);
    const run = await kube.pipelineRuns.get(other, ref.name);
    const tasks = (run.spec.pipelineSpec as { tasks: { taskSpec: { steps: { env: object[] }[] } }[] }).tasks;
    expect(tasks[0]?.taskSpec.steps[0]?.env).toEqual(
      expect.arrayContaining([
        { name: 'LIGHTHOUSE_BUILD_SERVICE_ACCOUNT', value: 'builder' },
        { name: 'GOFLAGS', value: '-mod=vendor' },
      ]),
    );
  });

  it('counts each refusal as a 403, and stays healthy without logging one as its own error', async () => {
    const metrics = (await rawRequest(`${runner.url}/metrics`)).text;
    expect(
      sample(metrics, 'runner_http_requests_total', {
        route: '/v1/metapipelines',
        method: 'POST',
        code: '403',
      }),
    ).toBe(refusals.filter((c) => c.status === 403).length);
    expect(sample(metrics, 'runner_kube_errors_total', { kind: 'KubeForbiddenError' })).toBeUndefined();
    expect((await rawRequest(`${runner.url}/healthz`)).status).toBe(200);
    // This request's line comes after every earlier request's: the log has caught up once it is there.
    const last = await rawRequest(`${runner.url}/v1/namespaces/${namespace}/metapipelines`, {
      headers: { authorization: `Bearer ${runner.token}`, 'x-request-id': 'after-refusals' },
    });
    expect(last.status).toBe(200);
    const line = await runner.waitForLog(
      (l) => l.requestId === 'after-refusals' && l.msg === 'request',
      'of the last request',
      trailingLine,
    );
    expect(line.level).toBe(30);
    expect(runner.logs.filter((l) => l.status === 403).map((l) => l.level)).toEqual(
      refusals
        .filter((c) => c.status === 403)
        .map(() => 30)
        .concat([30, 30, 30]),
    );
    expect(runner.logs.filter((line) => line.level >= 50)).toEqual([]);
    expect(runner.child.exitCode).toBeNull();
  });
});
