export {
  type BuiltMetaPipeline,
  buildMetaPipeline,
  defaultBuildServiceAccount,
  defaultMetaStepServiceAccount,
  type MetaStep,
  metaPipelineName,
  metaStepScratch,
  metaStepSecurityContext,
} from './build.ts';
export { createEmbeddedClient, type EmbeddedClientOptions } from './embedded.ts';
