import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { serveFlags } from './settings.ts';

describe('serve flags', () => {
  it('each has its own environment variable, and the README lists both', () => {
    const readme = readFileSync(join(import.meta.dirname, '../../README.md'), 'utf8');
    const envs = serveFlags.map((flag) => flag.env);
    expect(new Set(envs).size).toBe(envs.length);
    for (const flag of serveFlags) {
      expect(readme, flag.name).toContain(`| \`--${flag.name}\` | \`${flag.env}\` |`);
    }
  });
});
