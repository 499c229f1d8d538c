import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import {
  defaultSizes,
  type LighthouseConfig,
  loadConfig,
  type RepoConfig,
  repoConfig,
} from '@lighthouse-ts/config';
import { MetaPipelineRequest } from '@lighthouse-ts/metapipeline-client';
import type { Provider, WebhookEvent } from '@lighthouse-ts/scm';
import { receiveWebhook, signedWebhookHeaders } from '@lighthouse-ts/scm/webhooks';
import { beforeAll, describe, expect, inject, it } from 'vitest';
import * as z from 'zod';
import type { Decision } from '../contract.ts';
import { decide } from './decide.ts';
import { type FactsData, inMemoryFacts } from './in-memory-facts.ts';

// Real payloads, signed and received as the server would, decided against a real installation's config
// (lighthouse/pkg/webhook/test_data). Its jenkins-x/dummy jobs (presubmit serverless-jenkins: always_run,
// triggered by `/test this` or `/test all`; postsubmit release on master) are given to each payload's repo.

const secret = 'trigger-payloads-secret';
let config: LighthouseConfig;

beforeAll(async () => {
  const dir = join(inject('fixturesDir'), 'lighthouse', 'pkg', 'webhook', 'test_data');
  config = await loadConfig({
    configPath: join(dir, 'test_config.yaml'),
    pluginsPath: join(dir, 'test_plugins.yaml'),
  });
});

function receive(provider: Provider, eventName: string, body: Buffer): WebhookEvent {
  const headers = signedWebhookHeaders({
    provider,
    event: eventName,
    deliveryId: 'delivery-e2e',
    body,
    secret,
  });
  const outcome = receiveWebhook({ headers, body, secrets: [secret] });
  if (outcome.kind !== 'event') throw new Error(`expected an event, got ${JSON.stringify(outcome)}`);
  return outcome.event;
}

const fixture = (path: string) => readFileSync(join(inject('fixturesDir'), path));

/** The dummy repo's jobs and trigger settings, for the payload's repository. */
function dummyJobsFor(event: WebhookEvent): RepoConfig {
  if (event.type === 'ping') throw new Error('a ping has no repository to configure');
  return { ...repoConfig(config, 'jenkins-x', 'dummy'), owner: event.repo.owner, name: event.repo.name };
}

async function decideOn(event: WebhookEvent, facts: FactsData = {}) {
  const asked = inMemoryFacts(facts);
  const decision = await decide(event, { repo: dummyJobsFor(event), facts: asked, botName: 'jenkins-x-bot' });
  return { decision, asked: asked.asked };
}

const started = (decision: Decision) => decision.start.map((job) => job.request.jobName);

/** Every job the repo has for this kind of event is either started or skipped with a reason. */
function expectEveryJobAccountedFor(event: WebhookEvent, decision: Decision) {
  const repo = dummyJobsFor(event);
  const jobs = event.type === 'push' ? repo.postsubmits : repo.presubmits;
  const decided = [
    ...decision.start.map((job) => job.request.jobName),
    ...decision.skip.map((job) => job.jobName),
  ];
  if (event.type !== 'ping') expect(decided.sort()).toEqual(jobs.map((job) => job.name).sort());
  for (const job of decision.start) {
    expect(() =>
      MetaPipelineRequest.parse({
        ...job.request,
        namespace: 'jx',
        idempotencyKey: `delivery-e2e/${job.request.jobName}`,
      }),
    ).not.toThrow();
  }
}

describe('go-scm GitHub payloads', () => {
  const github = (file: string, eventName: string) =>
    receive('github', eventName, fixture(`go-scm/github/testdata/webhooks/${file}`));

  it('pr_opened by a COLLABORATOR runs the presubmit, with no lookup', async () => {
    const event = github('pr_opened.json', 'pull_request');
    const { decision, asked } = await decideOn(event);
    expect(started(decision)).toEqual(['serverless-jenkins']);
    expect(asked).toEqual([]);
    expect(decision.start[0]?.request).toMatchObject({
      kind: 'pullrequest',
      context: 'serverless-jenkins',
      rerunCommand: '/test this',
      pullRefs: {
        sourceUrl: 'https://github.com/bradrydzewski/drone-test-go.git',
        owner: 'bradrydzewski',
        repo: 'drone-test-go',
        baseBranch: 'bradrydzewski-patch-1',
        pulls: [{ number: 1, author: 'bradrydzewski' }],
      },
    });
    expectEveryJobAccountedFor(event, decision);
  });

  it('pr_sync runs again and supersedes the old head', async () => {
    const event = github('pr_sync.json', 'pull_request');
    if (event.type !== 'pull_request') throw new Error('expected a pull request');
    const { decision } = await decideOn(event);
    expect(started(decision)).toEqual(['serverless-jenkins']);
    expect(decision.cancel).toEqual([
      { pullNumber: 1, jobNames: ['serverless-jenkins'], headSha: event.head.sha },
    ]);
  });

  it.each([
    ['pr_edited.json', 'pull_request'],
    ['pr_labeled.json', 'pull_request'],
    ['pr_ready_for_review.json', 'pull_request'],
    ['pr_closed.json', 'pull_request'],
    ['issue_comment.json', 'issue_comment'],
    ['push_branch_delete.json', 'push'],
    ['push_tag.json', 'push'],
    ['pr_review_submitted.json', 'pull_request_review'],
  ])('%s starts nothing', async (file, eventName) => {
    const event = github(file, eventName);
    const { decision } = await decideOn(event);
    expect(decision.start).toEqual([]);
    expectEveryJobAccountedFor(event, decision);
  });

  it('push to master runs the release postsubmit', async () => {
    const event = github('push.json', 'push');
    const { decision } = await decideOn(event);
    expect(started(decision)).toEqual(['release']);
    expect(decision.start[0]?.request.pullRefs).toMatchObject({ owner: 'Codertocat', baseBranch: 'master' });
  });
});

describe('go-scm GitLab, Gitea and Bitbucket Server payloads', () => {
  it('a GitLab merge request: author and base SHA come from the provider', async () => {
    const event = receive(
      'gitlab',
      'Merge Request Hook',
      fixture('go-scm/gitlab/testdata/webhooks/pull_request_create.json'),
    );
    const { decision, asked } = await decideOn(event, {
      collaborators: { 'gitlab-org/hello-world': ['sytses'] },
      pullRequests: {
        'gitlab-org/hello-world#1': {
          open: true,
          draft: false,
          author: 'sytses',
          title: 'update readme',
          head: { ref: 'feature', sha: 'c4c79227ed610f1151f05bbc5be33b4f340d39c8' },
          base: { ref: 'master', sha: '9217710ce8c7e1eae7a5d1c45f6e43e1c769f866' },
        },
      },
    });
    expect(started(decision)).toEqual(['serverless-jenkins']);
    expect(decision.start[0]?.request.pullRefs).toMatchObject({
      baseSha: '9217710ce8c7e1eae7a5d1c45f6e43e1c769f866',
      pulls: [{ number: 1, sha: 'c4c79227ed610f1151f05bbc5be33b4f340d39c8', author: 'sytses' }],
    });
    expect(asked).toEqual([
      'pullRequest gitlab-org/hello-world#1',
      'isCollaborator gitlab-org/hello-world sytses',
    ]);
    expectEveryJobAccountedFor(event, decision);
  });

  it('a GitLab push to master runs the release postsubmit', async () => {
    const event = receive('gitlab', 'Push Hook', fixture('go-scm/gitlab/testdata/webhooks/push.json'));
    expect(started((await decideOn(event)).decision)).toEqual(['release']);
  });

  it('a GitLab note without a command starts nothing and asks nothing', async () => {
    const event = receive(
      'gitlab',
      'Note Hook',
      fixture('go-scm/gitlab/testdata/webhooks/pull_request_comment_create.json'),
    );
    const { decision, asked } = await decideOn(event);
    expect(decision.start).toEqual([]);
    expect(asked).toEqual([]);
  });

  it('a Gitea pull request from an untrusted author waits for /ok-to-test', async () => {
    const event = receive(
      'gitea',
      'pull_request',
      fixture('go-scm/gitea/testdata/webhooks/pull_request_opened.json'),
    );
    const { decision, asked } = await decideOn(event);
    expect(decision.start).toEqual([]);
    expect(decision.actions.map((action) => action.type)).toEqual(['add-label', 'comment']);
    // Not a collaborator, not a member of jcitizen, nor of the trusted org jenkins-x.
    expect(asked).toEqual([
      'isCollaborator jcitizen/my-repo jcitizen',
      'isMember jcitizen jcitizen',
      'isMember jenkins-x jcitizen',
    ]);
  });

  it('a Gitea pull request from a member of the trusted org runs', async () => {
    const event = receive(
      'gitea',
      'pull_request',
      fixture('go-scm/gitea/testdata/webhooks/pull_request_opened.json'),
    );
    const { decision } = await decideOn(event, { members: { 'jenkins-x': ['jcitizen'] } });
    expect(started(decision)).toEqual(['serverless-jenkins']);
  });

  it('a Gitea push to master runs the release postsubmit', async () => {
    const event = receive('gitea', 'push', fixture('go-scm/gitea/testdata/webhooks/push.json'));
    expect(started((await decideOn(event)).decision)).toEqual(['release']);
  });

  it('a Bitbucket Server pull request: jobs found under the lower-cased project key, clone URL asked for', async () => {
    const event = receive(
      'bitbucketserver',
      'pr:opened',
      fixture('go-scm/stash/testdata/webhooks/pr_open.json'),
    );
    const lowerCased = await loadConfig({
      configPath: join(
        inject('fixturesDir'),
        'lighthouse/pkg/triggerconfig/merge/test_data/simple/expected-config.yaml',
      ),
      pluginsPath: join(
        inject('fixturesDir'),
        'lighthouse/pkg/triggerconfig/merge/test_data/simple/expected-plugins.yaml',
      ),
    });
    // The merge fixture's myorg/myowner jobs, filed under the lower-cased key Bitbucket users write.
    const jobs = repoConfig(lowerCased, 'myorg', 'myowner');
    const prj = repoConfig(
      {
        jobs: { presubmits: new Map([['prj/my-repo', jobs.presubmits]]), postsubmits: new Map() },
        plugins: {
          plugins: new Map([['prj', ['trigger']]]),
          externalPlugins: new Map(),
          triggers: [],
          lgtm: [],
          approve: [],
          ownersSkipCollaborators: [],
          size: defaultSizes,
          welcome: [],
          additionalLabels: [],
          repoMilestone: new Map(),
        },
      },
      'PRJ',
      'my-repo',
    );
    const facts = inMemoryFacts({
      members: { PRJ: ['jcitizen'] },
      cloneUrls: { 'PRJ/my-repo': 'https://bitbucket.example.com/scm/prj/my-repo.git' },
    });
    const decision = await decide(event, { repo: prj, facts });
    expect(started(decision)).toEqual(['lint']);
    expect(decision.start[0]?.request.pullRefs.sourceUrl).toBe(
      'https://bitbucket.example.com/scm/prj/my-repo.git',
    );
  });

  it('a Bitbucket Server push: no file list in the payload, none needed', async () => {
    const event = receive(
      'bitbucketserver',
      'repo:refs_changed',
      fixture('go-scm/stash/testdata/webhooks/push.json'),
    );
    const { decision, asked } = await decideOn(event, {
      cloneUrls: { 'PRJ/my-repo': 'https://bitbucket.example.com/scm/prj/my-repo.git' },
    });
    expect(started(decision)).toEqual(['release']);
    expect(asked).toEqual(['cloneUrl PRJ/my-repo']);
  });
});

describe('go-playground GitHub PR comment', () => {
  const file = 'go-playground-webhooks/testdata/github/pull-request-issue-comment.json';
  const pullRequest = {
    'chhsia0/knative-route-demo#3': {
      open: true,
      draft: false,
      author: 'chhsia0',
      title: 'Demo',
      head: { ref: 'demo', sha: 'b1f8c3e07a1c2fbc0d2cbd1b6ad19e1eb4b4c5f5' },
      base: { ref: 'master', sha: '1d2f41c1bb2d4bd3c1ac0d84f1cd8b2e4a1e36e0' },
    },
  };

  it('`/build` is not a trigger command: nothing starts', async () => {
    const event = receive('github', 'issue_comment', fixture(file));
    const { decision, asked } = await decideOn(event, { pullRequests: pullRequest });
    expect(decision.start).toEqual([]);
    expect(asked).toEqual([]);
  });

  it('the same comment saying `/test this` from the OWNER runs the presubmit', async () => {
    const payload = JSON.parse(fixture(file).toString('utf8'));
    payload.comment.body = '/test this';
    const event = receive('github', 'issue_comment', Buffer.from(JSON.stringify(payload)));
    const { decision, asked } = await decideOn(event, { pullRequests: pullRequest });
    expect(started(decision)).toEqual(['serverless-jenkins']);
    expect(decision.start[0]?.request.pullRefs.pulls).toEqual([
      { number: 3, sha: 'b1f8c3e07a1c2fbc0d2cbd1b6ad19e1eb4b4c5f5', author: 'chhsia0', title: 'Demo' },
    ]);
    expect(asked).toEqual([
      'pullRequest chhsia0/knative-route-demo#3',
      'prLabels chhsia0/knative-route-demo#3',
    ]);
  });
});

describe('@octokit/webhooks-examples', () => {
  const Definitions = z.array(
    z.object({ name: z.string(), examples: z.array(z.object({ action: z.string().optional() }).loose()) }),
  );
  const definitions = Definitions.parse(
    JSON.parse(readFileSync(createRequire(import.meta.url).resolve('@octokit/webhooks-examples'), 'utf8')),
  );
  const examples = definitions
    .filter((definition) => ['pull_request', 'push', 'issue_comment'].includes(definition.name))
    .flatMap((definition) =>
      definition.examples.map((example, index) => ({ eventName: definition.name, index, example })),
    )
    .flatMap(({ eventName, index, example }) => {
      const headers = signedWebhookHeaders({
        provider: 'github',
        event: eventName,
        deliveryId: `octokit-${index}`,
        body: Buffer.from(JSON.stringify(example)),
        secret,
      });
      const outcome = receiveWebhook({
        headers,
        body: Buffer.from(JSON.stringify(example)),
        secrets: [secret],
      });
      return outcome.kind === 'event' ? [{ name: `${eventName} #${index}`, event: outcome.event }] : [];
    });

  /** What each received example should start with the dummy repo's jobs. */
  function expected(event: WebhookEvent): string[] {
    if (event.type === 'pull_request') {
      return ['opened', 'reopened', 'synchronize'].includes(event.action) ? ['serverless-jenkins'] : [];
    }
    if (event.type === 'push') return !event.deleted && event.refName === 'master' ? ['release'] : [];
    return [];
  }

  it('has opened, synchronize, push and tag examples to decide on', () => {
    const kinds = new Set(
      examples.map(({ event }) => (event.type === 'pull_request' ? event.action : event.type)),
    );
    expect([...kinds]).toEqual(expect.arrayContaining(['opened', 'synchronize', 'push', 'issue_comment']));
  });

  it.each(examples)('$name', async ({ event }) => {
    const { decision, asked } = await decideOn(event);
    expect(started(decision)).toEqual(expected(event));
    // OWNER is trusted from the payload; always_run needs no changed files.
    expect(asked).toEqual([]);
    expectEveryJobAccountedFor(event, decision);
  });
});
