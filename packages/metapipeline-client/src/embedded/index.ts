export type { MetaStep } from './build.ts';
export { createEmbeddedClient, type EmbeddedClientOptions } from './embedded.ts';
