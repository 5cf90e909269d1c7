export { type CniArgs, parseCniArgs, validateContainerId, validateIfname, validateNetworkName } from './args.ts';
export { type ResultFamily, convertResult, familyOf, toCurrentResult } from './convert.ts';
export { parsePrevResult, readablePrevResult, requirePrevResult } from './prev-result.ts';
export { type CniErrorJson, CniError, ErrorCode, type ErrorCodeValue, invalidConfig, isCniError } from './errors.ts';
export {
  type AttachmentRequest,
  type Command,
  type ConfigRequest,
  type GcRequest,
  type NetConf,
  type PluginDefinition,
  type PluginHandlers,
  type PluginIo,
  pluginMain,
  runPlugin,
} from './skel.ts';
export type * from './types.ts';
export { type WireAttachment, attachmentToWire, parseValidAttachments } from './valid-attachments.ts';
export {
  CURRENT_VERSION,
  SUPPORTED_VERSIONS,
  type SpecVersion,
  compareVersions,
  configVersion,
  isSupportedVersion,
  parseVersion,
  reconcileVersion,
  specHasCheck,
  specHasGcAndStatus,
  specHasPrevResultOnDel,
} from './version.ts';
export { parseMac, parseUnicastMac } from './fields.ts';
export { pluginTypeProblem, validateIpamType } from './plugin-type.ts';
export { JsonDepthError, MAX_JSON_DEPTH, excessDepthOffset, parseJson } from './json-depth.ts';
export { type RunningStep, type TeardownStep, runSteps, settleSteps, startStep, stepError, throwCollected } from './teardown.ts';
