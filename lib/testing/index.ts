/**
 * lib/testing: the netns harness for integration tests and the fakes for unit tests. A unit
 * test imports a fake from its own file (./fake-transport.ts, ./fake-exec.ts,
 * ./recording-runner.ts), not from here: this index also loads the harness, and with it
 * node:child_process and the runtime library.
 */
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
export { type FakeNetlinkResponder, FakeTransport, fakeAck, fakeDone, fakeMessage } from './fake-transport.ts';
export { type FakeAnswer, type FakeCall, type FakeExec, type FakePlugin, fakeExec, fakeSpawner } from './fake-exec.ts';
export { type FakeCommandResponder, type RecordedCall, type RecordingRunner, recordingRunner } from './recording-runner.ts';
export { probeLinkKind } from './kernel-probe.ts';
