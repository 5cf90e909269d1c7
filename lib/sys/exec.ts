import { check } from './check.ts';
import { getLibc } from './libc.ts';

/**
 * execve(2): replaces this process with `path`, keeping its pid, file descriptors and
 * namespaces. Returns only by throwing.
 * @throws {SysError} syscall 'execve' (ENOENT, EACCES, ...), or TypeError for a NUL byte.
 */
export function replaceProcess(path: string, argv: readonly string[], env: Readonly<Record<string, string | undefined>>): never {
  const envp = Object.entries(env).flatMap(([k, v]) => (v === undefined ? [] : [`${k}=${v}`]));
  for (const s of [path, ...argv, ...envp]) {
    if (s.includes('\0')) throw new TypeError(`replaceProcess: NUL byte in argument or environment: ${JSON.stringify(s)}`);
  }
  check(getLibc().execve(path, [...argv, null], [...envp, null]), 'execve', path);
  throw new Error('execve returned without an error'); // unreachable: execve returns only -1
}
