import { parseConfig, repoConfig } from '@lighthouse-ts/config';
import { MetaPipelineRequest } from '@lighthouse-ts/metapipeline-client';
import { describe, expect, it } from 'vitest';
import {
  baseSha,
  decideFor,
  headSha,
  postsubmitsYaml,
  pushEvent,
  skipped,
  started,
  triggersYaml,
} from '../../test/support.ts';
import { decide } from './decide.ts';
import { MissingFactError } from './facts.ts';
import { inMemoryFacts } from './in-memory-facts.ts';

const config = postsubmitsYaml(`  - name: release
    branches: [master]
    labels: { kind: release }
  - name: scripts
    run_if_changed: "\\\\.sh$"
  - name: release-branches
    branches: ["release/.*"]
    skip_branches: [release/old]
`);

describe('a push', () => {
  it('runs the postsubmits for its branch', async () => {
    const { decision } = await decideFor(pushEvent(), { config });
    expect(started(decision)).toEqual(['release']);
    expect(decision.skip).toEqual([
      { jobName: 'scripts', context: 'scripts', why: 'no changed file matches run_if_changed "\\\\.sh$"' },
      {
        jobName: 'release-branches',
        context: 'release-branches',
        why: 'branch master does not match branches [release/.*]',
      },
    ]);
    expect(decision.summary).toBe('push to branch master: 1 of 3 postsubmits run');
    expect(decision.actions).toEqual([]);
    expect(decision.cancel).toEqual([]);
  });

  it('gives everything a MetaPipelineRequest needs', async () => {
    const { decision } = await decideFor(pushEvent(), { config });
    const [job] = decision.start;
    if (!job) throw new Error('nothing started');
    expect(job.request).toEqual({
      kind: 'release',
      jobName: 'release',
      context: 'release',
      pullRefs: {
        sourceUrl: 'https://github.com/org/repo.git',
        owner: 'org',
        repo: 'repo',
        repoLink: 'https://github.com/org/repo',
        baseBranch: 'master',
        baseSha: headSha,
        pulls: [],
      },
      labels: {
        kind: 'release',
        'event-GUID': 'delivery-3',
        'lighthouse-ts.dev/provider': 'github',
        'lighthouse-ts.dev/report': 'status.comment.running',
      },
    });
    expect(job.why).toBe('a push to master');
    expect(() =>
      MetaPipelineRequest.parse({ ...job.request, namespace: 'jx', idempotencyKey: 'k' }),
    ).not.toThrow();
  });

  it('runs a run_if_changed postsubmit when a matching file changed', async () => {
    const { decision } = await decideFor(pushEvent({ changedFiles: ['hack/build.sh'] }), { config });
    expect(started(decision)).toEqual(['release', 'scripts']);
  });

  it('matches branch names with a slash, and skip_branches wins', async () => {
    const branch = (name: string) => pushEvent({ ref: `refs/heads/${name}`, refName: name });
    expect(started((await decideFor(branch('release/v1.14'), { config })).decision)).toEqual([
      'release-branches',
    ]);
    expect(started((await decideFor(branch('release/old'), { config })).decision)).toEqual([]);
  });

  it('to a branch no postsubmit matches starts nothing', async () => {
    const { decision } = await decideFor(pushEvent({ ref: 'refs/heads/feature', refName: 'feature' }), {
      config,
    });
    expect(started(decision)).toEqual([]);
    expect(skipped(decision)).toEqual(['release', 'scripts', 'release-branches']);
  });

  it('asks for the changed files only when the payload lacks them and a rule needs them', async () => {
    const withoutFiles = pushEvent({ changedFiles: undefined });
    const { decision, asked } = await decideFor(withoutFiles, {
      config,
      facts: { pushChangedFiles: { [`org/repo@${baseSha}..${headSha}`]: ['deploy.sh'] } },
    });
    expect(started(decision)).toEqual(['release', 'scripts']);
    expect(asked).toEqual([`pushChangedFiles org/repo@${baseSha}..${headSha}`]);

    const noRules = await decideFor(withoutFiles, { config: postsubmitsYaml('  - name: release\n') });
    expect(noRules.asked).toEqual([]);
  });

  it('without the changed-files fact, matches a push whose payload lists none against no files', async () => {
    const withoutPushFiles = { ...inMemoryFacts(), pushChangedFiles: undefined };
    const loaded = parseConfig({ configPath: 'c', pluginsPath: 'p' }, { config, plugins: triggersYaml() });
    const decision = await decide(pushEvent({ changedFiles: undefined }), {
      repo: repoConfig(loaded, 'org', 'repo'),
      facts: withoutPushFiles,
    });
    expect(started(decision)).toEqual(['release']);
    expect(decision.skip[0]?.why).toBe('no changed file matches run_if_changed "\\\\.sh$"');
  });

  it('without a clone URL in the payload nor the fact, fails rather than start a job it cannot check out', async () => {
    const withoutCloneUrl = { ...inMemoryFacts(), cloneUrl: undefined };
    const loaded = parseConfig({ configPath: 'c', pluginsPath: 'p' }, { config, plugins: triggersYaml() });
    const event = pushEvent({ repo: { owner: 'org', name: 'repo' } });
    await expect(
      decide(event, { repo: repoConfig(loaded, 'org', 'repo'), facts: withoutCloneUrl }),
    ).rejects.toThrow(
      new MissingFactError('no clone URL for org/repo: the payload has none, and no provider API can say'),
    );
  });

  it('of a deleted branch starts nothing', async () => {
    const { decision, asked } = await decideFor(pushEvent({ deleted: true }), { config });
    expect(decision.start).toEqual([]);
    expect(decision.summary).toBe('push to branch master: the branch was deleted');
    expect(asked).toEqual([]);
  });

  it('of a tag is matched by the tag name, as Lighthouse does', async () => {
    const tag = pushEvent({ ref: 'refs/tags/v1.0.0', refType: 'tag', refName: 'v1.0.0' });
    const tagged = postsubmitsYaml(`  - name: release
    branches: [master]
  - name: publish
    branches: ["^v\\\\d"]
  - name: everywhere
`);
    const { decision } = await decideFor(tag, { config: tagged });
    expect(started(decision)).toEqual(['publish', 'everywhere']);
    expect(decision.start[0]?.request.pullRefs.baseBranch).toBe('v1.0.0');
  });

  it('to a repository without postsubmits starts nothing', async () => {
    const { decision } = await decideFor(pushEvent(), { config: '{}' });
    expect(decision.summary).toBe('push to branch master: no postsubmits for org/repo');
  });
});
