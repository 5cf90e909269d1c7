import { readTextFile, writeTextFile } from '../sys/index.ts';

const SYSCTL_ROOT = '/proc/sys';

/**
 * Normalises a sysctl name to slash form, with the rule of Go's plugins/pkg/utils/sysctl:
 * if a '.' comes before any '/', the name uses dots as separators, so '.' and '/' are
 * swapped (an interface 'eth0.100' is then written 'eth0/100'); otherwise it is left alone.
 * @example normalizeSysctlName('net.ipv4.conf.eth0/100.rp_filter') // 'net/ipv4/conf/eth0.100/rp_filter'
 * @throws {TypeError} for empty names, absolute paths or '..' segments.
 */
export function normalizeSysctlName(name: string): string {
  const firstDot = name.indexOf('.');
  const firstSlash = name.indexOf('/');
  const dotted = firstDot !== -1 && (firstSlash === -1 || firstDot < firstSlash);
  const normal = dotted ? name.replace(/[./]/g, (c) => (c === '.' ? '/' : '.')) : name;
  const segments = normal.split('/');
  if (normal === '' || segments.some((s) => s === '' || s === '.' || s === '..')) {
    throw new TypeError(`invalid sysctl name: ${JSON.stringify(name)}`);
  }
  return normal;
}

/** The /proc/sys path of a sysctl name (dotted or slashed). */
export function sysctlPath(name: string): string {
  return `${SYSCTL_ROOT}/${normalizeSysctlName(name)}`;
}

/**
 * Reads a sysctl of the calling thread's netns (wrap in withNetns for a container),
 * without the trailing newline.
 * @throws {SysError} ENOENT when the key or interface does not exist.
 */
export function readSysctl(name: string): string {
  return readTextFile(sysctlPath(name)).replace(/\n$/, '');
}

/**
 * Writes a sysctl of the calling thread's netns. Synchronous on purpose: only the calling
 * thread follows setns (pool threads stay where they were created). Call it
 * inside withNetns for a container, e.g. `withNetns(ns, () => writeSysctl(...))`.
 * @throws {SysError} (EINVAL for a value the kernel refuses).
 */
export function writeSysctl(name: string, value: string | number): void {
  writeTextFile(sysctlPath(name), String(value));
}
