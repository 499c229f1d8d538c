export {
  type ConnectOptions,
  connectProviders,
  type ProviderApis,
  reportRetry,
  webUrls,
} from './connect.ts';
export {
  checkProviderSettings,
  type ProviderSettings,
  providerFlags,
  providerSettingsShape,
  reportFlags,
  reportSettingsShape,
} from './flags.ts';
