export {
  type Binaries,
  ETCD_VERSION,
  KUBERNETES_VERSION,
  resolveBinaries,
  stagingModules,
} from './binaries.ts';
export { TestCluster } from './cluster.ts';
export { loadConfig, type TestEnvConfig } from './config.ts';
export { type StartOptions, TestEnv } from './testenv.ts';
