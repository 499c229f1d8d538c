import { describe, expect, it } from 'vitest';
import type * as z from 'zod';
import { InvalidRequestError } from './errors.ts';
import { MetaPipelineRequest } from './schemas.ts';
import { pullRequestRequest } from './testing/index.ts';

describe('MetaPipelineRequest', () => {
  const valid = pullRequestRequest('jx', { idempotencyKey: 'k' });

  it.each([
    'https://github.com/acme/rocket.git',
    'http://gitea.local/acme/rocket.git',
    'ssh://git@github.com/acme/rocket.git',
    'git://example.com/acme/rocket.git',
    'file:///srv/git/rocket.git',
  ])('clones from %s', (sourceUrl) => {
    expect(
      MetaPipelineRequest.safeParse({ ...valid, pullRefs: { ...valid.pullRefs, sourceUrl } }).success,
    ).toBe(true);
  });

  it.each(['ext::sh -c touch% /tmp/pwned', 'not a url'])('refuses to clone from %s', (sourceUrl) => {
    const result = MetaPipelineRequest.safeParse({ ...valid, pullRefs: { ...valid.pullRefs, sourceUrl } });
    expect(result.success).toBe(false);
    expect(result.error?.issues[0]?.path).toEqual(['pullRefs', 'sourceUrl']);
  });

  it.each([
    'GIT_SSH_COMMAND',
    'NODE_OPTIONS',
    'LD_PRELOAD',
    'RUNNER_GIT_PROTOCOLS',
    'LIGHTHOUSE_JOB_NAME',
    'PATH',
  ])('refuses the variable %s, which would steer the meta step', (name) => {
    const result = MetaPipelineRequest.safeParse({ ...valid, env: { [name]: 'x' } });
    expect(result.success).toBe(false);
    const error = InvalidRequestError.fromZod(result.error as z.ZodError);
    expect(error.errors).toEqual([
      { path: `env.${name}`, message: expect.stringMatching(/steers the meta step/) },
    ]);
  });

  it('takes other variables', () => {
    expect(MetaPipelineRequest.parse({ ...valid, env: { GOFLAGS: '-mod=mod', MY_PATH: 'x' } }).env).toEqual({
      GOFLAGS: '-mod=mod',
      MY_PATH: 'x',
    });
  });
});
