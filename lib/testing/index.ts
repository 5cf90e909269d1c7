export {
  type TestNamespace,
  addNodeAddress,
  createNamespace,
  ipJson,
  isRoot,
  removeAllNamespaces,
  removeNamespace,
  uniqueName,
} from './netns.ts';
export {
  DIST_BIN,
  GO_PLUGIN_DIR,
  type PluginCall,
  type PluginOutcome,
  hasGoPlugin,
  runOurPlugin,
  runPluginBinary,
} from './plugin-runner.ts';
export { type TestNode, type TestNodeOptions, createTestNode, netnsSpawner } from './harness.ts';
