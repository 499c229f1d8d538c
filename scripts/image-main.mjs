#!/usr/bin/env node
// An image's /app/main.mjs (scripts/image-layout.ts copies it there): starts the app in app.mjs, with its
// stack traces naming the sources (see stack-traces.mjs).
import { enableCompileCache } from 'node:module';
import { fileURLToPath } from 'node:url';

// V8's compiled code for the modules, made when the layout was built (see scripts/image-layout.ts): a
// start skips compiling them. Made for one user, where the layout was built; for another user, another
// Node, V8 flags in NODE_OPTIONS, NODE_DISABLE_COMPILE_CACHE or a moved layout it is not used, and the
// modules are compiled as without it.
enableCompileCache(fileURLToPath(new URL('./compile-cache', import.meta.url)));

const { mapStackTraces } = await import('./stack-traces.mjs');
mapStackTraces(new URL('./', import.meta.url).href);

// By URL: app.mjs exists in a built layout only, not beside this file in the repository.
await import(new URL('./app.mjs', import.meta.url).href);
