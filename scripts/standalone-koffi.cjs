// koffi for the standalone (SEA) build; build-standalone.mjs aliases `koffi` to this file.
// Inside a SEA `require` only loads built-in modules, so koffi's prebuilt native module is an
// embedded asset: on first use it is written once to a root-only, content-addressed file and
// loaded with process.dlopen (node-runtime.md section 2). The sha256 is baked in at build time
// (__CNI_TS_KOFFI_SHA256__), so nothing is hashed at run time. Loading is lazy, as in build.mjs:
// VERSION, invalid input and no-op DELs never pay for the write or the dlopen.
'use strict';

/* global __CNI_TS_KOFFI_SHA256__ */
let native;

/** A directory only we can write: 0700, owned by our euid, not a symlink. */
function privateDir() {
  const fs = require('node:fs');
  const path = require('node:path');
  const os = require('node:os');
  const uid = process.geteuid();
  const dir =
    uid === 0
      ? '/run/cni-ts-sea'
      : path.join(process.env.XDG_RUNTIME_DIR || os.tmpdir(), `cni-ts-sea-${uid}`);
  try {
    fs.mkdirSync(dir, { mode: 0o700 });
  } catch (e) {
    if (e.code !== 'EEXIST') throw e;
  }
  const st = fs.lstatSync(dir);
  if (!st.isDirectory() || st.uid !== uid || (st.mode & 0o077) !== 0) {
    throw new Error(`cni-ts: ${dir} must be a directory owned by uid ${uid} with mode 0700`);
  }
  return dir;
}

function load() {
  if (native) return native;
  const fs = require('node:fs');
  const path = require('node:path');
  const file = path.join(privateDir(), `koffi-${__CNI_TS_KOFFI_SHA256__}.node`);
  if (!fs.existsSync(file)) {
    const bytes = new Uint8Array(require('node:sea').getRawAsset('koffi.node'));
    const tmp = `${file}.${process.pid}.tmp`;
    fs.writeFileSync(tmp, bytes, { mode: 0o500, flag: 'wx' });
    fs.renameSync(tmp, file); // atomic: concurrent plugins never see a partial file
  }
  const m = { exports: {} };
  process.dlopen(m, file);
  native = m.exports;
  return native;
}

module.exports = new Proxy({}, { get: (_, key) => load()[key], has: (_, key) => key in load() });
