import type { Flag } from './flags.ts';

/**
 * The flags as `--help` lists them, one line each under a header: the flag (with its value's name), its
 * variable, its default, any `more` columns (by title), then its description.
 */
export function flagsHelp<F extends Flag>(
  flags: readonly F[],
  more: Record<string, (flag: F) => string> = {},
): string[] {
  const header = ['flag', 'environment', 'default', ...Object.keys(more), ''];
  const rows = flags.map((f) => [
    `--${f.flag}${f.value ? ` <${f.value}>` : ''}`,
    f.env,
    f.default ?? '',
    ...Object.values(more).map((cell) => cell(f)),
    f.description,
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i]?.length ?? 0)));
  return [header, ...rows].map((cells) =>
    `  ${cells.map((cell, i) => cell.padEnd(widths[i] ?? 0)).join('  ')}`.trimEnd(),
  );
}
