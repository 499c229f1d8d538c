export { ConfigError, type ConfigIssue, formatIssue } from './config-error.ts';
export { externalPluginEvents } from './external-plugins.ts';
export { compileGoRegExp, type GoMatcher, type GoRegExp, type GoRegExpResult } from './go-regexp.ts';
export { defaultRerunCommandFor, defaultTriggerFor } from './job-config.ts';
export { type ConfigPaths, type ConfigSources, loadConfig, parseConfig, readConfigSources } from './load.ts';
export {
  type Owners,
  type OwnersFilter,
  type OwnersResult,
  parseOwners,
  parseOwnersAliases,
} from './owners.ts';
export { defaultSizes, defaultTriggerSettings, knownPlugins } from './plugins-config.ts';
export { approveFor, pluginsFor, type RepoConfig, repoConfig, triggerFor } from './repo-config.ts';
export * from './types.ts';
export { type ConfigReload, type ConfigWatch, type WatchConfigOptions, watchConfig } from './watch.ts';
export { parseScopedSecrets, ScopedSecretsError } from './webhook-secrets.ts';
export { defaultWelcomeTemplate, type WelcomeFields, welcomeMessage } from './welcome-template.ts';
