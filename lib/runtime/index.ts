export { type CacheEntry, CACHE_KIND_V1, type DecodedCache, decodeCache, encodeCacheEntry } from './cache-format.ts';
export { type CacheKey, type CachedAttachment, type CachedResultRead, DEFAULT_CACHE_DIR, ResultCache, type WarningSink } from './cache.ts';
export {
  type CachedConfig,
  CniRuntime,
  type CniRuntimeOptions,
  type GcArgs,
  type OperationOptions,
  type RuntimeConf,
} from './cni-runtime.ts';
export {
  type NetworkConfig,
  type NetworkConfigList,
  type PluginConf,
  confListFromConf,
  listOfOne,
  networkConfFromBytes,
  networkConfigFromBytes,
  pluginConfFromBytes,
  pluginConfFromObject,
} from './conf.ts';
export {
  CacheError,
  ConfError,
  MultiError,
  NetworkNotFoundError,
  NetworkPluginError,
  NoConfigsFoundError,
  type Operation,
} from './errors.ts';
export { goJson } from './go-json.ts';
export { DEFAULT_LOCK_TIMEOUT_MS, LockTimeoutError } from './operation-lock.ts';
export {
  type FoundNetwork,
  confFiles,
  listNetworkConfs,
  loadNetworkConf,
  networkConfFromFile,
  networkConfigFromFile,
  pluginConfsFromDir,
} from './load.ts';
export { type AttachmentRequestOptions, type RequestBase, attachmentRequest, gcRequest, runtimeConfigFor, statusRequest } from './request.ts';
export { selectVersion } from './version-select.ts';
