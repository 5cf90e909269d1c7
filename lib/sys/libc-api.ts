/**
 * The libc entry points the suite uses. Each one is declared on its first use, not all
 * together: parsing every prototype up front costs about 1 ms per process, and a plugin run
 * needs only a few of them (plugins are short-lived processes).
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
  /** Returns only on failure. argv and envp end with null. */
  readonly execve: (path: string, argv: readonly (string | null)[], envp: readonly (string | null)[]) => number;
  readonly flock: (fd: number, op: number) => number;
  readonly statfs: (path: string, buf: Uint8Array) => number;
  readonly fstatfs: (fd: number, buf: Uint8Array) => number;
  /** Variadic in C; called here without extra arguments (NS_GET_NSTYPE takes none). */
  readonly ioctl: (fd: number, request: number) => number;
  /** ioctl(2) whose argument points at a buffer the kernel reads or fills (a struct ifreq). */
  readonly ioctlPointer: (fd: number, request: number, arg: Uint8Array) => number;
  /** ioctl(2) whose argument is a value passed in place of a pointer (TUNSETOWNER's uid). */
  readonly ioctlValue: (fd: number, request: number, arg: number) => number;
  /** `fds` holds two ints. */
  readonly pipe2: (fds: Int32Array, flags: number) => number;
  readonly read: (fd: number, buf: Uint8Array, len: number) => number;
  /** Without O_CREAT: the mode argument of the C function is not passed. */
  readonly open: (path: string, flags: number) => number;
  /** open(2) with O_CREAT: the variadic mode passed as a fixed third argument. */
  readonly openCreate: (path: string, flags: number, mode: number) => number;
  readonly rename: (oldPath: string, newPath: string) => number;
  /** `buf` receives a struct stat (144 bytes on x86-64, 128 on arm64). */
  readonly stat: (path: string, buf: Uint8Array) => number;
  readonly fstat: (fd: number, buf: Uint8Array) => number;
  readonly write: (fd: number, buf: Uint8Array, len: number) => number;
  /** Variadic in C: the third argument is passed as ('int', value). */
  readonly fcntl: (fd: number, cmd: number, argType: 'int', arg: number) => number;
  readonly waitpid: (pid: number, status: Int32Array, options: number) => number;
  readonly kill: (pid: number, sig: number) => number;
  /**
   * Returns an error number (it does not set errno). argv and envp end with null.
   * `fileActions` and `attr` are buffers initialised by the functions below.
   */
  readonly posix_spawn: (
    pid: Int32Array,
    path: string,
    fileActions: Uint8Array,
    attr: Uint8Array,
    argv: readonly (string | null)[],
    envp: readonly (string | null)[],
  ) => number;
  readonly posix_spawn_file_actions_init: (fileActions: Uint8Array) => number;
  readonly posix_spawn_file_actions_adddup2: (fileActions: Uint8Array, fd: number, newfd: number) => number;
  readonly posix_spawn_file_actions_destroy: (fileActions: Uint8Array) => number;
  readonly posix_spawnattr_init: (attr: Uint8Array) => number;
  readonly posix_spawnattr_setflags: (attr: Uint8Array, flags: number) => number;
  readonly posix_spawnattr_setsigmask: (attr: Uint8Array, set: Uint8Array) => number;
  readonly posix_spawnattr_setsigdefault: (attr: Uint8Array, set: Uint8Array) => number;
  readonly posix_spawnattr_destroy: (attr: Uint8Array) => number;
  /** sizeof(long) on this platform: the width of timeval fields and statfs.f_type. */
  readonly longSize: number;
}

/**
 * The C prototype of every function in {@link Libc} (the symbol is the prototype's name, which
 * is the key's but for the fixed-argument variants of a variadic function), declared on first use: with koffi under
 * Node (unit tests, lib/runtime), with bun:ffi in the compiled executables, where koffi's
 * native module would have to be shipped beside the binary and costs 4-5 ms more per process.
 */
export const PROTOTYPES: Readonly<Record<Exclude<keyof Libc, 'longSize'>, string>> = {
  socket: 'int socket(int domain, int type, int protocol)',
  bind: 'int bind(int fd, const void *addr, uint32_t addrlen)',
  sendto: 'intptr_t sendto(int fd, const void *buf, size_t len, int flags, const void *addr, uint32_t addrlen)',
  recv: 'intptr_t recv(int fd, void *buf, size_t len, int flags)',
  setsockopt: 'int setsockopt(int fd, int level, int name, const void *value, uint32_t len)',
  close: 'int close(int fd)',
  setns: 'int setns(int fd, int nstype)',
  unshare: 'int unshare(int flags)',
  execve: 'int execve(const char *path, const char **argv, const char **envp)',
  flock: 'int flock(int fd, int op)',
  statfs: 'int statfs(const char *path, void *buf)',
  fstatfs: 'int fstatfs(int fd, void *buf)',
  ioctl: 'int ioctl(int fd, unsigned long request, ...)',
  // The same C function with a fixed third argument: bun:ffi has no variadic calls, and on the
  // targets built (x86-64, arm64 Linux) a variadic callee reads its integer and pointer
  // arguments from the same registers as a fixed one.
  ioctlPointer: 'int ioctl(int fd, unsigned long request, void *arg)',
  ioctlValue: 'int ioctl(int fd, unsigned long request, unsigned long arg)',
  pipe2: 'int pipe2(void *fds, int flags)',
  read: 'intptr_t read(int fd, void *buf, size_t count)',
  open: 'int open(const char *path, int flags)',
  // variadic in C; like ioctlPointer, the fixed third argument travels in the same register
  openCreate: 'int open(const char *path, int flags, uint32_t mode)',
  rename: 'int rename(const char *oldpath, const char *newpath)',
  stat: 'int stat(const char *path, void *buf)',
  fstat: 'int fstat(int fd, void *buf)',
  write: 'intptr_t write(int fd, const void *buf, size_t count)',
  fcntl: 'int fcntl(int fd, int cmd, ...)',
  waitpid: 'int waitpid(int pid, void *status, int options)',
  kill: 'int kill(int pid, int sig)',
  posix_spawn: 'int posix_spawn(void *pid, const char *path, void *file_actions, void *attr, const char **argv, const char **envp)',
  posix_spawn_file_actions_init: 'int posix_spawn_file_actions_init(void *file_actions)',
  posix_spawn_file_actions_adddup2: 'int posix_spawn_file_actions_adddup2(void *file_actions, int fd, int newfd)',
  posix_spawn_file_actions_destroy: 'int posix_spawn_file_actions_destroy(void *file_actions)',
  posix_spawnattr_init: 'int posix_spawnattr_init(void *attr)',
  posix_spawnattr_setflags: 'int posix_spawnattr_setflags(void *attr, short flags)',
  posix_spawnattr_setsigmask: 'int posix_spawnattr_setsigmask(void *attr, const void *set)',
  posix_spawnattr_setsigdefault: 'int posix_spawnattr_setsigdefault(void *attr, const void *set)',
  posix_spawnattr_destroy: 'int posix_spawnattr_destroy(void *attr)',
};

/** The two ways this suite reaches libc; both bind each function on its first use. */
export interface LibcBinding {
  readonly libc: Libc;
  /** errno as left by the last foreign call on this thread. */
  errno(): number;
}

/**
 * A {@link Libc} whose functions are bound by `bind` when first accessed, then kept: a plugin
 * run calls only a few of them, and binding (declaring, or compiling a trampoline) costs time.
 */
export function lazyLibc(bind: (name: string, prototype: string) => unknown, longSize: number): Libc {
  const table: Record<string, unknown> = {};
  for (const [name, prototype] of Object.entries(PROTOTYPES)) {
    // A getter that replaces itself with the bound function.
    Object.defineProperty(table, name, {
      configurable: true,
      enumerable: true,
      get() {
        const fn = bind(name, prototype);
        Object.defineProperty(table, name, { value: fn, enumerable: true, writable: false, configurable: false });
        return fn;
      },
    });
  }
  Object.defineProperty(table, 'longSize', { value: longSize, enumerable: true });
  return table as unknown as Libc;
}
