import { readSysctl, writeSysctl } from '../netns/index.ts';

// Sysctls of the calling thread's network namespace (wrap in withNetns for a container's).

/** Writes a sysctl only when it differs: unchanged sysctls cost no write and need no privilege. */
export function ensureSysctl(name: string, value: string): void {
  try {
    if (readSysctl(name).trim() === value) return;
  } catch {
    // unreadable: try the write, which reports the real problem
  }
  writeSysctl(name, value);
}

/**
 * Writes a sysctl that helps but is not required (a kernel without IPv6, an older kernel
 * without the key): false when the write failed.
 */
export function trySysctl(name: string, value: string): boolean {
  try {
    writeSysctl(name, value);
    return true;
  } catch {
    return false;
  }
}
