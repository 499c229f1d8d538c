import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { testCluster } from '@lighthouse-ts/testenv/vitest';
import { describe, expect, inject, it } from 'vitest';
import { chartDir, helmLint, helmNotes, helmTemplate, helmTemplateError, type Manifest } from './helm.ts';
import { apply } from './kube.ts';

const helm = inject('helm');
const modes = ['embedded', 'remote'] as const;

/** Every option that renders more objects or fields, so the dry run sees them too. */
const everything = {
  'lighthouse.ingress.enabled': true,
  'lighthouse.ingress.className': 'nginx',
  'lighthouse.ingress.tlsSecret': 'lighthouse-tls',
  // GitHub as an App (a token besides is refused: see `githubToken`), the others with tokens.
  'git.github.app.id': '123456',
  'git.github.app.keySecret': 'github-app',
  'git.gitlab.tokenSecret': 'gitlab-token',
  'git.gitea.tokenSecret': 'gitea-token',
  'git.gitea.apiUrl': 'https://gitea.example.com/api/v1',
  'git.bitbucketserver.tokenSecret': 'bitbucket-token',
  'git.bitbucketserver.apiUrl': 'https://bitbucket.example.com',
  'report.targetUrl': 'https://dashboard.example.com/#/namespaces/{namespace}/pipelineruns/{pipelineRun}',
  'ui.enabled': true,
  'ui.url': 'https://lighthouse-ui.example.com',
  'ui.logUrl': 'https://dashboard.example.com/#/namespaces/{namespace}/pipelineruns/{pipelineRun}',
  'ui.from': [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'ingress' } } }],
  'lighthouse.botName': 'lighthouse-bot',
  'lighthouse.extraEnv': [{ name: 'NODE_OPTIONS', value: '--max-old-space-size=192' }],
  'lighthouse.nodeSelector': { 'kubernetes.io/os': 'linux' },
  'runner.podAnnotations': { 'example.com/team': 'ci' },
  'runner.allowed.namespaces': ['team-a'],
  'runner.allowed.serviceAccounts': ['builder'],
  'runner.allowed.sourceHosts': ['github.com', '*.example.com'],
  'runner.allowed.env': ['GO*', 'MAVEN_OPTS'],
  'metaStep.resources': { requests: { cpu: '250m', memory: '512Mi' }, limits: { cpu: '2', memory: '2Gi' } },
  'networkPolicy.metricsFrom': [
    { namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'monitoring' } } },
  ],
  imagePullSecrets: [{ name: 'registry' }],
  config: {
    presubmits: { 'acme/app': [{ name: 'unit', context: 'unit', always_run: true }] },
    postsubmits: { 'acme/app': [{ name: 'release', branches: ['main'] }] },
  },
  plugins: { plugins: { 'acme/app': ['trigger'] } },
};

/** Jobs in a namespace of their own, as the chart requires unless told `allowJobsInReleaseNamespace`. */
const ownJobs = { jobsNamespace: 'ci-jobs' };
/** Jobs in the release namespace, beside lighthouse's Secrets: the user's explicit choice. */
const sharedJobs = { allowJobsInReleaseNamespace: true };

/** `everything` with a GitHub token instead of the GitHub App. */
const githubToken = {
  ...Object.fromEntries(Object.entries(everything).filter(([key]) => !key.startsWith('git.github.app.'))),
  'git.github.tokenSecret': 'github-token',
};

/** The provider credentials of `everything` and `githubToken` but GitHub's: each file variable and its Secret. */
const tokenFiles = {
  LIGHTHOUSE_GITLAB_TOKEN_FILE: 'gitlab-token',
  LIGHTHOUSE_GITEA_TOKEN_FILE: 'gitea-token',
  LIGHTHOUSE_BITBUCKETSERVER_TOKEN_FILE: 'bitbucket-token',
};

/** The chart's own volumes, beside the provider credentials'. */
const ownVolumes = ['config', 'webhook-secret', 'runner-token', 'token', 'pending'];

type Container = PodSpec['containers'][number];
type PodSpec = {
  serviceAccountName?: string;
  automountServiceAccountToken?: boolean;
  securityContext?: Record<string, unknown>;
  containers: {
    name: string;
    image: string;
    args?: string[];
    env?: { name: string; value?: string; valueFrom?: unknown }[];
    securityContext?: Record<string, unknown>;
    resources?: { requests?: Record<string, string>; limits?: Record<string, string> };
    volumeMounts?: { name: string; mountPath: string }[];
    livenessProbe?: { httpGet?: { path: string; port: string } };
    readinessProbe?: { httpGet?: { path: string; port: string } };
    ports?: { name: string; containerPort: number }[];
  }[];
  volumes?: {
    name: string;
    secret?: { secretName: string; defaultMode?: number };
    configMap?: { name: string };
    emptyDir?: { sizeLimit?: string };
    persistentVolumeClaim?: { claimName: string };
  }[];
};

const ofKind = (objects: Manifest[], kind: string) => objects.filter((o) => o.kind === kind);
const named = (objects: Manifest[], kind: string, name: string) => {
  const found = objects.find((o) => o.kind === kind && o.metadata.name === name);
  if (!found) throw new Error(`no ${kind} ${name} rendered`);
  return found;
};
const podSpec = (deployment: Manifest) =>
  (deployment as unknown as { spec: { template: { spec: PodSpec } } }).spec.template.spec;
const envOf = (deployment: Manifest) =>
  Object.fromEntries((podSpec(deployment).containers[0]?.env ?? []).map((e) => [e.name, e.value]));

describe('helm lint', () => {
  it.each(modes)('passes --strict in %s mode', async (mode) => {
    expect(await helmLint(helm, { 'metapipeline.mode': mode, ...ownJobs })).toContain('0 chart(s) failed');
    expect(await helmLint(helm, { 'metapipeline.mode': mode, ...sharedJobs })).toContain('0 chart(s) failed');
  });
});

describe('the rendered chart', () => {
  it.each(
    modes.flatMap((mode) => [
      { mode, jobs: 'the release namespace' },
      { mode, jobs: 'jobsNamespace' },
    ]),
  )(
    'is accepted by the API server in $mode mode, jobs in $jobs, every object (server-side dry run)',
    async ({ mode, jobs }) => {
      const cluster = await testCluster();
      const namespace = await cluster.createNamespace('chart');
      const jobsNamespace =
        jobs === 'jobsNamespace' ? { jobsNamespace: await cluster.createNamespace('jobs') } : sharedJobs;
      const objects = await helmTemplate(helm, {
        namespace,
        includeCrds: true,
        values: { ...everything, ...jobsNamespace, 'metapipeline.mode': mode },
      });
      expect(objects.length).toBeGreaterThan(0);
      for (const object of objects) {
        await expect(
          apply(cluster, object, { dryRun: true }),
          `${object.kind} ${object.metadata.name}`,
        ).resolves.toBeDefined();
      }
    },
  );

  it('in embedded mode runs one Deployment, lighthouse, with its Kubernetes token and the meta step image', async () => {
    const objects = await helmTemplate(helm, { namespace: 'ci', values: ownJobs });
    expect(ofKind(objects, 'Deployment').map((d) => d.metadata.name)).toEqual(['ci-lighthouse']);
    const lighthouse = named(objects, 'Deployment', 'ci-lighthouse');
    expect(podSpec(lighthouse).automountServiceAccountToken).toBe(true);
    expect(podSpec(lighthouse).containers[0]?.image).toBe('ghcr.io/lighthouse-ts/lighthouse:0.1.0');
    expect(envOf(lighthouse)).toMatchObject({
      LIGHTHOUSE_METAPIPELINE: 'embedded',
      LIGHTHOUSE_NAMESPACE: 'ci-jobs',
      LIGHTHOUSE_META_STEP_IMAGE: 'ghcr.io/lighthouse-ts/runner:0.1.0',
      LIGHTHOUSE_META_STEP_SERVICE_ACCOUNT: 'ci-lighthouse-meta-step',
    });
    expect(envOf(lighthouse)).not.toHaveProperty('LIGHTHOUSE_RUNNER_URL');
    expect(ofKind(objects, 'Secret').map((s) => s.metadata.name)).toEqual(['ci-lighthouse-webhook']);
  });

  it.each(modes)(
    'in %s mode serves the web page only when asked, on a port and a Service of its own; statuses link to its job pages',
    async (mode) => {
      const off = await helmTemplate(helm, {
        namespace: 'ci',
        values: { ...ownJobs, 'metapipeline.mode': mode },
      });
      expect(ofKind(off, 'Service').map((s) => s.metadata.name)).not.toContain('ci-lighthouse-ui');
      expect(envOf(named(off, 'Deployment', 'ci-lighthouse'))).not.toHaveProperty('LIGHTHOUSE_UI_PORT');

      const values = {
        ...ownJobs,
        'metapipeline.mode': mode,
        'ui.enabled': true,
        'ui.url': 'https://ui.example.com/',
      };
      const objects = await helmTemplate(helm, { namespace: 'ci', values });
      const lighthouse = named(objects, 'Deployment', 'ci-lighthouse');
      expect(envOf(lighthouse)).toMatchObject({
        LIGHTHOUSE_UI_PORT: '8081',
        LIGHTHOUSE_UI_URL: 'https://ui.example.com/',
        LIGHTHOUSE_UI_DELIVERIES: '500',
      });
      expect(podSpec(lighthouse).containers[0]?.ports).toContainEqual(
        expect.objectContaining({ name: 'ui', containerPort: 8081 }),
      );
      const service = named(objects, 'Service', 'ci-lighthouse-ui') as unknown as {
        spec: { ports: { port: number; targetPort: string }[] };
      };
      expect(service.spec.ports).toEqual([expect.objectContaining({ port: 80, targetPort: 'ui' })]);
      // The webhook's ingress still reaches the webhook only.
      const reporter =
        mode === 'embedded' ? lighthouse : named(objects, 'Deployment', 'ci-lighthouse-runner');
      expect(envOf(reporter).LIGHTHOUSE_REPORT_TARGET_URL).toBe(
        'https://ui.example.com/jobs/{namespace}/{job}',
      );
      const chosen = await helmTemplate(helm, {
        namespace: 'ci',
        values: { ...values, 'report.targetUrl': 'https://dashboard.example.com/{job}' },
      });
      const chosenReporter =
        mode === 'embedded'
          ? named(chosen, 'Deployment', 'ci-lighthouse')
          : named(chosen, 'Deployment', 'ci-lighthouse-runner');
      expect(envOf(chosenReporter).LIGHTHOUSE_REPORT_TARGET_URL).toBe('https://dashboard.example.com/{job}');
    },
  );

  it.each(modes)(
    'in %s mode keeps accepted deliveries on an emptyDir by default, on the volume given, or in memory when told',
    async (mode) => {
      const render = async (values: Record<string, unknown>) => {
        const objects = await helmTemplate(helm, {
          namespace: 'ci',
          values: { ...ownJobs, 'metapipeline.mode': mode, ...values },
        });
        const lighthouse = named(objects, 'Deployment', 'ci-lighthouse');
        const spec = podSpec(lighthouse);
        return {
          dir: envOf(lighthouse).LIGHTHOUSE_PENDING_DIR,
          mount: spec.containers[0]?.volumeMounts?.find((m) => m.name === 'pending')?.mountPath,
          volume: spec.volumes?.find((v) => v.name === 'pending'),
        };
      };
      const dir = '/var/lib/lighthouse/pending';
      expect(await render({})).toEqual({
        dir,
        mount: dir,
        volume: { name: 'pending', emptyDir: { sizeLimit: '128Mi' } },
      });
      const claim = { persistentVolumeClaim: { claimName: 'lighthouse-pending' } };
      expect(await render({ 'lighthouse.pending.volume': claim })).toEqual({
        dir,
        mount: dir,
        volume: { name: 'pending', ...claim },
      });
      expect(await render({ 'lighthouse.pending.enabled': false })).toEqual({
        dir: undefined,
        mount: undefined,
        volume: undefined,
      });
    },
  );

  it('in remote mode adds the runner and the Service lighthouse reaches it through, and lighthouse has no Kubernetes token', async () => {
    const objects = await helmTemplate(helm, {
      namespace: 'ci',
      values: { ...ownJobs, 'metapipeline.mode': 'remote' },
    });
    expect(
      ofKind(objects, 'Deployment')
        .map((d) => d.metadata.name)
        .sort(),
    ).toEqual(['ci-lighthouse', 'ci-lighthouse-runner']);
    const lighthouse = named(objects, 'Deployment', 'ci-lighthouse');
    const runner = named(objects, 'Deployment', 'ci-lighthouse-runner');
    const service = named(objects, 'Service', 'ci-lighthouse-runner') as unknown as {
      spec: { selector: Record<string, string>; ports: { port: number; targetPort: string }[] };
    };

    // The remote-only image, and no token to talk to the API server with.
    expect(podSpec(lighthouse).containers[0]?.image).toBe('ghcr.io/lighthouse-ts/lighthouse:0.1.0-remote');
    expect(podSpec(lighthouse).automountServiceAccountToken).toBe(false);
    expect(named(objects, 'ServiceAccount', 'ci-lighthouse').automountServiceAccountToken).toBe(false);

    // The URL names the runner's Service and port; the Service selects the runner's pods.
    const url = new URL(envOf(lighthouse).LIGHTHOUSE_RUNNER_URL ?? '');
    expect(url.hostname).toBe('ci-lighthouse-runner');
    expect(Number(url.port)).toBe(service.spec.ports[0]?.port);
    const runnerPodLabels = (runner as unknown as { spec: { template: { metadata: { labels: object } } } })
      .spec.template.metadata.labels;
    expect(runnerPodLabels).toMatchObject(service.spec.selector);

    expect(envOf(runner)).toMatchObject({
      RUNNER_NAMESPACE: 'ci-jobs',
      RUNNER_META_STEP_IMAGE: 'ghcr.io/lighthouse-ts/runner:0.1.0',
      RUNNER_META_STEP_SERVICE_ACCOUNT: 'ci-lighthouse-meta-step',
    });
    expect(envOf(lighthouse)).not.toHaveProperty('LIGHTHOUSE_META_STEP_SERVICE_ACCOUNT');
  });

  it.each(modes)(
    "in %s mode creates the meta step's ServiceAccount, and the builds' with no token and no Role bound to it",
    async (mode) => {
      const objects = await helmTemplate(helm, {
        namespace: 'ci',
        values: { ...ownJobs, 'metapipeline.mode': mode },
      });
      expect(
        ofKind(objects, 'ServiceAccount')
          .map((account) => account.metadata.name)
          .sort(),
      ).toEqual(
        mode === 'embedded'
          ? ['ci-lighthouse', 'ci-lighthouse-meta-step', 'tekton-bot']
          : ['ci-lighthouse', 'ci-lighthouse-meta-step', 'ci-lighthouse-runner', 'tekton-bot'],
      );
      expect(named(objects, 'ServiceAccount', 'tekton-bot').automountServiceAccountToken).toBe(false);
      const subjects = ofKind(objects, 'RoleBinding').flatMap(
        (binding) => (binding as unknown as { subjects: { name: string }[] }).subjects,
      );
      expect(subjects.map((subject) => subject.name)).not.toContain('tekton-bot');
    },
  );

  it("leaves the builds' ServiceAccount to the user (Jenkins X's tekton-bot) when told not to create it", async () => {
    const objects = await helmTemplate(helm, {
      namespace: 'ci',
      values: { ...ownJobs, 'builds.serviceAccount.create': false },
    });
    expect(
      ofKind(objects, 'ServiceAccount')
        .map((account) => account.metadata.name)
        .sort(),
    ).toEqual(['ci-lighthouse', 'ci-lighthouse-meta-step']);
  });

  it("refuses the meta step's ServiceAccount as the builds', naming the settings", async () => {
    expect(
      await helmTemplateError(helm, {
        namespace: 'ci',
        values: { ...ownJobs, 'builds.serviceAccount.name': 'ci-lighthouse-meta-step' },
      }),
    ).toContain('metaStep.serviceAccount.name and builds.serviceAccount.name must differ');
  });

  it("binds the meta step's Role to a ServiceAccount the user brings, by name", async () => {
    const objects = await helmTemplate(helm, {
      namespace: 'ci',
      values: {
        ...ownJobs,
        'metaStep.serviceAccount.create': false,
        'metaStep.serviceAccount.name': 'ci-meta-step',
      },
    });
    expect(ofKind(objects, 'ServiceAccount').map((account) => account.metadata.name)).toEqual([
      'ci-lighthouse',
      'tekton-bot',
    ]);
    const binding = named(objects, 'RoleBinding', 'ci-lighthouse-meta-step') as unknown as {
      subjects: { kind: string; name: string; namespace: string }[];
    };
    expect(binding.subjects).toEqual([
      { kind: 'ServiceAccount', name: 'ci-meta-step', namespace: 'ci-jobs' },
    ]);
    expect(envOf(named(objects, 'Deployment', 'ci-lighthouse'))).toMatchObject({
      LIGHTHOUSE_META_STEP_SERVICE_ACCOUNT: 'ci-meta-step',
    });
  });

  it.each(modes)(
    "in %s mode names the meta step's ServiceAccount after the release, so releases sharing a jobs namespace each have their own",
    async (mode) => {
      const accounts = async (release: string, namespace: string) => {
        const objects = await helmTemplate(helm, {
          namespace,
          release,
          values: { ...ownJobs, 'metapipeline.mode': mode, 'builds.serviceAccount.create': false },
        });
        // The Deployment that creates meta PipelineRuns: lighthouse (embedded) or the runner (remote).
        const creator = ofKind(objects, 'Deployment').find(
          (deployment) => deployment.metadata.name.endsWith('-runner') === (mode === 'remote'),
        );
        if (!creator) throw new Error(`no Deployment creates meta PipelineRuns in release ${release}`);
        const env = envOf(creator);
        const policy = ofKind(objects, 'ValidatingAdmissionPolicy')[0] as unknown as {
          spec: { validations: { expression: string }[] };
        };
        return {
          jobs: objects
            .filter((object) => object.metadata.namespace === 'ci-jobs')
            .map((object) => `${object.kind} ${object.metadata.name}`),
          metaStep:
            env[
              mode === 'embedded'
                ? 'LIGHTHOUSE_META_STEP_SERVICE_ACCOUNT'
                : 'RUNNER_META_STEP_SERVICE_ACCOUNT'
            ],
          buildCreator: policy.spec.validations[1]?.expression,
        };
      };
      const ci = await accounts('ci', 'ci');
      const cd = await accounts('cd', 'cd');
      expect(ci.metaStep).toBe('ci-lighthouse-meta-step');
      expect(cd.metaStep).toBe('cd-lighthouse-meta-step');
      expect(ci.jobs).toContain('ServiceAccount ci-lighthouse-meta-step');
      expect(ci.buildCreator).toContain("'system:serviceaccount:ci-jobs:ci-lighthouse-meta-step'");
      expect(cd.buildCreator).toContain("'system:serviceaccount:ci-jobs:cd-lighthouse-meta-step'");
      // Nothing the two put in the jobs' namespace has the same kind and name.
      expect(ci.jobs.filter((object) => cd.jobs.includes(object))).toEqual([]);
      // A release whose name says lighthouse already: no `-lighthouse` added.
      expect((await accounts('lighthouse', 'jx')).metaStep).toBe('lighthouse-meta-step');
    },
  );

  it("binds the meta step's Role to the release's own name when the user brings the ServiceAccount without naming it", async () => {
    const objects = await helmTemplate(helm, {
      namespace: 'ci',
      values: { ...ownJobs, 'metaStep.serviceAccount.create': false },
    });
    expect(ofKind(objects, 'ServiceAccount').map((account) => account.metadata.name)).toEqual([
      'ci-lighthouse',
      'tekton-bot',
    ]);
    const binding = named(objects, 'RoleBinding', 'ci-lighthouse-meta-step') as unknown as {
      subjects: { kind: string; name: string; namespace: string }[];
    };
    expect(binding.subjects).toEqual([
      { kind: 'ServiceAccount', name: 'ci-lighthouse-meta-step', namespace: 'ci-jobs' },
    ]);
  });

  it("refuses tekton-bot, the builds' default ServiceAccount, as the meta step's, naming the setting", async () => {
    expect(
      await helmTemplateError(helm, {
        namespace: 'ci',
        values: { ...ownJobs, 'metaStep.serviceAccount.name': 'tekton-bot' },
      }),
    ).toContain('metaStep.serviceAccount.name must not be tekton-bot');
  });

  it.each(modes)(
    "in %s mode with jobsNamespace puts the jobs' objects and every Role there, and lighthouse's own objects (Secrets, config) in the release namespace",
    async (mode) => {
      const objects = await helmTemplate(helm, {
        namespace: 'ci',
        values: { 'metapipeline.mode': mode, jobsNamespace: 'ci-jobs' },
      });
      const where = objects.map((object) => [
        `${object.kind} ${object.metadata.name}`,
        object.metadata.namespace,
      ]);
      expect(
        where
          .filter(([, namespace]) => namespace === 'ci-jobs')
          .map(([object]) => object)
          .sort(),
      ).toEqual([
        'Role ci-lighthouse-meta-step',
        'Role ci-lighthouse-metapipeline',
        'RoleBinding ci-lighthouse-meta-step',
        'RoleBinding ci-lighthouse-metapipeline',
        'ServiceAccount ci-lighthouse-meta-step',
        'ServiceAccount tekton-bot',
      ]);
      // Besides the admission policy and its binding, cluster-wide (the binding selects the jobs' namespace).
      expect(where.filter(([, namespace]) => namespace !== 'ci-jobs' && namespace !== 'ci')).toEqual([
        ['ValidatingAdmissionPolicy ci-lighthouse.ci.pipelineruns.lighthouse-ts.dev', undefined],
        ['ValidatingAdmissionPolicyBinding ci-lighthouse.ci.pipelineruns.lighthouse-ts.dev', undefined],
      ]);
      const subjects = Object.fromEntries(
        ofKind(objects, 'RoleBinding').map((binding) => [
          binding.metadata.name,
          (binding as unknown as { subjects: { name: string; namespace: string }[] }).subjects,
        ]),
      );
      expect(subjects).toEqual({
        'ci-lighthouse-metapipeline': [
          {
            kind: 'ServiceAccount',
            name: mode === 'embedded' ? 'ci-lighthouse' : 'ci-lighthouse-runner',
            namespace: 'ci',
          },
        ],
        'ci-lighthouse-meta-step': [
          { kind: 'ServiceAccount', name: 'ci-lighthouse-meta-step', namespace: 'ci-jobs' },
        ],
      });
      // lighthouse sends it in each request in remote mode too, and the runner's status sync watches it.
      expect(envOf(named(objects, 'Deployment', 'ci-lighthouse'))).toMatchObject({
        LIGHTHOUSE_NAMESPACE: 'ci-jobs',
      });
      if (mode === 'remote') {
        expect(envOf(named(objects, 'Deployment', 'ci-lighthouse-runner'))).toMatchObject({
          RUNNER_NAMESPACE: 'ci-jobs',
        });
      }
    },
  );

  it.each([
    {
      given: 'the default values',
      jobsNamespace: undefined,
      why: 'jobsNamespace is empty, so jobs would run in the release namespace ci',
    },
    {
      given: 'jobsNamespace empty',
      jobsNamespace: '',
      why: 'jobsNamespace is empty, so jobs would run in the release namespace ci',
    },
    {
      given: 'jobsNamespace the release namespace',
      jobsNamespace: 'ci',
      why: 'jobsNamespace is the release namespace ci',
    },
  ])(
    "refuses $given without allowJobsInReleaseNamespace, naming lighthouse's Secrets and both ways out",
    async ({ jobsNamespace, why }) => {
      for (const mode of modes) {
        const values = {
          'metapipeline.mode': mode,
          ...(jobsNamespace === undefined ? {} : { jobsNamespace }),
        };
        const refusal = await helmTemplateError(helm, { namespace: 'ci', values });
        expect(refusal).toContain(
          `${why}, where any pipeline (pull request code) can mount lighthouse's Secrets`,
        );
        expect(refusal).toContain('kubectl create namespace ci-jobs, then --set jobsNamespace=ci-jobs');
        expect(refusal).toContain('--set allowJobsInReleaseNamespace=true');
        // `helm install` refuses too, before anything is applied.
        await expect(helmNotes(helm, { namespace: 'ci', values })).rejects.toThrow(why);
        // An explicit false is no opt-in.
        expect(
          await helmTemplateError(helm, {
            namespace: 'ci',
            values: { ...values, allowJobsInReleaseNamespace: false },
          }),
        ).toContain(why);
      }
    },
  );

  it.each(modes)(
    'in %s mode with allowJobsInReleaseNamespace puts the jobs, every Role and the admission policy’s reach in the release namespace',
    async (mode) => {
      for (const values of [sharedJobs, { ...sharedJobs, jobsNamespace: 'ci' }]) {
        const objects = await helmTemplate(helm, {
          namespace: 'ci',
          values: { ...values, 'metapipeline.mode': mode },
        });
        // Every object but the admission policy and its binding, which are cluster-wide.
        const namespaced = objects.filter((object) => !object.kind.startsWith('ValidatingAdmissionPolicy'));
        expect(namespaced.filter((object) => object.metadata.namespace !== 'ci')).toEqual([]);
        expect(
          ofKind(objects, 'Role')
            .map((role) => role.metadata.name)
            .sort(),
        ).toEqual(['ci-lighthouse-meta-step', 'ci-lighthouse-metapipeline']);
        const creator = mode === 'embedded' ? 'ci-lighthouse' : 'ci-lighthouse-runner';
        expect(
          Object.fromEntries(
            ofKind(objects, 'RoleBinding').map((binding) => [
              binding.metadata.name,
              (binding as unknown as { subjects: object[] }).subjects,
            ]),
          ),
        ).toEqual({
          'ci-lighthouse-metapipeline': [{ kind: 'ServiceAccount', name: creator, namespace: 'ci' }],
          'ci-lighthouse-meta-step': [
            { kind: 'ServiceAccount', name: 'ci-lighthouse-meta-step', namespace: 'ci' },
          ],
        });
        const env = envOf(
          named(objects, 'Deployment', mode === 'embedded' ? 'ci-lighthouse' : 'ci-lighthouse-runner'),
        );
        expect(env[mode === 'embedded' ? 'LIGHTHOUSE_NAMESPACE' : 'RUNNER_NAMESPACE']).toBe('ci');
        const name = 'ci-lighthouse.ci.pipelineruns.lighthouse-ts.dev';
        const binding = named(objects, 'ValidatingAdmissionPolicyBinding', name) as unknown as {
          spec: { matchResources: object };
        };
        expect(binding.spec.matchResources).toEqual({
          namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'ci' } },
        });
        const policy = named(objects, 'ValidatingAdmissionPolicy', name) as unknown as {
          spec: { validations: { expression: string }[] };
        };
        expect(policy.spec.validations[1]?.expression).toContain(
          "request.userInfo.username == 'system:serviceaccount:ci:ci-lighthouse-meta-step'",
        );
      }
    },
  );

  it.each([
    { given: 'allowJobsInReleaseNamespace', values: sharedJobs, warns: true },
    {
      given: 'allowJobsInReleaseNamespace and jobsNamespace ci',
      values: { ...sharedJobs, jobsNamespace: 'ci' },
      warns: true,
    },
    { given: 'jobsNamespace ci-jobs', values: ownJobs, warns: false },
    // The opt-in changes nothing when the jobs have a namespace of their own.
    {
      given: 'jobsNamespace ci-jobs and allowJobsInReleaseNamespace',
      values: { ...sharedJobs, ...ownJobs },
      warns: false,
    },
  ])(
    "with $given (release namespace ci) warns after install that pipelines can read lighthouse's Secrets: $warns",
    async ({ values, warns }) => {
      const notes = await helmNotes(helm, { namespace: 'ci', values });
      expect(notes).toContain(`starts jobs in the namespace ${warns ? 'ci' : 'ci-jobs'}`);
      expect(notes).toContain('run as the ServiceAccount\nci-lighthouse-meta-step.');
      expect(notes.includes('WARNING: jobs run in the release namespace ci')).toBe(warns);
      if (warns) {
        expect(notes).toContain('--set jobsNamespace=ci-jobs --set allowJobsInReleaseNamespace=false');
      }
    },
  );

  it.each(modes)(
    'in %s mode: every pod non-root, read-only, no privilege escalation, no capabilities, probed, with resources',
    async (mode) => {
      const objects = await helmTemplate(helm, {
        namespace: 'ci',
        values: { ...ownJobs, 'metapipeline.mode': mode },
      });
      for (const deployment of ofKind(objects, 'Deployment')) {
        const spec = podSpec(deployment);
        expect(spec.securityContext).toMatchObject({
          runAsNonRoot: true,
          seccompProfile: { type: 'RuntimeDefault' },
        });
        for (const container of spec.containers) {
          expect(container.securityContext).toEqual({
            allowPrivilegeEscalation: false,
            readOnlyRootFilesystem: true,
            capabilities: { drop: ['ALL'] },
          });
          expect(container.livenessProbe?.httpGet).toEqual({ path: '/healthz', port: 'http' });
          expect(container.readinessProbe?.httpGet).toEqual({ path: '/readyz', port: 'http' });
          expect(container.resources?.requests).toHaveProperty('memory');
          expect(container.resources?.limits).toHaveProperty('memory');
        }
        const budget = named(objects, 'PodDisruptionBudget', deployment.metadata.name) as unknown as {
          spec: { selector: { matchLabels: object } };
        };
        expect(budget.spec.selector.matchLabels).toEqual(
          (deployment as unknown as { spec: { selector: { matchLabels: object } } }).spec.selector
            .matchLabels,
        );
      }
    },
  );

  it.each(
    modes.flatMap((mode) => [
      { mode, github: 'an App', values: everything },
      { mode, github: 'a token', values: githubToken },
    ]),
  )(
    'in $mode mode, GitHub with $github, passes every secret as a file from a mounted Secret, never in the environment',
    async ({ mode, values }) => {
      const objects = await helmTemplate(helm, {
        namespace: 'ci',
        values: { ...values, ...ownJobs, 'metapipeline.mode': mode },
      });
      const secretFiles: Record<string, Record<string, string | undefined>> = {};
      for (const deployment of ofKind(objects, 'Deployment')) {
        const spec = podSpec(deployment);
        const env = spec.containers.flatMap((c) => c.env ?? []);
        expect(env.filter((e) => e.valueFrom !== undefined)).toEqual([]);
        // Each file variable, and the Secret mounted where it points (none for the ConfigMap's files).
        secretFiles[deployment.metadata.name] = Object.fromEntries(
          env
            .filter((e) => e.name.endsWith('_FILE'))
            .map(({ name, value }) => {
              const mount = spec.containers[0]?.volumeMounts?.find((m) =>
                value?.startsWith(`${m.mountPath}/`),
              );
              return [name, spec.volumes?.find((v) => v.name === mount?.name)?.secret?.secretName];
            })
            .filter(([, secret]) => secret !== undefined),
        );
        // No Secret is mounted that no variable points into.
        expect(spec.volumes?.filter((v) => v.secret).length).toBe(
          Object.keys(secretFiles[deployment.metadata.name] ?? {}).length,
        );
        // Readable by the pod's group only (fsGroup), never by others.
        expect(spec.volumes?.filter((v) => v.secret).map((v) => v.secret?.defaultMode)).toEqual(
          spec.volumes?.filter((v) => v.secret).map(() => 0o440),
        );
      }
      const providers = {
        ...tokenFiles,
        ...(values === everything
          ? { LIGHTHOUSE_GITHUB_APP_KEY_FILE: 'github-app' }
          : { LIGHTHOUSE_GITHUB_TOKEN_FILE: 'github-token' }),
      };
      const lighthouse = { LIGHTHOUSE_WEBHOOK_SECRET_FILE: 'ci-lighthouse-webhook', ...providers };
      // The runner reads the provider credentials for its reporter.
      expect(secretFiles).toEqual(
        mode === 'embedded'
          ? { 'ci-lighthouse': lighthouse }
          : {
              'ci-lighthouse': { ...lighthouse, LIGHTHOUSE_RUNNER_TOKEN_FILE: 'ci-lighthouse-runner-token' },
              'ci-lighthouse-runner': { ...providers, RUNNER_TOKEN_FILE: 'ci-lighthouse-runner-token' },
            },
      );
    },
  );

  it('puts config.yaml and plugins.yaml in the ConfigMap lighthouse reads them from', async () => {
    const objects = await helmTemplate(helm, { namespace: 'ci', values: { ...everything, ...ownJobs } });
    const configMap = named(objects, 'ConfigMap', 'ci-lighthouse-config') as unknown as {
      data: Record<string, string>;
    };
    expect(configMap.data['config.yaml']).toContain('always_run: true');
    expect(configMap.data['plugins.yaml']).toContain('- trigger');
    const lighthouse = named(objects, 'Deployment', 'ci-lighthouse');
    expect(envOf(lighthouse)).toMatchObject({
      LIGHTHOUSE_CONFIG_FILE: '/etc/lighthouse/config/config.yaml',
      LIGHTHOUSE_PLUGINS_FILE: '/etc/lighthouse/config/plugins.yaml',
    });
    expect(podSpec(lighthouse).volumes?.find((v) => v.name === 'config')?.configMap?.name).toBe(
      'ci-lighthouse-config',
    );
  });

  it('uses the Secrets and ConfigMap the user brings instead of making its own', async () => {
    const objects = await helmTemplate(helm, {
      namespace: 'ci',
      values: {
        ...ownJobs,
        'metapipeline.mode': 'remote',
        'lighthouse.webhookSecret.existingSecret': 'hmac-token',
        'lighthouse.webhookSecret.format': 'scoped',
        'runner.token.existingSecret': 'runner-token',
        existingConfigMap: 'lighthouse-config',
      },
    });
    expect(ofKind(objects, 'Secret')).toEqual([]);
    expect(ofKind(objects, 'ConfigMap')).toEqual([]);
    const lighthouse = named(objects, 'Deployment', 'ci-lighthouse');
    expect(envOf(lighthouse)).toHaveProperty('LIGHTHOUSE_WEBHOOK_SECRETS_FILE');
    expect(
      podSpec(lighthouse)
        .volumes?.flatMap((v) => v.secret?.secretName ?? v.configMap?.name ?? [])
        .sort(),
    ).toEqual(['hmac-token', 'lighthouse-config', 'runner-token']);
  });

  it.each([
    {
      refused: 'a Gitea token without the Gitea API URL',
      values: { 'git.gitea.tokenSecret': 'gitea-token' },
      message: 'git.gitea.apiUrl is required with a token',
    },
    {
      refused: 'a Bitbucket Server token without its API URL (remote mode)',
      values: { 'metapipeline.mode': 'remote', 'git.bitbucketserver.tokenSecret': 'bitbucket-token' },
      message: 'git.bitbucketserver.apiUrl is required with a token',
    },
    {
      refused: "a GitHub App id without the app's key",
      values: { 'git.github.app.id': '123456' },
      message: 'git.github.app.id needs git.github.app.keySecret',
    },
    {
      refused: "a GitHub App's key without its id",
      values: { 'git.github.app.keySecret': 'github-app' },
      message: 'git.github.app.keySecret needs git.github.app.id',
    },
    {
      refused: 'a GitHub App and a GitHub token',
      values: {
        'git.github.app.id': '123456',
        'git.github.app.keySecret': 'github-app',
        'git.github.tokenSecret': 'github-token',
      },
      message: 'git.github.app.id and git.github.tokenSecret: act as the app or with a token, not both',
    },
    {
      refused: "the meta step's ServiceAccount as a build's (remote mode)",
      values: {
        'metapipeline.mode': 'remote',
        'runner.allowed.serviceAccounts': ['ci-lighthouse-meta-step'],
      },
      message:
        "runner.allowed.serviceAccounts must not name the meta step's ServiceAccount ci-lighthouse-meta-step",
    },
    {
      refused: 'the old lighthouse.git',
      values: { 'lighthouse.git.github.tokenSecret': 'github-token' },
      message: 'lighthouse.git moved to git (top level)',
    },
  ])('refuses $refused, naming the settings', async ({ values, message }) => {
    expect(await helmTemplateError(helm, { namespace: 'ci', values: { ...ownJobs, ...values } })).toContain(
      message,
    );
  });

  it('in remote mode mounts the provider credentials into lighthouse and the runner, and gives the report settings to the runner only', async () => {
    for (const values of [everything, githubToken]) {
      const objects = await helmTemplate(helm, {
        namespace: 'ci',
        values: { ...values, ...ownJobs, 'metapipeline.mode': 'remote' },
      });
      const lighthouse = named(objects, 'Deployment', 'ci-lighthouse');
      const runner = named(objects, 'Deployment', 'ci-lighthouse-runner');
      const providerEnv = (deployment: Manifest) =>
        Object.fromEntries(
          Object.entries(envOf(deployment)).filter(([name]) =>
            /^LIGHTHOUSE_(GITHUB|GITLAB|GITEA|BITBUCKETSERVER)_/.test(name),
          ),
        );
      const providerVolumes = (deployment: Manifest) =>
        podSpec(deployment).volumes?.filter((v) => !ownVolumes.includes(v.name)) ?? [];
      const providerMounts = (deployment: Manifest) =>
        podSpec(deployment).containers[0]?.volumeMounts?.filter((m) => !ownVolumes.includes(m.name)) ?? [];

      expect(providerEnv(lighthouse)).toEqual(
        values === everything
          ? {
              LIGHTHOUSE_GITHUB_API_URL: 'https://api.github.com',
              LIGHTHOUSE_GITHUB_APP_ID: '123456',
              LIGHTHOUSE_GITHUB_APP_KEY_FILE: '/etc/lighthouse/github-app/private-key.pem',
              LIGHTHOUSE_GITLAB_API_URL: 'https://gitlab.com/api/v4',
              LIGHTHOUSE_GITLAB_TOKEN_FILE: '/etc/lighthouse/gitlab/token',
              LIGHTHOUSE_GITEA_API_URL: 'https://gitea.example.com/api/v1',
              LIGHTHOUSE_GITEA_TOKEN_FILE: '/etc/lighthouse/gitea/token',
              LIGHTHOUSE_BITBUCKETSERVER_API_URL: 'https://bitbucket.example.com',
              LIGHTHOUSE_BITBUCKETSERVER_TOKEN_FILE: '/etc/lighthouse/bitbucketserver/token',
            }
          : expect.objectContaining({ LIGHTHOUSE_GITHUB_TOKEN_FILE: '/etc/lighthouse/github/token' }),
      );
      if (values === githubToken)
        expect(providerEnv(lighthouse)).not.toHaveProperty('LIGHTHOUSE_GITHUB_APP_ID');
      // The same variables, Secrets and mounts in both: one definition.
      expect(providerEnv(runner)).toEqual(providerEnv(lighthouse));
      expect(providerVolumes(runner)).toEqual(providerVolumes(lighthouse));
      expect(providerMounts(runner)).toEqual(providerMounts(lighthouse));
      expect(providerVolumes(lighthouse).map((v) => v.secret?.secretName)).toEqual(
        values === everything
          ? ['bitbucket-token', 'gitea-token', 'gitlab-token', 'github-app']
          : ['bitbucket-token', 'gitea-token', 'github-token', 'gitlab-token'],
      );

      expect(envOf(runner)).toMatchObject({
        LIGHTHOUSE_REPORT: 'true',
        LIGHTHOUSE_REPORT_TARGET_URL:
          'https://dashboard.example.com/#/namespaces/{namespace}/pipelineruns/{pipelineRun}',
      });
      expect(Object.keys(envOf(lighthouse)).filter((name) => name.startsWith('LIGHTHOUSE_REPORT'))).toEqual(
        [],
      );
    }
  });

  it('in embedded mode gives the report settings to lighthouse, which runs the reporter', async () => {
    const defaults = envOf(
      named(await helmTemplate(helm, { namespace: 'ci', values: ownJobs }), 'Deployment', 'ci-lighthouse'),
    );
    expect(defaults).toMatchObject({ LIGHTHOUSE_REPORT: 'true' });
    // No link unless a template is given.
    expect(defaults).not.toHaveProperty('LIGHTHOUSE_REPORT_TARGET_URL');
    const objects = await helmTemplate(helm, { namespace: 'ci', values: { ...everything, ...ownJobs } });
    expect(envOf(named(objects, 'Deployment', 'ci-lighthouse'))).toMatchObject({
      LIGHTHOUSE_REPORT: 'true',
      LIGHTHOUSE_REPORT_TARGET_URL:
        'https://dashboard.example.com/#/namespaces/{namespace}/pipelineruns/{pipelineRun}',
    });
  });

  it.each([
    { mode: 'embedded', deployment: 'ci-lighthouse' },
    { mode: 'remote', deployment: 'ci-lighthouse-runner' },
  ])(
    'in $mode mode turns the reporter off in $deployment with report.enabled=false',
    async ({ mode, deployment }) => {
      const objects = await helmTemplate(helm, {
        namespace: 'ci',
        values: { ...ownJobs, 'metapipeline.mode': mode, 'report.enabled': false },
      });
      expect(envOf(named(objects, 'Deployment', deployment))).toMatchObject({ LIGHTHOUSE_REPORT: 'false' });
    },
  );

  it('passes a GitHub App id from a values file (a number) as written, not as a float', async () => {
    const objects = await helmTemplate(helm, {
      namespace: 'ci',
      values: { ...ownJobs, 'git.github.app.id': 12345678, 'git.github.app.keySecret': 'github-app' },
    });
    expect(envOf(named(objects, 'Deployment', 'ci-lighthouse'))).toMatchObject({
      LIGHTHOUSE_GITHUB_APP_ID: '12345678',
    });
  });

  it('refuses an unknown mode, naming the setting', async () => {
    expect(
      await helmTemplateError(helm, {
        namespace: 'ci',
        values: { ...ownJobs, 'metapipeline.mode': 'hybrid' },
      }),
    ).toContain('metapipeline.mode must be embedded or remote');
  });

  it.each(modes)(
    'in %s mode scrapes /metrics of every component through the optional ServiceMonitor',
    async (mode) => {
      const objects = await helmTemplate(helm, {
        namespace: 'ci',
        values: { ...ownJobs, 'metapipeline.mode': mode, 'serviceMonitor.enabled': true },
      });
      const monitor = named(objects, 'ServiceMonitor', 'ci-lighthouse') as unknown as {
        spec: {
          selector: { matchLabels: Record<string, string>; matchExpressions: { values: string[] }[] };
          endpoints: { port: string; path: string }[];
        };
      };
      const scraped = ofKind(objects, 'Service').filter((service) => {
        const labels = (service.metadata.labels ?? {}) as Record<string, string>;
        return (
          Object.entries(monitor.spec.selector.matchLabels).every(([k, v]) => labels[k] === v) &&
          monitor.spec.selector.matchExpressions[0]?.values.includes(
            labels['app.kubernetes.io/component'] ?? '',
          )
        );
      });
      expect(scraped.map((s) => s.metadata.name).sort()).toEqual(
        ofKind(objects, 'Deployment')
          .map((d) => d.metadata.name)
          .sort(),
      );
      // Each Service's scraped port leads to the container port its app serves /metrics on.
      for (const service of scraped) {
        const ports = (service as unknown as { spec: { ports: { name: string; targetPort: string }[] } }).spec
          .ports;
        const scrapedPort = ports.find((p) => p.name === monitor.spec.endpoints[0]?.port);
        const container = podSpec(named(objects, 'Deployment', service.metadata.name))
          .containers[0] as Container;
        const target = container.ports?.find((p) => p.name === scrapedPort?.targetPort);
        const env = envOf(named(objects, 'Deployment', service.metadata.name));
        if (service.metadata.name.endsWith('-runner')) {
          expect(target?.name).toBe('metrics');
          expect(env.RUNNER_METRICS_PORT).toBe(String(target?.containerPort));
        } else {
          expect(target).toMatchObject({ name: 'http', containerPort: Number(env.LIGHTHOUSE_PORT) });
        }
      }
      expect(monitor.spec.endpoints[0]?.path).toBe('/metrics');
    },
  );

  it.each([
    { mode: 'embedded', deployment: 'ci-lighthouse', prefix: 'LIGHTHOUSE' },
    { mode: 'remote', deployment: 'ci-lighthouse-runner', prefix: 'RUNNER' },
  ])(
    "in $mode mode gives the meta step's requests and limits to $deployment, which creates meta PipelineRuns",
    async ({ mode, deployment, prefix }) => {
      const defaults = envOf(
        named(
          await helmTemplate(helm, { namespace: 'ci', values: { ...ownJobs, 'metapipeline.mode': mode } }),
          'Deployment',
          deployment,
        ),
      );
      expect(defaults).toMatchObject({
        [`${prefix}_META_STEP_CPU_REQUEST`]: '100m',
        [`${prefix}_META_STEP_MEMORY_REQUEST`]: '256Mi',
        [`${prefix}_META_STEP_MEMORY_LIMIT`]: '1Gi',
      });
      // No CPU limit unless given.
      expect(defaults).not.toHaveProperty(`${prefix}_META_STEP_CPU_LIMIT`);
      const objects = await helmTemplate(helm, {
        namespace: 'ci',
        values: { ...everything, ...ownJobs, 'metapipeline.mode': mode },
      });
      expect(envOf(named(objects, 'Deployment', deployment))).toMatchObject({
        [`${prefix}_META_STEP_CPU_REQUEST`]: '250m',
        [`${prefix}_META_STEP_CPU_LIMIT`]: '2',
        [`${prefix}_META_STEP_MEMORY_REQUEST`]: '512Mi',
        [`${prefix}_META_STEP_MEMORY_LIMIT`]: '2Gi',
      });
    },
  );

  it("in remote mode lets a caller with the runner's token ask for lighthouse's jobs only, unless told more", async () => {
    const runnerEnv = async (values: Record<string, unknown>) =>
      envOf(
        named(
          await helmTemplate(helm, {
            namespace: 'ci',
            values: { ...ownJobs, ...values, 'metapipeline.mode': 'remote' },
          }),
          'Deployment',
          'ci-lighthouse-runner',
        ),
      );
    const defaults = await runnerEnv({ 'builds.serviceAccount.name': 'ci-builder' });
    // tekton-bot (what lighthouse's builds run as) and the builds' account; network sources; nothing else.
    expect(defaults).toMatchObject({
      RUNNER_NAMESPACE: 'ci-jobs',
      RUNNER_ALLOWED_SERVICE_ACCOUNTS: 'tekton-bot,ci-builder',
      RUNNER_ALLOWED_SOURCE_SCHEMES: 'https,http,ssh,git',
    });
    for (const name of ['RUNNER_ALLOWED_NAMESPACES', 'RUNNER_ALLOWED_SOURCE_HOSTS', 'RUNNER_ALLOWED_ENV']) {
      expect(defaults).not.toHaveProperty(name);
    }
    expect(await runnerEnv(everything)).toMatchObject({
      RUNNER_ALLOWED_NAMESPACES: 'team-a',
      RUNNER_ALLOWED_SERVICE_ACCOUNTS: 'tekton-bot,builder',
      RUNNER_ALLOWED_SOURCE_HOSTS: 'github.com,*.example.com',
      RUNNER_ALLOWED_ENV: 'GO*,MAVEN_OPTS',
    });
  });

  it('in remote mode serves the runner’s /metrics on its own port, which its Service names `metrics`', async () => {
    const objects = await helmTemplate(helm, {
      namespace: 'ci',
      values: { ...ownJobs, 'metapipeline.mode': 'remote' },
    });
    const runner = podSpec(named(objects, 'Deployment', 'ci-lighthouse-runner')).containers[0] as Container;
    expect(envOf(named(objects, 'Deployment', 'ci-lighthouse-runner'))).toMatchObject({
      RUNNER_PORT: '8080',
      RUNNER_METRICS_PORT: '9090',
    });
    expect(runner.ports).toEqual([
      { name: 'http', containerPort: 8080, protocol: 'TCP' },
      { name: 'metrics', containerPort: 9090, protocol: 'TCP' },
    ]);
    const service = named(objects, 'Service', 'ci-lighthouse-runner') as unknown as {
      spec: { ports: { name: string; targetPort: string }[] };
    };
    expect(service.spec.ports.map((p) => [p.name, p.targetPort])).toEqual([
      ['http', 'http'],
      ['metrics', 'metrics'],
    ]);
  });

  it.each([
    { mode: 'embedded', creator: 'ci:ci-lighthouse' },
    { mode: 'remote', creator: 'ci:ci-lighthouse-runner' },
  ])(
    'in $mode mode lets only $creator create meta PipelineRuns, and the meta step builds, in the jobs’ namespace',
    async ({ mode, creator }) => {
      const objects = await helmTemplate(helm, {
        namespace: 'ci',
        values: { ...ownJobs, 'metapipeline.mode': mode },
      });
      const name = 'ci-lighthouse.ci.pipelineruns.lighthouse-ts.dev';
      const policy = named(objects, 'ValidatingAdmissionPolicy', name) as unknown as {
        spec: { validations: { expression: string }[] };
      };
      const [meta, build] = policy.spec.validations.map((v) => v.expression);
      expect(meta).toContain(`request.userInfo.username == 'system:serviceaccount:${creator}'`);
      expect(build).toContain(
        "request.userInfo.username == 'system:serviceaccount:ci-jobs:ci-lighthouse-meta-step'",
      );
      const binding = named(objects, 'ValidatingAdmissionPolicyBinding', name) as unknown as {
        spec: { policyName: string; validationActions: string[]; matchResources: object };
      };
      expect(binding.spec).toEqual({
        policyName: name,
        validationActions: ['Deny'],
        matchResources: { namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'ci-jobs' } } },
      });
      const without = await helmTemplate(helm, {
        namespace: 'ci',
        values: { ...ownJobs, 'admissionPolicy.enabled': false },
      });
      expect(without.filter((o) => o.kind.startsWith('ValidatingAdmissionPolicy'))).toEqual([]);
    },
  );

  describe('NetworkPolicies', () => {
    type Peer = { podSelector?: { matchLabels: Record<string, string> }; namespaceSelector?: object };
    type Policy = {
      spec: {
        podSelector: { matchLabels: Record<string, string> };
        policyTypes: string[];
        ingress: { from?: Peer[]; ports: { port: string; protocol: string }[] }[];
      };
    };
    const podLabels = (deployment: Manifest) =>
      (deployment as unknown as { spec: { template: { metadata: { labels: Record<string, string> } } } }).spec
        .template.metadata.labels;
    const selects = (selector: Record<string, string>, labels: Record<string, string>) =>
      Object.entries(selector).every(([key, value]) => labels[key] === value);

    it('in remote mode let only lighthouse’s pods reach the runner’s API, and anyone (or metricsFrom) its metrics', async () => {
      for (const [values, metricsFrom] of [
        [{}, undefined],
        [everything, everything['networkPolicy.metricsFrom']],
      ] as const) {
        const objects = await helmTemplate(helm, {
          namespace: 'ci',
          values: { ...values, ...ownJobs, 'metapipeline.mode': 'remote' },
        });
        const lighthouse = named(objects, 'Deployment', 'ci-lighthouse');
        const runner = named(objects, 'Deployment', 'ci-lighthouse-runner');
        const policy = named(objects, 'NetworkPolicy', 'ci-lighthouse-runner') as unknown as Policy;
        expect(selects(policy.spec.podSelector.matchLabels, podLabels(runner))).toBe(true);
        expect(selects(policy.spec.podSelector.matchLabels, podLabels(lighthouse))).toBe(false);
        // Egress stays open: provider APIs on any host and port, and the Kubernetes API.
        expect(policy.spec.policyTypes).toEqual(['Ingress']);
        const [api, metrics, ...others] = policy.spec.ingress;
        expect(others).toEqual([]);
        expect(api?.ports).toEqual([{ port: 'http', protocol: 'TCP' }]);
        expect(api?.from).toHaveLength(1);
        const from = api?.from?.[0]?.podSelector?.matchLabels ?? {};
        expect(selects(from, podLabels(lighthouse))).toBe(true);
        expect(selects(from, podLabels(runner))).toBe(false);
        expect(metrics).toEqual({
          ports: [{ port: 'metrics', protocol: 'TCP' }],
          ...(metricsFrom ? { from: metricsFrom } : {}),
        });
        // The ports the policies name are the containers' own.
        expect((podSpec(runner).containers[0] as Container).ports?.map((p) => p.name)).toEqual([
          'http',
          'metrics',
        ]);
      }
    });

    it.each(modes)(
      'in %s mode let anyone reach lighthouse, on its http port only (webhooks)',
      async (mode) => {
        const objects = await helmTemplate(helm, {
          namespace: 'ci',
          values: { ...ownJobs, 'metapipeline.mode': mode },
        });
        const policy = named(objects, 'NetworkPolicy', 'ci-lighthouse') as unknown as Policy;
        const lighthouse = named(objects, 'Deployment', 'ci-lighthouse');
        expect(selects(policy.spec.podSelector.matchLabels, podLabels(lighthouse))).toBe(true);
        expect(policy.spec.ingress).toEqual([{ ports: [{ port: 'http', protocol: 'TCP' }] }]);
        expect(ofKind(objects, 'NetworkPolicy').map((p) => p.metadata.name)).toEqual(
          mode === 'embedded' ? ['ci-lighthouse'] : ['ci-lighthouse', 'ci-lighthouse-runner'],
        );
      },
    );

    it('let only ui.from reach the web page, and nobody when it is empty', async () => {
      const policyOf = async (values: Record<string, unknown>) => {
        const objects = await helmTemplate(helm, { namespace: 'ci', values: { ...ownJobs, ...values } });
        return (named(objects, 'NetworkPolicy', 'ci-lighthouse') as unknown as Policy).spec.ingress;
      };
      const webhooks = { ports: [{ port: 'http', protocol: 'TCP' }] };
      expect(await policyOf({ 'ui.enabled': true })).toEqual([webhooks]);
      const from = everything['ui.from'];
      expect(await policyOf({ 'ui.enabled': true, 'ui.from': from })).toEqual([
        webhooks,
        { ports: [{ port: 'ui', protocol: 'TCP' }], from },
      ]);
    });

    it('are left out with networkPolicy.enabled=false', async () => {
      const objects = await helmTemplate(helm, {
        namespace: 'ci',
        values: { ...ownJobs, 'metapipeline.mode': 'remote', 'networkPolicy.enabled': false },
      });
      expect(ofKind(objects, 'NetworkPolicy')).toEqual([]);
    });
  });

  it('installs the LighthouseJob CRD that packages/crds generates (run `pnpm crds` here after a change)', async () => {
    const name = 'lighthousejobs.lighthouse.jenkins.io.yaml';
    const generated = join(import.meta.dirname, '../../../packages/crds/manifests', name);
    expect(await readFile(join(chartDir, 'crds', name), 'utf8')).toBe(await readFile(generated, 'utf8'));
  });
});
