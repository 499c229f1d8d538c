// Real payloads written by others, signed and POSTed to a running lighthouse, in both modes: embedded
// (lighthouse writes to the cluster) and remote (through a runner process). The jobs expected of the go-scm
// payloads come from go-scm's own parse of each (its `.golden` file), not from our code.
import { readFileSync } from 'node:fs';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { LighthouseJob } from '@lighthouse-ts/crds';
import { createKubeClient, type KubeClient } from '@lighthouse-ts/kube';
import type { Provider } from '@lighthouse-ts/scm';
import { repositoryOf } from '@lighthouse-ts/scm/webhooks';
import type { TestCluster } from '@lighthouse-ts/testenv';
import { killApps, type ServingApp, startServingApp } from '@lighthouse-ts/testenv/app-process';
import { rawRequest } from '@lighthouse-ts/testenv/http';
import { testCluster } from '@lighthouse-ts/testenv/vitest';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { z } from 'zod';
import { delivery, octokitExamples } from '../../packages/scm/test/payloads.ts';
import { type ProviderApiStandIn, startProviderApi } from './provider-api.ts';

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

const goScmFolders: Record<Provider, string> = {
  github: 'github',
  gitlab: 'gitlab',
  gitea: 'gitea',
  bitbucketserver: 'stash',
};

const Manifest = z.object({
  cases: z.array(
    z.object({
      event_header_value: z.string(),
      payload: z.string(),
      golden: z.string(),
      go_type: z.string(),
    }),
  ),
});
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
    const manifest = Manifest.parse(JSON.parse(readFileSync(join(base, 'MANIFEST.json'), 'utf8')));
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

/** `job owner/repo sha` of a LighthouseJob, as `jobsOf` writes the expected ones. */
function describeJob(job: LighthouseJob): string {
  const refs = job.spec.refs;
  const sha = refs?.pulls?.[0]?.sha ?? refs?.base_sha;
  return `${job.spec.job} ${refs?.org}/${refs?.repo} ${sha}`;
}

describe.each(['embedded', 'remote'] as const)('real payloads through lighthouse, %s', (mode) => {
  let cluster: TestCluster;
  let kube: KubeClient;
  let namespace: string;
  let api: ProviderApiStandIn;
  let lighthouse: ServingApp;
  let runner: ServingApp | undefined;
  const fixtures = () => inject('fixturesDir');

  beforeAll(async () => {
    cluster = await testCluster();
    kube = createKubeClient({ config: { kubeconfig: cluster.kubeconfigPath } });
    namespace = await cluster.createNamespace(`e2e-${mode}`);
    api = await startProviderApi();
    const dir = await mkdtemp(join(tmpdir(), 'e2e-'));
    const path = (name: string, text: string) => writeFile(join(dir, name), text).then(() => join(dir, name));
    const { config, plugins } = configFor([...goScm(fixtures()), ...goPlayground(fixtures()), ...octokit()]);
    const files = {
      LIGHTHOUSE_WEBHOOK_SECRET_FILE: await path('hmac', `${secret}\n`),
      LIGHTHOUSE_CONFIG_FILE: await path('config.yaml', config),
      LIGHTHOUSE_PLUGINS_FILE: await path('plugins.yaml', plugins),
      LIGHTHOUSE_GITHUB_TOKEN_FILE: await path('github-token', 'github-token\n'),
      LIGHTHOUSE_GITHUB_API_URL: `${api.url}/github`,
      LIGHTHOUSE_GITLAB_TOKEN_FILE: await path('gitlab-token', 'gitlab-token\n'),
      LIGHTHOUSE_GITLAB_API_URL: `${api.url}/gitlab`,
      LIGHTHOUSE_GITEA_TOKEN_FILE: await path('gitea-token', 'gitea-token\n'),
      LIGHTHOUSE_GITEA_API_URL: `${api.url}/gitea`,
      LIGHTHOUSE_BITBUCKETSERVER_TOKEN_FILE: await path('bitbucket-token', 'bitbucket-token\n'),
      LIGHTHOUSE_BITBUCKETSERVER_API_URL: `${api.url}/bitbucketserver`,
    };
    const common = ['serve', '--host=127.0.0.1', '--port=0', `--namespace=${namespace}`];
    if (mode === 'embedded') {
      lighthouse = await startServingApp(lighthouseMain, [...common, '--meta-step-image=runner:e2e'], {
        ...files,
        KUBECONFIG: cluster.kubeconfigPath,
      });
      return;
    }
    const tokenFile = await path('runner-token', 'runner-token\n');
    runner = await startServingApp(runnerMain, [...common, '--meta-step-image=runner:e2e'], {
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
    await api?.close();
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

  const jobsFrom = async (prefix: string) =>
    (await kube.lighthouseJobs.list(namespace)).items.filter((job) =>
      job.metadata.annotations?.['lighthouse-ts.dev/idempotency-key']?.includes(`/${prefix}-`),
    );

  it("go-scm's payloads of all four providers start exactly the jobs go-scm's parse of them asks for", async () => {
    const payloads = goScm(fixtures());
    const answers = await deliverAll(payloads, 'goscm');
    expect(answers.filter((a) => a.status >= 500).map((a) => a.what)).toEqual([]);
    const expected = payloads.flatMap((p) => p.expected ?? []).sort();
    expect(expected.length).toBeGreaterThan(10);
    const jobs = await jobsFrom('goscm');
    expect(jobs.map(describeJob).sort()).toEqual(expected);
    const runs = (await kube.pipelineRuns.list(namespace)).items.map((run) => run.metadata.name);
    for (const job of jobs) expect(runs).toContain(job.metadata.name);
  });

  it('go-playground and octokit payloads: no 5xx, and exactly one job and meta PipelineRun for each one started', async () => {
    const payloads = [...goPlayground(fixtures()), ...octokit()];
    const answers = await deliverAll(payloads, 'more');
    expect(answers.filter((a) => a.status >= 500).map((a) => a.what)).toEqual([]);
    const started = answers.flatMap((a, index) =>
      a.started.map((job) => `${payloads[index]?.provider}/more-${index}/${job}`),
    );
    expect(started.length).toBeGreaterThan(5);
    const jobs = await jobsFrom('more');
    expect(jobs.map((job) => job.metadata.annotations?.['lighthouse-ts.dev/idempotency-key']).sort()).toEqual(
      started.sort(),
    );
    const runs = new Set((await kube.pipelineRuns.list(namespace)).items.map((run) => run.metadata.name));
    expect(jobs.filter((job) => !runs.has(job.metadata.name))).toEqual([]);
  });
});
