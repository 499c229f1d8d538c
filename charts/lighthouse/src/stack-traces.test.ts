// An image's main.mjs maps each frame of a stack trace in the layout's minified modules back to the sources,
// through the source maps beside them: a layout of one minified module, built as image-layout builds one,
// that fails; and every position of a real layout's modules, mapped as node:module's SourceMap maps it.
import { execFile } from 'node:child_process';
import { copyFile, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { SourceMap } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { build } from 'esbuild';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildImageLayout, layoutSourceMap } from '../../../scripts/image-layout.ts';
import { originalPosition } from '../../../scripts/stack-traces.mjs';

const root = join(import.meta.dirname, '../../..');
let dir: string;

// Lines and columns below are this source's: the throw, the call into it, the call at the top.
const source = [
  "const pad = ' '.repeat(3);",
  'export function fail(reason: string): never {',
  "  throw new Error('stopped: ' + reason + pad);",
  '}',
  'function run(times: number): void {',
  "  for (let i = 0; i < times; i++) if (i === 2) fail('at ' + i);",
  '}',
  'run(5);',
  '',
].join('\n');

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'stack-traces-'));
  await writeFile(join(dir, 'failing.ts'), source);
  await build({
    absWorkingDir: dir,
    entryPoints: { app: 'failing.ts' },
    outdir: dir,
    outExtension: { '.js': '.mjs' },
    bundle: true,
    format: 'esm',
    platform: 'node',
    minify: true,
    sourcemap: 'linked',
    sourcesContent: false,
    logLevel: 'warning',
  });
  const map = join(dir, 'app.mjs.map');
  await writeFile(map, layoutSourceMap(await readFile(map, 'utf8'), dir));
  await copyFile(join(root, 'scripts/image-main.mjs'), join(dir, 'main.mjs'));
  await copyFile(join(root, 'scripts/stack-traces.mjs'), join(dir, 'stack-traces.mjs'));
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe("an image's main.mjs", () => {
  it("names the sources' files, lines and columns in a stack trace from minified modules", async () => {
    const failure = await promisify(execFile)(process.execPath, [join(dir, 'main.mjs')]).then(
      () => undefined,
      (error: { stderr: string }) => error,
    );
    const frames = (failure?.stderr ?? '').split('\n').filter((line) => line.startsWith('    at '));
    expect(frames.slice(0, 3)).toEqual([
      expect.stringMatching(/^ {4}at \S+ \(.*failing\.ts:3:9\)$/),
      expect.stringMatching(/^ {4}at \S+ \(.*failing\.ts:6:48\)$/),
      expect.stringMatching(/^ {4}at \S+ \(.*failing\.ts:8:1\)$/),
    ]);
    expect(failure?.stderr).toContain('Error: stopped: at 2');
  });

  it("finds each position of a real layout's modules where node:module's SourceMap finds it", async () => {
    const layout = await buildImageLayout('runner', 'default', join(dir, 'runner'));
    const maps = (await readdir(layout.dir)).filter((name) => name.endsWith('.mjs.map'));
    expect(maps.length).toBeGreaterThan(1);
    for (const name of maps) {
      const json = JSON.parse(await readFile(join(layout.dir, name), 'utf8'));
      // One entry per generated line.
      expect(json.x_lineIndex).toHaveLength(json.mappings.split(';').length);
      const reference = new SourceMap(json);
      const lines = (await readFile(join(layout.dir, name.slice(0, -'.map'.length)), 'utf8')).split('\n');
      const map = { mappings: json.mappings, sources: json.sources, lines: json.x_lineIndex };
      // Every 499th column of every line, each line's last, and a line past the end.
      for (const [line, text] of [...lines, ''].entries()) {
        const columns = [
          ...Array.from({ length: Math.ceil(text.length / 499) }, (_, i) => i * 499),
          text.length,
        ];
        for (const column of columns) {
          const entry = reference.findEntry(line, column);
          const expected =
            'originalSource' in entry && entry.originalSource !== undefined
              ? { source: entry.originalSource, line: entry.originalLine, column: entry.originalColumn }
              : undefined;
          const found = originalPosition(map, line, column);
          // One expect per difference, not per position: there are tens of thousands.
          if (JSON.stringify(found) !== JSON.stringify(expected))
            expect({ name, line, column, found }).toEqual({ name, line, column, found: expected });
        }
      }
    }
    // CPU-bound (a layout built, tens of thousands of positions looked up twice): ~10 s alone, three times
    // that beside the other test files on two busy cores.
  }, 120_000);
});
