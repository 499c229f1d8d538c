import {
  LighthouseJob,
  lighthouseJobType,
  PipelineRun,
  pipelineRunType,
  type ResourceType,
} from '@lighthouse-ts/crds';
import type * as z from 'zod';
import { type KubeConfigSource, loadKubeConfig } from './config.ts';
import { type KubeObject, ResourceClient } from './resource.ts';
import { Transport, type TransportOptions } from './transport.ts';

export interface KubeClientOptions extends TransportOptions {
  /** Default: $KUBECONFIG or ~/.kube/config, else in-cluster. */
  config?: KubeConfigSource;
  /** Who owns the fields this client writes (server-side apply, managedFields). Default `lighthouse-ts`. */
  fieldManager?: string;
}

/** One connection to one API server, shared by every resource handle made from it. */
export interface KubeClient {
  readonly server: string;
  resource<T extends KubeObject>(type: ResourceType, schema: z.ZodType<T>): ResourceClient<T>;
  readonly lighthouseJobs: ResourceClient<LighthouseJob>;
  readonly pipelineRuns: ResourceClient<PipelineRun>;
  /** Closes pooled connections; stop informers first. */
  close(): Promise<void>;
}

export function createKubeClient(options: KubeClientOptions = {}): KubeClient {
  const transport = new Transport(loadKubeConfig(options.config), options);
  const fieldManager = options.fieldManager ?? 'lighthouse-ts';
  const resource = <T extends KubeObject>(type: ResourceType, schema: z.ZodType<T>) =>
    new ResourceClient(transport, type, schema, fieldManager);
  return {
    server: transport.server,
    resource,
    lighthouseJobs: resource(lighthouseJobType, LighthouseJob),
    pipelineRuns: resource(pipelineRunType, PipelineRun),
    close: () => transport.close(),
  };
}
