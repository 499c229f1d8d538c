import { describe, expect, it } from 'vitest';
import { createEmbeddedClient } from './embedded/index.ts';
import { ForbiddenError } from './errors.ts';
import { checkRequestPolicy, enforcePolicy, policyRefusals, type RequestPolicy } from './policy.ts';
import { ComputeResources } from './resources.ts';
import { MetaPipelineRequest } from './schemas.ts';
import { pullRequestRequest } from './testing/index.ts';

const request = (overrides: Parameters<typeof pullRequestRequest>[1] = {}, sourceUrl?: string) => {
  const input = pullRequestRequest('jx', overrides);
  if (sourceUrl) input.pullRefs = { ...input.pullRefs, sourceUrl };
  return MetaPipelineRequest.parse(input);
};

describe('the request policy', () => {
  it('allows what lighthouse sends: no ServiceAccount (so tekton-bot), no variables, an https source', () => {
    expect(policyRefusals({}, request())).toEqual([]);
  });

  it('allows build ServiceAccounts from its list only, tekton-bot alone by default', () => {
    expect(policyRefusals({}, request({ serviceAccount: 'builder' }))).toEqual([
      'serviceAccount: "builder" is not a build ServiceAccount this client may use (allowed: tekton-bot)',
    ]);
    const builders: RequestPolicy = { serviceAccounts: ['builder'] };
    expect(policyRefusals(builders, request({ serviceAccount: 'builder' }))).toEqual([]);
    // A request that names none gets tekton-bot, which this list leaves out.
    expect(policyRefusals(builders, request())).toHaveLength(1);
  });

  it('allows namespaces from its list, or by its test; any when it has neither', () => {
    expect(policyRefusals({ namespaces: ['jx'] }, request())).toEqual([]);
    expect(policyRefusals({ namespaces: ['ci', 'ci-jobs'] }, request())).toEqual([
      'namespace: "jx" is not allowed (allowed: ci, ci-jobs)',
    ]);
    expect(policyRefusals({ namespaces: (ns) => ns.startsWith('j') }, request())).toEqual([]);
    expect(policyRefusals({ namespaces: () => false }, request())).toEqual([
      'namespace: "jx" is not allowed',
    ]);
  });

  it.each([
    ['https://github.com/acme/rocket.git', {}, []],
    ['ssh://git@github.com/acme/rocket.git', {}, []],
    ['git://example.com/acme/rocket.git', {}, []],
    ['file:///srv/git/rocket.git', {}, ['the scheme "file" is not allowed (allowed: https, http, ssh, git)']],
    [
      'https://gitlab.com/acme/rocket.git',
      { sourceHosts: ['github.com'] },
      ['the host "gitlab.com" is not allowed (allowed: github.com)'],
    ],
    ['https://GIT.Example.com/acme/rocket.git', { sourceHosts: ['*.example.com'] }, []],
    // Read here as github.com, by git as evil.example.
    [
      'https://github.com\\@evil.example/acme/rocket.git',
      { sourceHosts: ['github.com'] },
      [
        'must be written as "https://github.com/@evil.example/acme/rocket.git", its normal form, so that git reads the host checked here',
      ],
    ],
    [
      'https://example.com.evil.io/acme/rocket.git',
      { sourceHosts: ['*.example.com'] },
      ['the host "example.com.evil.io" is not allowed (allowed: *.example.com)'],
    ],
    ['file:///srv/git/rocket.git', { sourceSchemes: ['file'] }, []],
    [
      'file:///srv/git/rocket.git',
      { sourceSchemes: ['file'], sourceHosts: ['github.com'] },
      ['a URL without a host is not allowed (allowed: github.com)'],
    ],
  ] as const)('for the source %s with %j says %j', (url, policy, refusals) => {
    expect(policyRefusals(policy, request({}, url))).toEqual(
      refusals.map((refusal) => `pullRefs.sourceUrl: ${refusal}`),
    );
  });

  it('allows variables by name or prefix only, none by default', () => {
    const env = {
      GOFLAGS: '-mod=vendor',
      http_proxy: 'http://mitm:3128',
      SSL_CERT_FILE: '/x',
      GCONV_PATH: '/x',
    };
    expect(policyRefusals({}, request({ env }))).toEqual([
      'env: "GOFLAGS", "http_proxy", "SSL_CERT_FILE", "GCONV_PATH" not allowed (allowed: none)',
    ]);
    expect(policyRefusals({ env: ['GO*', 'SSL_CERT_FILE'] }, request({ env }))).toEqual([
      'env: "http_proxy", "GCONV_PATH" not allowed (allowed: GO*, SSL_CERT_FILE)',
    ]);
  });

  it('refuses with a ForbiddenError naming every reason at once', () => {
    const refused = () =>
      enforcePolicy({ namespaces: ['ci'] }, request({ serviceAccount: 'root', env: { A: 'b' } }));
    expect(refused).toThrow(ForbiddenError);
    expect(refused).toThrow(/^request refused by policy: namespace: .*; serviceAccount: .*; env: "A"/);
  });

  it('takes allow-lists only of names and hosts it can match', () => {
    expect(() => checkRequestPolicy({ env: ['*'] })).toThrow(/env "\*": a variable name, or a prefix/);
    expect(() => checkRequestPolicy({ sourceHosts: ['https://github.com'] })).toThrow(/source host/);
    expect(() => checkRequestPolicy({ sourceSchemes: ['ext'] })).toThrow(/not ext, which runs a command/);
    expect(() =>
      checkRequestPolicy({ env: ['GO*', 'MAVEN_OPTS'], sourceHosts: ['*.example.com'] }),
    ).not.toThrow();
  });
});

describe('the embedded client refuses options that cannot work, before connecting', () => {
  const metaStep = { image: 'runner:1', command: ['runner', 'meta-step'] };
  const kube = { config: { kubeconfig: '/nonexistent/kubeconfig' } };

  it("the meta step's ServiceAccount as a build's", () => {
    expect(() =>
      createEmbeddedClient({
        kube,
        metaStep,
        policy: { serviceAccounts: ['tekton-bot', 'lighthouse-meta-step'] },
      }),
    ).toThrow(/the meta step's ServiceAccount lighthouse-meta-step cannot be a build's/);
  });

  it('resources whose request is above their limit', () => {
    expect(() =>
      createEmbeddedClient({
        kube,
        metaStep: { ...metaStep, resources: { requests: { memory: '2Gi' }, limits: { memory: '1Gi' } } },
      }),
    ).toThrow('metaStep.resources.requests.memory: 2Gi is more than its limit 1Gi');
  });
});

describe('compute resources', () => {
  it.each(['100m', '0.5', '2', '256Mi', '1Gi', '1.5G'])('takes %s', (quantity) => {
    expect(ComputeResources.safeParse({ requests: { cpu: quantity } }).success).toBe(true);
  });
  it.each(['', '0', '-1', '1 Gi', '1gb', '1e3'])('refuses %j', (quantity) => {
    expect(ComputeResources.safeParse({ limits: { memory: quantity } }).success).toBe(false);
  });
  it('compares across suffixes', () => {
    expect(
      ComputeResources.safeParse({ requests: { memory: '1000Mi' }, limits: { memory: '1Gi' } }).success,
    ).toBe(true);
    expect(ComputeResources.safeParse({ requests: { cpu: '1500m' }, limits: { cpu: '1' } }).success).toBe(
      false,
    );
  });
});
