import type { LibraryHandle } from 'koffi';
import { type LibcBinding, lazyLibc } from './libc-api.ts';

/** The parts of koffi this module uses. */
interface Koffi {
  load(path: string | null): LibraryHandle;
  errno(): number;
  sizeof(type: string): number;
}

/** A bound libc function; koffi returns plain numbers for int/intptr_t results. */
type CFn = (...args: never[]) => number;

/**
 * koffi, loaded on first use with require() rather than a static import: a static import of
 * koffi runs its loader (and dlopens its native module) whenever a module that merely reaches
 * lib/sys is imported. lib/invoke reaches lib/sys (posixSpawner) and lib/runtime imports
 * lib/invoke, so a program that uses the runtime library only to read configs never loads
 * it. vitest provides require() to the modules it runs; the compiled executables never get
 * here (they use bun:ffi).
 */
function loadKoffi(): Koffi {
  if (typeof require !== 'function') {
    throw new Error('lib/sys loads koffi with require(): run it under vitest, bundled as CommonJS, or compiled (npm run build)');
  }
  return require('koffi') as Koffi;
}

/** libc through koffi, for Node: each function declared when first accessed. */
export function bindWithKoffi(): LibcBinding {
  const koffi = loadKoffi();
  let lib: LibraryHandle | undefined;
  const bind = (_name: string, prototype: string): CFn => {
    lib ??= loadLibc(koffi);
    return lib.func(prototype) as CFn;
  };
  return { libc: lazyLibc(bind, koffi.sizeof('long')), errno: () => koffi.errno() };
}

function loadLibc(koffi: Koffi): LibraryHandle {
  try {
    return koffi.load('libc.so.6');
  } catch {
    // musl and other libcs: the process image already has libc mapped.
    return koffi.load(null);
  }
}
