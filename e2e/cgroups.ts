import { existsSync, readdirSync, rmdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

// With the cgroupfs manager the runtimes make cgroup directories on the host and leave the
// empty parents behind: podman `libpod_parent` (and `libpod_parent/conmon`), ctr one named after
// its namespace. The e2e notes which exist before it starts and removes the ones it caused.

/** Top-level cgroup directory names the runtimes create here. */
export function runtimeCgroupNames(ctrNamespace: string): string[] {
  return ['libpod_parent', ctrNamespace];
}

/** The mounted cgroup hierarchies: each v1 controller directory, the v2 one, or the root. */
export function cgroupRoots(base = '/sys/fs/cgroup'): string[] {
  if (!existsSync(base)) return [];
  const roots = [base];
  for (const entry of readdirSync(base, { withFileTypes: true })) {
    if (entry.isDirectory() && existsSync(join(base, entry.name, 'cgroup.procs'))) roots.push(join(base, entry.name));
  }
  return roots;
}

/** The runtime cgroup directories that exist now. */
export function existingRuntimeCgroups(names: readonly string[], base = '/sys/fs/cgroup'): string[] {
  const found: string[] = [];
  for (const root of cgroupRoots(base)) {
    for (const name of names) {
      const dir = join(root, name);
      if (existsSync(dir) && statSync(dir).isDirectory()) found.push(dir);
    }
  }
  return found.sort();
}

/**
 * Removes a cgroup directory and its sub-cgroups, deepest first. The kernel refuses to remove
 * a cgroup that still has processes, so this can only take empty ones.
 * @throws Error (EBUSY) when a cgroup still holds processes.
 */
export function removeCgroupTree(dir: string): void {
  if (!existsSync(dir)) return;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (entry.isDirectory()) removeCgroupTree(join(dir, entry.name));
  }
  rmdirSync(dir);
}
