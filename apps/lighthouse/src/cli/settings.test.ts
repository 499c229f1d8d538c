import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { FlagError } from '@lighthouse-ts/cli';
import { describe, expect, it } from 'vitest';
import { parseServeSettings, serveFlags } from './settings.ts';

describe('serve flags', () => {
  it('each has its own environment variable, and the README lists both', () => {
    const readme = readFileSync(join(import.meta.dirname, '../../README.md'), 'utf8');
    const envs = serveFlags.map((flag) => flag.env);
    expect(new Set(envs).size).toBe(envs.length);
    for (const flag of serveFlags) {
      expect(readme, flag.flag).toContain(`| \`--${flag.flag}\` | \`${flag.env}\` |`);
    }
  });
});

describe('the flags lighthouse shares with the runner', () => {
  const required = ['--webhook-secret-file=s', '--config-file=c', '--plugins-file=p', '--meta-step-image=i'];
  const parse = (args: string[], env: Record<string, string> = {}) =>
    parseServeSettings([...required, ...args], env);
  const refusal = (args: string[]) => {
    try {
      parse(args);
    } catch (error) {
      if (error instanceof FlagError) return error.message;
      throw error;
    }
    return 'accepted';
  };

  it('--status-sync takes its value, as the runner reads it', () => {
    expect(parse([])['status-sync']).toBe(true);
    expect(parse(['--status-sync=false'])['status-sync']).toBe(false);
    expect(parse(['--status-sync', 'true'], { LIGHTHOUSE_STATUS_SYNC: 'false' })['status-sync']).toBe(true);
    expect(parse([], { LIGHTHOUSE_STATUS_SYNC: 'no' })['status-sync']).toBe(false);
    expect(refusal(['--status-sync=off'])).toContain(
      '--status-sync (LIGHTHOUSE_STATUS_SYNC): must be true or false',
    );
  });

  it('--kube-qps and --kube-burst are positive whole numbers', () => {
    expect(parse(['--kube-qps=20', '--kube-burst=40'])).toMatchObject({ 'kube-qps': 20, 'kube-burst': 40 });
    expect(refusal(['--kube-qps=2.5'])).toContain('--kube-qps (LIGHTHOUSE_KUBE_QPS): must be a whole number');
    expect(refusal(['--kube-burst=-1'])).toContain(
      '--kube-burst (LIGHTHOUSE_KUBE_BURST): must be a whole number',
    );
    expect(refusal(['--kube-qps=0'])).toContain('--kube-qps (LIGHTHOUSE_KUBE_QPS): Too small');
  });

  it('--report takes its value: its default is true, so a bare flag could not turn it off', () => {
    expect(parse([]).report).toBe(true);
    expect(parse(['--report=false']).report).toBe(false);
    expect(parse(['--report', 'false']).report).toBe(false);
  });

  it('the body budget holds at least the largest body, and caps are whole numbers', () => {
    expect(parse([])).toMatchObject({
      'max-body-bytes': 25 * 1024 * 1024,
      'body-budget-bytes': 128 * 1024 * 1024,
      'max-connections': 1024,
    });
    expect(parse(['--max-body-bytes=1048576', '--body-budget-bytes=1048576'])).toMatchObject({
      'max-body-bytes': 1048576,
      'body-budget-bytes': 1048576,
    });
    expect(refusal(['--body-budget-bytes=1048576'])).toContain(
      '--body-budget-bytes (LIGHTHOUSE_BODY_BUDGET_BYTES): must be at least --max-body-bytes',
    );
    expect(refusal(['--max-connections=0'])).toContain('--max-connections (LIGHTHOUSE_MAX_CONNECTIONS)');
  });
});
