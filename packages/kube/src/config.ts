import { KubeConfig } from '@kubernetes/client-node';

/** Where the connection settings come from. */
export type KubeConfigSource =
  /** A kubeconfig file, optionally with a context other than its current one. */
  | { kubeconfig: string; context?: string }
  /** The pod's service account (KUBERNETES_SERVICE_HOST/PORT and its mounted token and CA). */
  | {
      inCluster: true /** Root under which var/run/secrets/kubernetes.io/serviceaccount is found; default `/`. */;
      root?: string;
    }
  /** Explicit clusters, users and contexts, as a kubeconfig holds them. */
  | { options: { clusters: unknown[]; users: unknown[]; contexts: unknown[]; currentContext: string } }
  /** An already loaded KubeConfig. */
  | { kubeConfig: KubeConfig };

/**
 * Loads connection settings. Without a source: $KUBECONFIG or ~/.kube/config, else in-cluster
 * (client-node's default order).
 */
export function loadKubeConfig(source?: KubeConfigSource): KubeConfig {
  if (source && 'kubeConfig' in source) return source.kubeConfig;
  const config = new KubeConfig();
  if (!source) {
    config.loadFromDefault();
  } else if ('kubeconfig' in source) {
    config.loadFromFile(source.kubeconfig);
    if (source.context) config.setCurrentContext(source.context);
  } else if ('inCluster' in source) {
    config.loadFromCluster(source.root?.replace(/\/$/, '') ?? '');
  } else {
    config.loadFromOptions(source.options);
  }
  if (!config.getCurrentCluster()) throw new Error('kube: the configuration names no current cluster');
  return config;
}
