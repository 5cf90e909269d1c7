import type { LibraryHandle } from 'koffi';
import { type Libc, type LibcBinding, PROTOTYPES } from './libc-api.ts';

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
 * lib/sys is imported. lib/invoke reaches lib/sys (posixSpawner), and lib/runtime and cnitool
 * import lib/invoke without ever calling into libc. vitest provides require() to the modules
 * it runs; the compiled executables never get here (they use bun:ffi).
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
  const table: Record<string, unknown> = {};
  for (const [name, decl] of Object.entries(PROTOTYPES)) {
    // A getter that replaces itself with the bound function: the first access declares it.
    Object.defineProperty(table, name, {
      configurable: true,
      enumerable: true,
      get() {
        lib ??= loadLibc(koffi);
        const fn = lib.func(decl) as CFn;
        Object.defineProperty(table, name, { value: fn, enumerable: true, writable: false, configurable: false });
        return fn;
      },
    });
  }
  Object.defineProperty(table, 'longSize', { value: koffi.sizeof('long'), enumerable: true });
  return { libc: table as unknown as Libc, errno: () => koffi.errno() };
}

function loadLibc(koffi: Koffi): LibraryHandle {
  try {
    return koffi.load('libc.so.6');
  } catch {
    // musl and other libcs: the process image already has libc mapped.
    return koffi.load(null);
  }
}
