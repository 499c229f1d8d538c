export { type BuiltMetaPipeline, buildMetaPipeline, type MetaStep, metaPipelineName } from './build.ts';
export { createEmbeddedClient, type EmbeddedClientOptions } from './embedded.ts';
