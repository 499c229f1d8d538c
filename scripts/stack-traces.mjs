// Stack traces of an image's minified modules, mapped back to the sources: each frame in a module of the
// layout is mapped through the source map beside it, read the first time a frame in it is formatted
// (Node's own --enable-source-maps would read and keep every map at start-up, 8 MiB for lighthouse).
// Function names stay the minified ones; the file, line and column are the source's.
//
// Only the generated line a frame is on is decoded, from where image-layout noted that line's mappings
// start (lineIndex, kept in the map as x_lineIndex). node:module's SourceMap decodes the whole map first:
// 190 ms for the Kubernetes client's, and Node formats a stack whenever a stream is destroyed with an error
// (each connection a closing HTTP agent drops), so every meta step's exit paid it.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const base64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
const digits = new Int8Array(128).fill(-1);
for (const [value, char] of [...base64].entries()) digits[char.charCodeAt(0)] = value;
const comma = ','.charCodeAt(0);
const semicolon = ';'.charCodeAt(0);

/**
 * Decodes a source map's `mappings` (base64 VLQ deltas) from offset `from` on, the running source, line
 * and column being `start` there. `visit(position)` gets each segment: its generated column (counted from
 * its line's start), and its source, line and column when `mapped`. At a line's end it gets
 * `(undefined, next, position)`, `next` being where the next line starts. Returning false stops it.
 */
function decode(mappings, from, start, visit) {
  const position = { generatedColumn: 0, source: start.source, line: start.line, column: start.column };
  let field = 0;
  let value = 0;
  let scale = 1;
  for (let at = from; at <= mappings.length; at++) {
    const code = at < mappings.length ? mappings.charCodeAt(at) : comma;
    if (code === comma || code === semicolon) {
      if (field > 0 && visit({ ...position, mapped: field >= 4 }) === false) return;
      field = 0;
      if (code === semicolon) {
        position.generatedColumn = 0;
        if (visit(undefined, at + 1, position) === false) return;
      }
      continue;
    }
    const digit = code < 128 ? digits[code] : -1;
    if (digit < 0) throw new Error('not a source map');
    value += (digit & 31) * scale;
    if (digit & 32) {
      scale *= 32;
      continue;
    }
    const delta = value % 2 ? -(value - 1) / 2 : value / 2;
    value = 0;
    scale = 1;
    if (field === 0) position.generatedColumn += delta;
    else if (field === 1) position.source += delta;
    else if (field === 2) position.line += delta;
    else if (field === 3) position.column += delta;
    field++;
  }
}

/**
 * Per generated line of a source map: where its mappings start, the running source, line and column
 * there, and what its start maps to (the last segment before it: source, line, column, or -1s).
 */
export function lineIndex(mappings) {
  const lines = [[0, 0, 0, 0, -1, -1, -1]];
  let last = [-1, -1, -1];
  decode(mappings, 0, { source: 0, line: 0, column: 0 }, (segment, next, position) => {
    if (segment) last = segment.mapped ? [segment.source, segment.line, segment.column] : [-1, -1, -1];
    else lines.push([next, position.source, position.line, position.column, ...last]);
  });
  return lines;
}

/**
 * The original position of a generated one (both 0-based): that of the last segment at or before it, as
 * node:module's SourceMap finds it; past the last line, the last segment of all.
 */
export function originalPosition({ mappings, sources, lines }, line, column) {
  const [at, source, sourceLine, sourceColumn, ...last] = lines[Math.min(line, lines.length - 1)];
  const until = line < lines.length ? column : Number.POSITIVE_INFINITY;
  let found = last[0] === -1 ? undefined : last;
  decode(mappings, at, { source, line: sourceLine, column: sourceColumn }, (segment) => {
    if (!segment || segment.generatedColumn > until) return false;
    found = segment.mapped ? [segment.source, segment.line, segment.column] : undefined;
    return true;
  });
  const file = found && sources[found[0]];
  return file === undefined ? undefined : { source: file, line: found[1], column: found[2] };
}

/** Maps the frames in modules under `layout` (a directory's file URL, ending in `/`) in every stack trace. */
export function mapStackTraces(layout) {
  /** Per module of the layout: its source map, or undefined when it has none or it cannot be read. */
  const sourceMaps = new Map();

  function sourceMapOf(file) {
    if (!file?.startsWith(layout)) return undefined;
    if (!sourceMaps.has(file)) {
      let map;
      try {
        const { mappings, sources, x_lineIndex } = JSON.parse(
          readFileSync(`${fileURLToPath(file)}.map`, 'utf8'),
        );
        map = { mappings, sources, lines: x_lineIndex ?? lineIndex(mappings) };
      } catch {
        map = undefined;
      }
      sourceMaps.set(file, map);
    }
    return sourceMaps.get(file);
  }

  function mapped(frame) {
    let at;
    try {
      const map = sourceMapOf(frame.getFileName());
      at = map && originalPosition(map, frame.getLineNumber() - 1, frame.getColumnNumber() - 1);
    } catch {
      at = undefined;
    }
    if (!at) return `${frame}`;
    const name = frame.getFunctionName() || '<anonymous>';
    const prefix = frame.isAsync() ? 'async ' : frame.isConstructor() ? 'new ' : '';
    return `${prefix}${name} (${at.source}:${at.line + 1}:${at.column + 1})`;
  }

  Error.prepareStackTrace = (error, frames) =>
    [Error.prototype.toString.call(error), ...frames.map((frame) => `    at ${mapped(frame)}`)].join('\n');
}
