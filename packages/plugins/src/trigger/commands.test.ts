import { type Presubmit, parseConfig } from '@lighthouse-ts/config';
import { describe, expect, it } from 'vitest';
import { presubmitsYaml } from '../../test/support.ts';
import {
  hasTriggerCommand,
  okToTestPattern,
  retestPattern,
  testAllPattern,
  triggerMatches,
} from './commands.ts';

/** One presubmit, compiled from YAML exactly as loadConfig does. */
function presubmit(fields = ''): Presubmit {
  const config = parseConfig(
    { configPath: 'config.yaml', pluginsPath: 'plugins.yaml' },
    { config: presubmitsYaml(`  - name: unit\n${fields}`), plugins: '' },
  );
  const job = config.jobs.presubmits.get('org/repo')?.[0];
  if (!job) throw new Error('no job');
  return job;
}

describe('hasTriggerCommand', () => {
  it.each([
    ['/test unit', true],
    ['/TEST unit,lint', true],
    ['/lh-test unit', true],
    ['thanks!\n/retest\n', true],
    ['/ok-to-test', true],
    ['/test', false],
    ['/test unit please!', false],
    ['please /retest', false],
  ])('%j -> %s', (body, expected) => {
    expect(hasTriggerCommand(body)).toBe(expected);
  });

  it('answers a custom command, taken literally', () => {
    expect(hasTriggerCommand('/deploy.it staging', 'deploy.it')).toBe(true);
    expect(hasTriggerCommand('/deployxit staging', 'deploy.it')).toBe(false);
  });
});

describe('triggerMatches', () => {
  it('matches the default trigger, with or without the lh- prefix', () => {
    const job = presubmit();
    expect(triggerMatches(job, '/test unit')).toBe(true);
    expect(triggerMatches(job, 'looks good\n/lh-test unit')).toBe(true);
    expect(triggerMatches(job, '/test lint')).toBe(false);
    expect(triggerMatches(job, '/lh-test lint')).toBe(false);
  });

  it('is false for a job without a trigger', () => {
    expect(triggerMatches({ ...presubmit(), trigger: undefined }, '/test unit')).toBe(false);
  });
});

// No timings here: a regex that backtracked on these would take hours (quadratic or worse on a million
// characters), so the failure is vitest's timeout, and the answers show each body was read to its end.
describe('the command regexes stay linear on 1 MB hostile comment bodies', () => {
  const million = 1_000_000;
  const hostile: [string, string][] = [
    ['spaces', ' '.repeat(million)],
    ['commas', ','.repeat(million)],
    ['line breaks', '\n'.repeat(million)],
    ['/test, spaces, then !', `/test${' '.repeat(million)}x!`],
    ['/test, arguments a,a,a..., then !', `/test ${'a,'.repeat(million / 2)}a !`],
    ['/test, one long argument, then !', `/test ${'a'.repeat(million)} !`],
    ['/test, an argument, spaces, then !', `/test a${' '.repeat(million)}!`],
    ['lines of /test and tabs', `/test${'\t'.repeat(50)}\n`.repeat(million / 56)],
    ['lines of /test a,', '/test a,\n'.repeat(million / 9)],
    ['/retest, spaces, then x', `/retest${' '.repeat(million)}x`],
    ['/ok-to-test, tabs, then x', `/ok-to-test${'\t'.repeat(million)}x`],
  ];

  it.each(hostile)('%s: no command', (_, body) => {
    expect(hasTriggerCommand(body, 'deploy')).toBe(false);
    expect(retestPattern.test(body)).toBe(false);
    expect(okToTestPattern.test(body)).toBe(false);
  });

  it('finds a command after a megabyte of spaces and commas', () => {
    const body = `${' ,'.repeat(million / 2)}\n/test unit`;
    expect(hasTriggerCommand(body)).toBe(true);
    expect(triggerMatches(presubmit(), body)).toBe(true);
    expect(testAllPattern.test(`${' ,'.repeat(million / 2)}\n/test all ${' '.repeat(million)}`)).toBe(true);
  });

  it('reads a job trigger, from the config, through 1 MB of /lh- lines', () => {
    const body = `/lh-test ${' '.repeat(100)} lint\n`.repeat(million / 120);
    expect(triggerMatches(presubmit(), body)).toBe(false);
    expect(triggerMatches(presubmit(), `${body}/lh-test unit`)).toBe(true);
  });
});
