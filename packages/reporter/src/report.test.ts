import { defaultReportWishes } from '@lighthouse-ts/crds';
import { describe, expect, it } from 'vitest';
import { pullRequestJob } from '../test/jobs.ts';
import { goDuration, statusReport, targetUrlTemplate } from './report.ts';

const noUrl = () => undefined;

describe('statusReport', () => {
  it('reports a new job as pending on its pull request head, under its context', () => {
    expect(statusReport(pullRequestJob({ state: 'triggered' }), noUrl)).toEqual({
      provider: 'github',
      owner: 'octo',
      repo: 'hello',
      sha: 'a'.repeat(40),
      status: { context: 'unit', state: 'pending', description: 'Pipeline pending' },
    });
  });

  it('reports each state once, and nothing after a final one', () => {
    const report = (state: 'running' | 'success', lastReportState?: string) =>
      statusReport(pullRequestJob({ state, ...(lastReportState ? { lastReportState } : {}) }), noUrl)?.status
        .state;
    expect(report('running', 'pending')).toBe('running');
    expect(report('running', 'running')).toBeUndefined();
    expect(report('success', 'running')).toBe('success');
    expect(report('success', 'success')).toBeUndefined();
    // Go Lighthouse records `cancelled`: as final as ours.
    expect(report('running', 'cancelled')).toBeUndefined();
  });

  it('skips straight to the state the job is in now, never an older one', () => {
    expect(statusReport(pullRequestJob({ state: 'failure' }), noUrl)?.status.state).toBe('failure');
  });

  it('leaves out running when the repository asks for no running status', () => {
    const wishes = { ...defaultReportWishes, running: false };
    expect(
      statusReport(pullRequestJob({ state: 'running', lastReportState: 'pending', wishes }), noUrl),
    ).toBeUndefined();
    expect(statusReport(pullRequestJob({ state: 'running', wishes }), noUrl)).toBeUndefined();
    expect(
      statusReport(pullRequestJob({ state: 'success', lastReportState: 'pending', wishes }), noUrl)?.status
        .state,
    ).toBe('success');
  });

  it('says why a job failed, and how long it took when asked', () => {
    const failed = { state: 'failure', description: 'Tasks Completed: 1 (Failed: 1)' } as const;
    expect(statusReport(pullRequestJob(failed), noUrl)?.status.description).toBe(
      'Pipeline failed: Tasks Completed: 1 (Failed: 1)',
    );
    const timed = {
      ...failed,
      startTime: '2026-12-04T10:00:00Z',
      completionTime: '2026-12-04T10:01:23Z',
      wishes: { ...defaultReportWishes, duration: true },
    };
    expect(statusReport(pullRequestJob(timed), noUrl)?.status.description).toBe(
      'Pipeline failed (1m23s): Tasks Completed: 1 (Failed: 1)',
    );
    expect(statusReport(pullRequestJob({ ...timed, state: 'success' }), noUrl)?.status.description).toBe(
      'Pipeline successful (1m23s)',
    );
  });

  it('reports nothing for a job that wants no status, or has no commit', () => {
    const quiet = pullRequestJob({ state: 'running', wishes: { ...defaultReportWishes, status: false } });
    expect(statusReport(quiet, noUrl)).toBeUndefined();
    const periodic = pullRequestJob({ state: 'running' });
    periodic.spec = { ...periodic.spec, type: 'periodic' };
    expect(statusReport(periodic, noUrl)).toBeUndefined();
  });

  it('reports a push on the pushed commit, with no pull request', () => {
    const push = pullRequestJob({ state: 'success' });
    push.spec = {
      ...push.spec,
      type: 'postsubmit',
      refs: { org: 'octo', repo: 'hello', base_sha: 'c'.repeat(40) },
    };
    const report = statusReport(push, noUrl);
    expect(report?.sha).toBe('c'.repeat(40));
  });
});

describe('targetUrlTemplate', () => {
  it("fills in the job's facts, encoded", () => {
    const url = targetUrlTemplate(
      'https://dash.example.com/#/namespaces/{namespace}/pipelineruns/{pipelineRun}?c={context}',
    );
    const job = pullRequestJob({ name: 'octo-hello-pr-7-unit-x1', context: 'ci/unit tests' });
    expect(url(job)).toBe(
      'https://dash.example.com/#/namespaces/jx/pipelineruns/octo-hello-pr-7-unit-x1-build?c=ci%2Funit%20tests',
    );
  });

  it('refuses a template naming an unknown fact when it is made', () => {
    expect(() => targetUrlTemplate('https://x/{Namespace}/{pipelinerun}')).toThrow(
      /names \{Namespace\}, \{pipelinerun\}; it may name \{namespace\}/,
    );
  });
});

describe('goDuration', () => {
  it("prints as Go's Duration rounded to seconds", () => {
    expect([0, 45_400, 83_000, 3_723_000].map(goDuration)).toEqual(['0s', '45s', '1m23s', '1h2m3s']);
  });
});
