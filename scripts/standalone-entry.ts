// The one entry of the standalone (SEA) build: a multi-call binary. `bridge`, `host-local`,
// `portmap`, `loopback` and `cnitool` are symlinks to dist/standalone/cni-ts, and the name it
// was called by selects the main (node-runtime.md section 2). Inside a SEA `process.argv0` is
// that name (`process.execPath` has the symlinks resolved), and user arguments start at argv[2].
// `cni-ts <name> [args]` works too. The plugin mains run pluginMain when they are evaluated, so
// only the selected one is required; esbuild turns each require into a lazy module init.
// By default this bundle is not the SEA's main: scripts/standalone-main.cjs runs it from an
// embedded asset with a full V8 code cache. With --snapshot it is the main itself.
import { basename } from 'node:path';

/** Set by build-standalone.mjs: true when the bundle runs at build time to make a snapshot. */
declare const __CNI_TS_SNAPSHOT__: boolean;

/** The names this binary answers to. */
const NAMES = ['bridge', 'host-local', 'portmap', 'loopback', 'cnitool'] as const;

function isName(name: string): name is (typeof NAMES)[number] {
  return (NAMES as readonly string[]).includes(name);
}

function runMain(name: (typeof NAMES)[number]): void {
  switch (name) {
    case 'bridge':
      require('../plugins/bridge/main.ts');
      return;
    case 'host-local':
      require('../plugins/host-local/main.ts');
      return;
    case 'portmap':
      require('../plugins/portmap/main.ts');
      return;
    case 'loopback':
      require('../plugins/loopback/main.ts');
      return;
    case 'cnitool':
      require('../lib/runtime/cnitool/main.ts');
      return;
  }
}

function main(): void {
  const called = basename(process.argv0);
  if (isName(called)) return runMain(called);
  const sub = process.argv[2] ?? '';
  if (isName(sub)) {
    process.argv.splice(1, 1); // [execPath, "cni-ts", sub, ...] -> [execPath, sub, ...]
    return runMain(sub);
  }
  process.stderr.write(`cni-ts: call me as one of ${NAMES.join(', ')} (a symlink), or as "cni-ts <name> [args]"\n`);
  process.exitCode = 1;
}

// With --snapshot (useSnapshot) the bundle runs at build time; the work belongs to the
// deserialised process. Evaluating the library modules into the snapshot as well (all but the
// mains) was measured and is slower still: a bigger heap to deserialise (Node 24, loopback ADD
// 69.5 ms against 64.6 ms). The define keeps node:v8 out of the default build.
if (__CNI_TS_SNAPSHOT__) require('node:v8').startupSnapshot.setDeserializeMainFunction(main);
else main();
