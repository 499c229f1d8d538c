// Real payloads written by others, signed and POSTed to a running lighthouse, in both modes: embedded
// (lighthouse writes to the cluster) and remote (through a runner process). The jobs expected of the go-scm
// payloads come from go-scm's own parse of each (its `.golden` file), not from our code.
import { readFileSync } from 'node:fs';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type LighthouseJob, ownLabels } from '@lighthouse-ts/crds';
import { createKubeClient, type KubeClient } from '@lighthouse-ts/kube';
import type { Provider } from '@lighthouse-ts/scm';
import { type ProviderServer, startProviderServer } from '@lighthouse-ts/scm/testing';
import { receiveWebhook, repositoryOf } from '@lighthouse-ts/scm/webhooks';
import type { TestCluster } from '@lighthouse-ts/testenv';
import { killApps, type ServingApp, startServingApp } from '@lighthouse-ts/testenv/app-process';
import { rawRequest } from '@lighthouse-ts/testenv/http';
import { testCluster } from '@lighthouse-ts/testenv/vitest';
import { afterAll, beforeAll, describe, expect, inject, it, vi } from 'vitest';
import * as z from 'zod';
import { delivery, goScmFolders, goScmManifest, octokitExamples } from '../../packages/scm/test/payloads.ts';

const lighthouseMain = join(import.meta.dirname, '../../apps/lighthouse/src/main.ts');
const runnerMain = join(import.meta.dirname, '../../apps/runner/src/main.ts');
const secret = 'e2e-webhook-secret';

interface Payload {
  provider: Provider;
  event: string;
  body: Buffer;
  /** What go-scm made of it, when it has a parse: `job owner/repo sha` of each job it should start. */
  expected?: string[];
  /** The repository go-scm's parse names. */
  repo?: string;
}

const Golden = z.looseObject({
  Action: z.string().optional(),
  After: z.string().optional(),
  Repo: z.looseObject({ FullName: z.string() }).optional(),
  PullRequest: z.looseObject({ Sha: z.string() }).optional(),
});

/**
 * With every repository running an always-run presubmit `unit` and a postsubmit `release` on every ref, and
 * every author trusted: a push that does not delete runs `release` at its new SHA, and a pull request
 * opened, reopened or updated runs `unit` at its head (Lighthouse's trigger).
 */
function jobsOf(goType: string, golden: z.infer<typeof Golden>): string[] {
  const repo = golden.Repo?.FullName;
  if (goType === 'scm.PushHook' && golden.After && !/^0+$/.test(golden.After)) {
    return [`release ${repo} ${golden.After}`];
  }
  const sha = golden.PullRequest?.Sha;
  if (
    goType === 'scm.PullRequestHook' &&
    ['opened', 'reopened', 'synchronized'].includes(golden.Action ?? '')
  ) {
    return [`unit ${repo} ${sha}`];
  }
  return [];
}

/**
 * Where we decide differently from go-scm's parse, on purpose: the jobs we start instead, and why.
 */
const deliberateDifferences: Record<string, { jobs: string[]; why: string }> = {
  'gitlab/pull_request_edited.json': {
    jobs: ['unit gitlab-org/hello-world c4c79227ed610f1151f05bbc5be33b4f340d39c8'],
    why: "an `update` with `oldrev` moved the merge request's head: new commits, tested as a synchronize",
  },
  'stash/push_tag_create.json': {
    jobs: ['release PRJ/my-repo 823b2230a56056231c9425d63758fa87078a66b4'],
    why: 'a pushed tag runs the postsubmits its name matches, as a GitHub or GitLab tag push does',
  },
};

function goScm(fixturesDir: string): Payload[] {
  return (Object.entries(goScmFolders) as [Provider, string][]).flatMap(([provider, folder]) => {
    const base = join(fixturesDir, 'go-scm', folder);
    const read = (file: string) => readFileSync(join(base, 'testdata', 'webhooks', file));
    const manifest = goScmManifest(base);
    return manifest.cases.map((c) => {
      const golden = Golden.parse(JSON.parse(read(c.golden).toString('utf8')));
      return {
        provider,
        event: c.event_header_value,
        body: read(c.payload),
        expected: deliberateDifferences[`${folder}/${c.payload}`]?.jobs ?? jobsOf(c.go_type, golden),
        ...(golden.Repo ? { repo: golden.Repo.FullName } : {}),
      };
    });
  });
}

const goPlaygroundEvents: Record<string, [Provider, string]> = {
  'bitbucket-server/pr-comment-added.json': ['bitbucketserver', 'pr:comment:added'],
  'bitbucket-server/pr-merged.json': ['bitbucketserver', 'pr:merged'],
  'bitbucket-server/pr-opened.json': ['bitbucketserver', 'pr:opened'],
  'bitbucket-server/repo-refs-changed.json': ['bitbucketserver', 'repo:refs_changed'],
  'gitea/issue-comment-event.json': ['gitea', 'issue_comment'],
  'gitea/pull-request-comment-event.json': ['gitea', 'issue_comment'],
  'gitea/pull-request-event.json': ['gitea', 'pull_request'],
  'gitea/push-event.json': ['gitea', 'push'],
  'github/issue-comment.json': ['github', 'issue_comment'],
  'github/pull-request-issue-comment.json': ['github', 'issue_comment'],
  'github/pull-request-review-comment.json': ['github', 'pull_request_review_comment'],
  'github/pull-request-review.json': ['github', 'pull_request_review'],
  'github/pull-request.json': ['github', 'pull_request'],
  'github/push.json': ['github', 'push'],
  'gitlab/comment-issue-event.json': ['gitlab', 'Note Hook'],
  'gitlab/comment-merge-request-event.json': ['gitlab', 'Note Hook'],
  'gitlab/merge-request-event.json': ['gitlab', 'Merge Request Hook'],
  'gitlab/pipeline-event.json': ['gitlab', 'Pipeline Hook'],
  'gitlab/push-event.json': ['gitlab', 'Push Hook'],
  'gitlab/tag-event.json': ['gitlab', 'Tag Push Hook'],
};

function goPlayground(fixturesDir: string): Payload[] {
  return Object.entries(goPlaygroundEvents).map(([file, [provider, event]]) => ({
    provider,
    event,
    body: readFileSync(join(fixturesDir, 'go-playground-webhooks', 'testdata', file)),
  }));
}

function octokit(): Payload[] {
  return ['ping', 'push', 'pull_request', 'issue_comment', 'pull_request_review'].flatMap((event) =>
    octokitExamples(event).map((example) => ({
      provider: 'github' as const,
      event,
      body: Buffer.from(JSON.stringify(example)),
    })),
  );
}

/**
 * Every repository the payloads are about runs `unit` on pull requests and `release` on pushes: as go-scm
 * names it where it parsed the payload, else as the repository fields of the payload say.
 */
function configFor(payloads: Payload[]) {
  const repos = new Set<string>();
  for (const { provider, body, repo: named } of payloads) {
    const repo = named ?? repositoryOf(provider, JSON.parse(body.toString('utf8')));
    if (repo && !repo.endsWith('/')) repos.add(repo);
  }
  const each = (lines: (repo: string) => string) => [...repos].map(lines).join('');
  return {
    config: [
      'presubmits:',
      each((r) => `  ${JSON.stringify(r)}:\n    - {name: unit, context: unit, always_run: true}\n`),
      'postsubmits:',
      each((r) => `  ${JSON.stringify(r)}:\n    - {name: release}\n`),
    ].join('\n'),
    plugins: `plugins:\n${each((r) => `  ${JSON.stringify(r)}: [trigger]\n`)}`,
  };
}

/**
 * Where each provider's repositories are cloned from, as the payloads' clone URLs say: the URL less the
 * repository's path. Lighthouse starts no job whose clone URL is not under one of these, and the providers'
 * API, on this machine, says nothing of the hosts the payloads were recorded on.
 */
function webUrlsOf(payloads: Payload[]): Record<Provider, string[]> {
  const roots: Record<Provider, Set<string>> = {
    github: new Set(),
    gitlab: new Set(),
    gitea: new Set(),
    bitbucketserver: new Set(),
  };
  for (const { provider, event, body } of payloads) {
    const { headers } = delivery({ provider, event, body, deliveryId: 'web-urls', secret });
    const outcome = receiveWebhook({ headers, body, secrets: [secret] });
    if (outcome.kind !== 'event' || !outcome.event.repo?.cloneUrl) continue;
    const { owner, name, cloneUrl } = outcome.event.repo;
    const url = new URL(cloneUrl);
    const scm = provider === 'bitbucketserver' ? '/scm' : '';
    const repoPath = `${scm}/${owner}/${name}`.toLowerCase();
    const path = decodeURIComponent(url.pathname)
      .replace(/\.git$/, '')
      .replace(/\/$/, '');
    if (!path.toLowerCase().endsWith(repoPath)) continue;
    roots[provider].add(`${url.protocol}//${url.host}${path.slice(0, path.length - repoPath.length)}`);
  }
  return Object.fromEntries(Object.entries(roots).map(([p, set]) => [p, [...set]])) as Record<
    Provider,
    string[]
  >;
}

/** `job owner/repo sha` of a LighthouseJob, as `jobsOf` writes the expected ones. */
function describeJob(job: LighthouseJob): string {
  const refs = job.spec.refs;
  const sha = refs?.pulls?.[0]?.sha ?? refs?.base_sha;
  return `${job.spec.job} ${refs?.org}/${refs?.repo} ${sha}`;
}

/** Each provider's path of a commit status (as the fake has it): the repository's owner and name, the commit. */
const statusPaths: Record<Provider, RegExp> = {
  github: /^\/repos\/(?<owner>[^/]+)\/(?<name>[^/]+)\/statuses\/(?<sha>\w+)$/,
  gitea: /^\/repos\/(?<owner>[^/]+)\/(?<name>[^/]+)\/statuses\/(?<sha>\w+)$/,
  // The project's path, encoded, is its id; its owner may be a group within groups.
  gitlab: /^\/projects\/(?<owner>[^/]+)%2F(?<name>[^/%]+)\/statuses\/(?<sha>\w+)$/,
  bitbucketserver:
    /^\/rest\/api\/latest\/projects\/(?<owner>[^/]+)\/repos\/(?<name>[^/]+)\/commits\/(?<sha>\w+)\/builds$/,
};

/** `pending` and `aborted` in each provider's names. */
const pendingState: Record<Provider, string> = {
  github: 'pending',
  gitea: 'pending',
  gitlab: 'pending',
  bitbucketserver: 'INPROGRESS',
};
const abortedState: Record<Provider, string> = {
  github: 'error',
  gitea: 'error',
  gitlab: 'canceled',
  bitbucketserver: 'CANCELLED',
};

/** Each status the reporter sends links to its job, so that the test can tell whose it is. */
const targetUrlPrefix = 'https://ci.example.com/jobs/';

/**
 * `provider owner/repo sha context` of the statuses a job's provider should get: on the pull request's
 * head, or the pushed commit, under the job's context (its name when it has none).
 */
function expectedTarget(job: LighthouseJob): string {
  const refs = job.spec.refs;
  const sha = job.spec.type === 'postsubmit' ? refs?.base_sha : refs?.pulls?.[0]?.sha;
  const provider = job.metadata.labels?.[ownLabels.provider];
  return `${provider} ${refs?.org}/${refs?.repo} ${sha} ${job.spec.context || job.spec.job}`;
}

describe.each(['embedded', 'remote'] as const)('real payloads through lighthouse, %s', (mode) => {
  let cluster: TestCluster;
  let kube: KubeClient;
  let namespace: string;
  let providers: ProviderServer;
  let lighthouse: ServingApp;
  let runner: ServingApp | undefined;
  const fixtures = () => inject('fixturesDir');

  beforeAll(async () => {
    cluster = await testCluster();
    kube = createKubeClient({ config: { kubeconfig: cluster.kubeconfigPath } });
    namespace = await cluster.createNamespace(`e2e-${mode}`);
    providers = await startProviderServer();
    const dir = await mkdtemp(join(tmpdir(), 'e2e-'));
    const path = (name: string, text: string) => writeFile(join(dir, name), text).then(() => join(dir, name));
    const payloads = [...goScm(fixtures()), ...goPlayground(fixtures()), ...octokit()];
    const { config, plugins } = configFor(payloads);
    const web = webUrlsOf(payloads);
    // The trigger asks the providers and writes to them; the reporter writes statuses: in lighthouse when
    // embedded, in the runner when remote. Both read the same variables.
    const credentials = {
      LIGHTHOUSE_GITHUB_TOKEN_FILE: await path('github-token', 'github-token\n'),
      LIGHTHOUSE_GITHUB_API_URL: providers.baseUrl.github,
      LIGHTHOUSE_GITLAB_TOKEN_FILE: await path('gitlab-token', 'gitlab-token\n'),
      LIGHTHOUSE_GITLAB_API_URL: providers.baseUrl.gitlab,
      LIGHTHOUSE_GITEA_TOKEN_FILE: await path('gitea-token', 'gitea-token\n'),
      LIGHTHOUSE_GITEA_API_URL: providers.baseUrl.gitea,
      LIGHTHOUSE_BITBUCKETSERVER_TOKEN_FILE: await path('bitbucket-token', 'bitbucket-token\n'),
      LIGHTHOUSE_BITBUCKETSERVER_API_URL: providers.baseUrl.bitbucketserver,
      LIGHTHOUSE_GITHUB_WEB_URL: web.github.join(','),
      LIGHTHOUSE_GITLAB_WEB_URL: web.gitlab.join(','),
      LIGHTHOUSE_GITEA_WEB_URL: web.gitea.join(','),
      // Most of Bitbucket Server's payloads name no clone URL: the fake's repositories are cloned from it.
      LIGHTHOUSE_BITBUCKETSERVER_WEB_URL: [providers.baseUrl.bitbucketserver, ...web.bitbucketserver].join(
        ',',
      ),
    };
    // Where the reporter runs: each status links to its job.
    const reporting = { LIGHTHOUSE_REPORT_TARGET_URL: `${targetUrlPrefix}{job}` };
    const files = {
      LIGHTHOUSE_WEBHOOK_SECRET_FILE: await path('hmac', `${secret}\n`),
      LIGHTHOUSE_CONFIG_FILE: await path('config.yaml', config),
      LIGHTHOUSE_PLUGINS_FILE: await path('plugins.yaml', plugins),
      ...credentials,
    };
    const common = ['serve', '--host=127.0.0.1', '--port=0', `--namespace=${namespace}`];
    if (mode === 'embedded') {
      lighthouse = await startServingApp(lighthouseMain, [...common, '--meta-step-image=runner:e2e'], {
        ...files,
        ...reporting,
        KUBECONFIG: cluster.kubeconfigPath,
      });
      return;
    }
    const tokenFile = await path('runner-token', 'runner-token\n');
    runner = await startServingApp(runnerMain, [...common, '--meta-step-image=runner:e2e'], {
      ...credentials,
      ...reporting,
      RUNNER_TOKEN_FILE: tokenFile,
      KUBECONFIG: cluster.kubeconfigPath,
    });
    lighthouse = await startServingApp(lighthouseMain, [...common, '--metapipeline=remote'], {
      ...files,
      LIGHTHOUSE_RUNNER_URL: runner.url,
      LIGHTHOUSE_RUNNER_TOKEN_FILE: tokenFile,
    });
  });
  afterAll(async () => {
    await lighthouse?.stop();
    await runner?.stop();
    await killApps();
    await providers?.close();
    await kube?.close();
  });

  async function deliverAll(payloads: Payload[], prefix: string) {
    const answers: { status: number; started: string[]; what: string }[] = [];
    for (const [index, { provider, event, body }] of payloads.entries()) {
      const deliveryId = `${prefix}-${index}`;
      const response = await rawRequest(
        `${lighthouse.url}/hook`,
        delivery({ provider, event, body, deliveryId, secret }),
      );
      const answer = response.status === 200 ? response.json() : {};
      answers.push({
        status: response.status,
        started: (answer.started ?? []) as string[],
        what: `${provider} ${event} #${index}: ${response.status} ${response.text.slice(0, 300)}`,
      });
    }
    return answers;
  }

  const jobs = async () => (await kube.lighthouseJobs.list(namespace)).items;
  /** The jobs that are not among `before`: those the deliveries since started. */
  const jobsSince = async (before: LighthouseJob[]) => {
    const old = new Set(before.map((job) => job.metadata.name));
    return (await jobs()).filter((job) => !old.has(job.metadata.name));
  };

  it("go-scm's payloads of all four providers start exactly the jobs go-scm's parse of them asks for", async () => {
    const payloads = goScm(fixtures());
    const before = await jobs();
    const answers = await deliverAll(payloads, 'goscm');
    expect(answers.filter((a) => a.status >= 500).map((a) => a.what)).toEqual([]);
    // Started (200) or ignored (202): none refused, a job whose clone URL lighthouse refuses among them.
    expect(answers.filter((a) => a.status !== 200 && a.status !== 202).map((a) => a.what)).toEqual([]);
    const expected = payloads.flatMap((p) => p.expected ?? []).sort();
    expect(expected.length).toBeGreaterThan(10);
    const started = await jobsSince(before);
    expect(started.map(describeJob).sort()).toEqual(expected);
    const runs = (await kube.pipelineRuns.list(namespace)).items.map((run) => run.metadata.name);
    for (const job of started) expect(runs).toContain(job.metadata.name);
  });

  it('go-playground and octokit payloads: no 5xx, and exactly one job and meta PipelineRun for each one started', async () => {
    const payloads = [...goPlayground(fixtures()), ...octokit()];
    const before = await jobs();
    const answers = await deliverAll(payloads, 'more');
    expect(answers.filter((a) => a.status >= 500).map((a) => a.what)).toEqual([]);
    // Started (200) or ignored (202): none refused, a job whose clone URL lighthouse refuses among them.
    expect(answers.filter((a) => a.status !== 200 && a.status !== 202).map((a) => a.what)).toEqual([]);
    const started = answers.flatMap((a, index) =>
      a.started.map((job) => `${payloads[index]?.provider} ${job}`),
    );
    expect(started.length).toBeGreaterThan(5);
    const created = await jobsSince(before);
    expect(
      created.map((job) => `${job.metadata.labels?.[ownLabels.provider]} ${job.spec.job}`).sort(),
    ).toEqual(started.sort());
    const runs = new Set((await kube.pipelineRuns.list(namespace)).items.map((run) => run.metadata.name));
    expect(created.filter((job) => !runs.has(job.metadata.name))).toEqual([]);
  });

  it('closes the loop: each job started gets one pending status on its commit, from where the reporter runs', async () => {
    // After the deliveries above. No Tekton runs the jobs: they stay pending, unless a later delivery
    // superseded one (a `synchronize` cancels the older builds of the pull request's jobs).
    const aborted = (job: LighthouseJob) => job.status?.state === 'aborted';
    let all: LighthouseJob[] = [];
    // Each status is posted, then recorded on its job: once every job records its state, all were sent.
    await vi.waitFor(
      async () => {
        all = await jobs();
        const unreported = all.filter(
          (job) => job.status?.lastReportState !== (aborted(job) ? 'aborted' : 'pending'),
        );
        expect(unreported.map((job) => `${job.metadata.name} ${job.status?.state}`)).toEqual([]);
      },
      { timeout: 60_000, interval: 250 },
    );
    const states = all.map((job) => job.status?.state);
    expect(states.filter((state) => !['triggered', 'pending', 'aborted'].includes(state ?? ''))).toEqual([]);
    expect(all.length).toBeGreaterThan(15);
    const reports = statusWrites().filter((w) => w.url.startsWith(targetUrlPrefix));
    const byJob = Map.groupBy(reports, (w) => w.url.slice(targetUrlPrefix.length));
    for (const job of all) {
      const name = job.metadata.name ?? '';
      const sent = (byJob.get(name) ?? []).map((w) => `${w.target} ${w.state}: ${w.description}`);
      const provider = job.metadata.labels?.[ownLabels.provider] as Provider;
      const pending = `${expectedTarget(job)} ${pendingState[provider]}: Pipeline pending`;
      if (!aborted(job)) {
        expect(sent, name).toEqual([pending]);
      } else {
        // Superseded: `aborted` follows its `pending`, or is all it reports when it was cancelled before
        // the reporter saw it pending (no state is reported after a newer one).
        const abort = `${expectedTarget(job)} ${abortedState[provider]}: Pipeline aborted`;
        expect([[pending, abort], [abort]], name).toContainEqual(sent);
      }
    }
    // No status links to a job that does not exist: none for a commit no job was started for.
    const names = new Set(all.map((job) => job.metadata.name));
    expect([...byJob.keys()].filter((name) => !names.has(name))).toEqual([]);
    // Each was taken, but where GitLab refuses a `pending` for a commit and name already pending (another
    // job's there), which is done as asked ("Cannot transition status via :enqueue from :pending").
    const refused = reports.filter((w) => w.answered >= 300);
    expect(refused.filter((w) => !(w.provider === 'gitlab' && w.answered === 400))).toEqual([]);
  }, 90_000);

  it('the providers knew every write lighthouse and the runner sent them: no 404, no 5xx', () => {
    expect(providers.writes.length).toBeGreaterThan(15);
    // A 404 answers a write to a path the fake providers lack, unless it is a DELETE of what is gone (a
    // label the pull request lacks, which the clients take as done).
    const wrong = providers.writes.filter(
      (w) => w.status >= 500 || (w.status === 404 && w.method !== 'DELETE'),
    );
    expect(wrong.map((w) => `${w.provider} ${w.method} ${w.path}: ${w.status}`)).toEqual([]);
  });

  /** The commit statuses sent to the providers, accepted or not, in one shape. */
  const statusWrites = () =>
    providers.writes.flatMap((w) => {
      const m = statusPaths[w.provider].exec(w.path);
      if (!m?.groups || w.method !== 'POST') return [];
      const body = w.body as Record<string, string | undefined>;
      const repo = decodeURIComponent(`${m.groups.owner}/${m.groups.name}`);
      const context = body.context ?? body.name ?? body.key;
      return [
        {
          provider: w.provider,
          target: `${w.provider} ${repo} ${m.groups.sha} ${context}`,
          state: body.state,
          description: body.description ?? '',
          url: body.target_url ?? body.url ?? '',
          answered: w.status,
        },
      ];
    });
});
