import type { Comment, ProviderWrites } from '@lighthouse-ts/scm';
import { describe, expect, it } from 'vitest';
import { type JobFields, pullRequestJob } from '../test/jobs.ts';
import { failedJobs, type PullRequestRef, summaryBody, summaryMarker, updateSummary } from './summary.ts';

const url = (job: { metadata: { name: string } }) => `https://ci.example.com/jobs/${job.metadata.name}`;
const pr: PullRequestRef = { provider: 'github', owner: 'octo', repo: 'hello', number: 7, author: 'mona' };
const job = (fields: JobFields) => pullRequestJob(fields);

describe('failedJobs', () => {
  it("lists each context's newest result if it is a failure, whichever commit it ran on", () => {
    const failed = failedJobs(
      [
        job({ context: 'unit', build: 1, state: 'failure', sha: '1'.repeat(40) }),
        job({ context: 'unit', build: 2, state: 'success' }),
        job({ context: 'lint', build: 3, state: 'success' }),
        job({ context: 'lint', build: 4, state: 'failure', sha: '2'.repeat(40) }),
        job({ context: 'e2e', build: 5, state: 'error' }),
        job({ context: 'docs', build: 6, state: 'aborted' }),
        job({ context: 'slow', build: 7, state: 'running' }),
        job({ context: 'flaky', build: 8, state: 'failure' }),
        job({ context: 'flaky', build: 9, state: 'running' }),
        job({ context: 'flaky', build: 10, state: 'aborted' }),
      ],
      url,
    );
    expect(failed).toEqual([
      {
        context: 'e2e',
        sha: 'a'.repeat(40),
        url: 'https://ci.example.com/jobs/job-5',
        rerunCommand: '/test e2e',
      },
      {
        context: 'flaky',
        sha: 'a'.repeat(40),
        url: 'https://ci.example.com/jobs/job-8',
        rerunCommand: '/test flaky',
      },
      {
        context: 'lint',
        sha: '2'.repeat(40),
        url: 'https://ci.example.com/jobs/job-4',
        rerunCommand: '/test lint',
      },
    ]);
  });
});

describe('summaryBody', () => {
  it("is Lighthouse's table of failed tests, ending in the marker", () => {
    const body = summaryBody(pr, [
      { context: 'unit', sha: 'abc', url: 'https://x/1', rerunCommand: '/test unit' },
    ]);
    expect(body).toBe(
      [
        '@mona: The following test **failed**, say `/retest` to rerun them all:',
        '',
        'Test name | Commit | Details | Rerun command',
        '--- | --- | --- | ---',
        'unit | abc | [link](https://x/1) | `/test unit`',
        '',
        summaryMarker,
      ].join('\n'),
    );
  });

  it('keeps a context that holds table syntax in its cell, and quotes Bitbucket names', () => {
    const body = summaryBody({ ...pr, provider: 'bitbucketserver', author: 'jane.doe' }, [
      { context: 'a|b\nc', sha: 's', url: undefined, rerunCommand: '/test `x`' },
    ]);
    expect(body).toContain('@"jane.doe": The following test **failed**');
    expect(body).toContain('a b c | s |  | `/test  x `');
  });
});

/** A pull request's comments, kept as a provider keeps them, counting every write. */
function commentsOf(initial: Comment[] = []) {
  const comments = [...initial];
  const writes: string[] = [];
  let nextId = 100;
  const api = {
    comments: async () => comments.map((c) => ({ ...c })),
    createComment: async (_o: string, _r: string, _n: number, body: string) => {
      writes.push('create');
      const comment = { id: nextId++, author: 'lighthouse-bot', body };
      comments.push(comment);
      return comment;
    },
    editComment: async (_o: string, _r: string, _n: number, id: number, body: string) => {
      writes.push(`edit ${id}`);
      const comment = comments.find((c) => c.id === id);
      if (comment) comment.body = body;
    },
    deleteComment: async (_o: string, _r: string, _n: number, id: number) => {
      writes.push(`delete ${id}`);
      comments.splice(
        comments.findIndex((c) => c.id === id),
        1,
      );
    },
  } as Pick<ProviderWrites, 'comments' | 'createComment' | 'editComment' | 'deleteComment'>;
  return { api: api as ProviderWrites, comments, writes };
}

describe('updateSummary', () => {
  const unit = { context: 'unit', sha: 'a', url: undefined, rerunCommand: '/test unit' };
  const lint = { ...unit, context: 'lint', rerunCommand: '/test lint' };

  it('makes one comment on a failure, edits it on the next, and says so when all pass', async () => {
    const { api, comments, writes } = commentsOf();
    expect(await updateSummary(api, pr, [unit], 'lighthouse-bot')).toBe('created');
    expect(await updateSummary(api, pr, [unit], 'lighthouse-bot')).toBe('unchanged');
    expect(await updateSummary(api, pr, [lint, unit], 'Lighthouse-Bot')).toBe('edited');
    expect(await updateSummary(api, pr, [], 'lighthouse-bot')).toBe('edited');
    expect(writes).toEqual(['create', 'edit 100', 'edit 100']);
    expect(comments).toHaveLength(1);
    expect(comments[0]?.body).toBe(
      `@mona: every test that failed on this pull request now passes.\n\n${summaryMarker}`,
    );
  });

  it('writes nothing when nothing failed and there is no comment', async () => {
    const { api, writes } = commentsOf();
    expect(await updateSummary(api, pr, [], 'lighthouse-bot')).toBe('unchanged');
    expect(writes).toEqual([]);
  });

  it("touches only the bot's marked comments, and keeps the oldest of several", async () => {
    const { api, comments, writes } = commentsOf([
      { id: 1, author: 'mallory', body: `quoting ${summaryMarker}` },
      { id: 2, author: 'lighthouse-bot', body: 'an ordinary comment' },
      { id: 3, author: 'lighthouse-bot', body: `old\n${summaryMarker}` },
      { id: 4, author: 'lighthouse-bot', body: `duplicate\n${summaryMarker}` },
    ]);
    expect(await updateSummary(api, pr, [unit], 'lighthouse-bot')).toBe('edited');
    expect(writes).toEqual(['delete 4', 'edit 3']);
    expect(comments.map((c) => c.id)).toEqual([1, 2, 3]);
    expect(comments[0]?.body).toBe(`quoting ${summaryMarker}`);
  });
});
