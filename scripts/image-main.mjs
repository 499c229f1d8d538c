#!/usr/bin/env node
// An image's /app/main.mjs (scripts/image-layout.ts copies it there): starts the app in app.mjs.
//
// The modules are minified; a stack trace still names the sources. Each frame in a module of the layout is
// mapped through the source map beside it, read the first time a stack is formatted: Node's own
// --enable-source-maps would read and keep every map at start-up, 8 MiB for lighthouse. Function names
// stay the minified ones; the file, line and column are the source's.
import { readFileSync } from 'node:fs';
import { enableCompileCache, SourceMap } from 'node:module';
import { fileURLToPath } from 'node:url';

// V8's compiled code for the modules, made when the layout was built (see scripts/image-layout.ts): a
// start skips compiling them. Read only; a cache another Node version made is ignored, and the modules are
// compiled as without one.
enableCompileCache({ directory: fileURLToPath(new URL('./compile-cache', import.meta.url)), portable: true });

const layout = new URL('./', import.meta.url).href;
/** Per module of the layout: its source map, or undefined when it has none. */
const sourceMaps = new Map();

function sourceMapOf(file) {
  if (!file?.startsWith(layout)) return undefined;
  if (!sourceMaps.has(file)) {
    const path = fileURLToPath(file);
    let map;
    try {
      map = new SourceMap(JSON.parse(readFileSync(`${path}.map`, 'utf8')));
    } catch {
      map = undefined;
    }
    sourceMaps.set(file, map);
  }
  return sourceMaps.get(file);
}

function mapped(frame) {
  const at = sourceMapOf(frame.getFileName())?.findEntry(
    frame.getLineNumber() - 1,
    frame.getColumnNumber() - 1,
  );
  if (!at?.originalSource) return `${frame}`;
  const name = frame.getFunctionName() || '<anonymous>';
  const prefix = frame.isAsync() ? 'async ' : frame.isConstructor() ? 'new ' : '';
  return `${prefix}${name} (${at.originalSource}:${at.originalLine + 1}:${at.originalColumn + 1})`;
}

Error.prepareStackTrace = (error, frames) =>
  [Error.prototype.toString.call(error), ...frames.map((frame) => `    at ${mapped(frame)}`)].join('\n');

// By URL: app.mjs exists in a built layout only, not beside this file in the repository.
await import(new URL('./app.mjs', import.meta.url).href);
