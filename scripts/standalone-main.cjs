// The SEA `main` of the standalone build (build-standalone.mjs), kept tiny on purpose. The real
// program, the multi-call bundle of scripts/standalone-entry.ts, is an embedded asset
// ("cni-ts.js", already wrapped as a CommonJS function) next to a V8 code cache of EVERY one of
// its functions ("cni-ts.js.v8"), made at build time by the same Node binary. Compiling with
// that cache means a plugin process compiles almost nothing (the SEA's own useCodeCache only
// covers the top level of `main`). A cache V8 rejects only means a normal compile; with
// CNI_TS_DEBUG set we say so on stderr. `require` here loads built-ins only, which is all the
// bundle needs (koffi comes from the koffi.node asset, scripts/standalone-koffi.cjs).
// Not used with --snapshot: a process started from a user-land snapshot rejects every code cache
// made by a normal process (checked with Node 24), so there the bundle itself is the main.
'use strict';

const sea = require('node:sea');
const vm = require('node:vm');

let cachedData;
try {
  cachedData = new Uint8Array(sea.getRawAsset('cni-ts.js.v8')); // a view, not a copy
} catch {}
const filename = process.execPath;
const script = new vm.Script(sea.getAsset('cni-ts.js', 'utf8'), { filename, cachedData });
if (process.env.CNI_TS_DEBUG && script.cachedDataRejected !== false) {
  process.stderr.write(`cni-ts: code cache ${cachedData ? 'rejected' : 'missing'}; compiling\n`);
}
const m = { exports: {} };
const dir = filename.slice(0, filename.lastIndexOf('/')) || '/';
script.runInThisContext().call(m.exports, m.exports, require, m, filename, dir);
