import koffi from 'koffi';
import type { LibraryHandle } from 'koffi';

/** A bound libc function; koffi returns plain numbers for int/intptr_t results. */
type CFn = (...args: never[]) => number;

/**
 * The libc entry points the suite uses. Bound once, on first use, so importing lib/sys
 * costs nothing beyond loading koffi itself (plugins are short-lived processes).
 */
export interface Libc {
  readonly socket: (domain: number, type: number, protocol: number) => number;
  readonly bind: (fd: number, addr: Uint8Array, len: number) => number;
  readonly sendto: (fd: number, buf: Uint8Array, len: number, flags: number, addr: Uint8Array | null, addrlen: number) => number;
  readonly recv: (fd: number, buf: Uint8Array, len: number, flags: number) => number;
  readonly setsockopt: (fd: number, level: number, name: number, value: Uint8Array, len: number) => number;
  readonly close: (fd: number) => number;
  readonly setns: (fd: number, nstype: number) => number;
  readonly unshare: (flags: number) => number;
  readonly flock: (fd: number, op: number) => number;
  readonly statfs: (path: string, buf: Uint8Array) => number;
  readonly fstatfs: (fd: number, buf: Uint8Array) => number;
  /** Variadic in C; called here without extra arguments (NS_GET_NSTYPE takes none). */
  readonly ioctl: (fd: number, request: number) => number;
  /** sizeof(long) on this platform: the width of timeval fields and statfs.f_type. */
  readonly longSize: number;
}

let libc: Libc | undefined;

/** Returns the lazily bound libc table. */
export function getLibc(): Libc {
  libc ??= bindLibc();
  return libc;
}

/** errno as saved by koffi right after the last foreign call on this thread. */
export function lastErrno(): number {
  return koffi.errno();
}

function bindLibc(): Libc {
  const lib = loadLibc();
  const fn = (decl: string): CFn => lib.func(decl) as CFn;
  return {
    socket: fn('int socket(int domain, int type, int protocol)'),
    bind: fn('int bind(int fd, const void *addr, uint32_t addrlen)'),
    sendto: fn('intptr_t sendto(int fd, const void *buf, size_t len, int flags, const void *addr, uint32_t addrlen)'),
    recv: fn('intptr_t recv(int fd, void *buf, size_t len, int flags)'),
    setsockopt: fn('int setsockopt(int fd, int level, int name, const void *value, uint32_t len)'),
    close: fn('int close(int fd)'),
    setns: fn('int setns(int fd, int nstype)'),
    unshare: fn('int unshare(int flags)'),
    flock: fn('int flock(int fd, int op)'),
    statfs: fn('int statfs(const char *path, void *buf)'),
    fstatfs: fn('int fstatfs(int fd, void *buf)'),
    ioctl: fn('int ioctl(int fd, unsigned long request, ...)'),
    longSize: koffi.sizeof('long'),
  } as unknown as Libc;
}

function loadLibc(): LibraryHandle {
  try {
    return koffi.load('libc.so.6');
  } catch {
    // musl and other libcs: the process image already has libc mapped.
    return koffi.load(null);
  }
}
