export {
  type BuiltMetaPipeline,
  buildMetaPipeline,
  defaultBuildServiceAccount,
  defaultMetaStepServiceAccount,
  type MetaStep,
  metaPipelineName,
} from './build.ts';
export { createEmbeddedClient, type EmbeddedClientOptions } from './embedded.ts';
