import type { Libc, LibcBinding } from './libc-api.ts';
import { bindWithBunFfi } from './libc-bun.ts';
import { bindWithKoffi } from './libc-koffi.ts';

export type { Libc } from './libc-api.ts';

let binding: LibcBinding | undefined;

function getBinding(): LibcBinding {
  binding ??= typeof process.versions.bun === 'string' ? bindWithBunFfi() : bindWithKoffi();
  return binding;
}

/** Returns the lazily bound libc table (each function is declared when first accessed). */
export function getLibc(): Libc {
  return getBinding().libc;
}

/** errno right after the last foreign call on this thread. */
export function lastErrno(): number {
  return getBinding().errno();
}
