import { type LibcBinding, lazyLibc } from './libc-api.ts';

/** The parts of bun:ffi this module uses (typed here: the suite does not depend on Bun's types). */
interface BunFfi {
  dlopen(path: string, symbols: Record<string, { args: string[]; returns: string }>): { symbols: Record<string, (...args: unknown[]) => unknown> };
  ptr(view: ArrayBufferView): number;
  read: { i32(address: number, offset?: number): number };
}

/** How one JS argument crosses into C. */
type ArgKind = 'plain' | 'string' | 'strings' | 'variadic-int';

interface Signature {
  /** The C symbol: the prototype's function name. */
  readonly symbol: string;
  readonly ffiArgs: string[];
  readonly kinds: ArgKind[];
  readonly returns: string;
}

/** C types of PROTOTYPES -> bun:ffi types (LP64 Linux, the only targets built). */
const SCALARS: Readonly<Record<string, string>> = {
  int: 'i32',
  short: 'i16',
  uint32_t: 'u32',
  size_t: 'u64',
  'unsigned long': 'u64',
  // a byte count or -1, always far below 2^53: a plain number, not a BigInt
  intptr_t: 'i64_fast',
};

/**
 * Reads a prototype of PROTOTYPES ("int fcntl(int fd, int cmd, ...)"), so both bindings
 * share one declaration of each function. `...` takes the ('int', value) pairs callers pass
 * for koffi's variadic calls; calls without extra arguments (ioctl) pass none.
 */
export function signatureOf(prototype: string, extraVariadic = 0): Signature {
  // "<result type> <name>(<params>)": plain string operations, no regular expression, since
  // this runs in every plugin process for each function it binds
  const open = prototype.indexOf('(');
  const head = prototype.slice(0, open).trim();
  const space = head.lastIndexOf(' ');
  if (open < 0 || space < 0 || !prototype.endsWith(')')) throw new Error(`unreadable prototype: ${prototype}`);
  const symbol = head.slice(space + 1);
  const returns = SCALARS[head.slice(0, space).trim()];
  if (returns === undefined) throw new Error(`no bun:ffi type for the result of ${prototype}`);
  const params = prototype.slice(open + 1, -1);
  const ffiArgs: string[] = [];
  const kinds: ArgKind[] = [];
  for (const param of params.split(',').map((p) => p.trim())) {
    if (param === '...') {
      for (let i = 0; i < extraVariadic; i++) {
        ffiArgs.push('i32');
        kinds.push('variadic-int');
      }
      continue;
    }
    const type = param.replace(/\s*\w+$/, '').replace(/\s+\*/g, '*').trim();
    if (type === 'const char*') {
      ffiArgs.push('ptr');
      kinds.push('string');
    } else if (type === 'const char**') {
      ffiArgs.push('ptr');
      kinds.push('strings');
    } else if (type.endsWith('*')) {
      ffiArgs.push('ptr');
      kinds.push('plain');
    } else {
      const t = SCALARS[type];
      if (t === undefined) throw new Error(`no bun:ffi type for "${param}" in ${prototype}`);
      ffiArgs.push(t);
      kinds.push('plain');
    }
  }
  return { symbol, ffiArgs, kinds, returns };
}

/** Extra variadic arguments per function, as the callers in lib/sys pass them. */
const VARIADIC_INTS: Readonly<Record<string, number>> = { fcntl: 1 };

const NUL = '\0';

/**
 * libc through Bun's own FFI, for the compiled executables: nothing to ship or extract beside
 * the binary, and cheaper to start than koffi under Bun (one symbol about +1 ms). Each
 * function is compiled by bun:ffi when first accessed, as the koffi binding declares them.
 */
export function bindWithBunFfi(): LibcBinding {
  // A computed specifier keeps esbuild from trying to bundle a module only Bun has.
  const ffi = require(['bun', 'ffi'].join(':')) as BunFfi;
  const path = 'libc.so.6';
  const open = (name: string, sig: { args: string[]; returns: string }) => {
    try {
      return ffi.dlopen(path, { [name]: sig }).symbols[name] as (...args: unknown[]) => unknown;
    } catch (e) {
      throw new Error(`cannot load ${name} from ${path} (${(e as Error).message}): these executables need glibc`);
    }
  };
  const bind = (name: string, prototype: string) => {
    const sig = signatureOf(prototype, VARIADIC_INTS[name] ?? 0);
    return wrap(ffi, open(sig.symbol, { args: sig.ffiArgs, returns: sig.returns }), sig);
  };
  let errnoAddress: number | undefined;
  const errno = (): number => {
    errnoAddress ??= open('__errno_location', { args: [], returns: 'ptr' })() as number;
    return ffi.read.i32(errnoAddress, 0);
  };
  return { libc: lazyLibc(bind, 8), errno };
}

/** Converts the JS arguments the Libc interface takes into what bun:ffi passes to C. */
function wrap(ffi: BunFfi, fn: (...args: unknown[]) => unknown, sig: Signature): (...args: unknown[]) => number {
  if (sig.kinds.every((k) => k === 'plain')) return fn as (...args: unknown[]) => number;
  return (...args: unknown[]) => {
    const keep: ArrayBufferView[] = []; // referenced until the call returns
    const cArgs: unknown[] = [];
    let i = 0;
    for (const kind of sig.kinds) {
      if (kind === 'variadic-int') {
        i++; // koffi's type tag ('int'); the value follows
        cArgs.push(args[i++]);
      } else if (kind === 'string') {
        const buf = Buffer.from(`${String(args[i++])}${NUL}`);
        keep.push(buf);
        cArgs.push(buf);
      } else if (kind === 'strings') {
        const list = args[i++] as readonly (string | null)[];
        const pointers = new BigUint64Array(list.length);
        list.forEach((s, j) => {
          if (s === null) return;
          const buf = Buffer.from(`${s}${NUL}`);
          keep.push(buf);
          pointers[j] = BigInt(ffi.ptr(buf));
        });
        keep.push(pointers);
        cArgs.push(pointers);
      } else {
        cArgs.push(args[i++]);
      }
    }
    const result = fn(...cArgs) as number;
    keep.length = 0;
    return result;
  };
}
