import { existsSync, readdirSync, readlinkSync } from 'node:fs';
import { basename, join } from 'node:path';

// What sysfs says about the devices a configuration may name by kernel path, PCI address or
// auxiliary device. sysfs shows the network devices of the namespace that mounted it, and
// `ip netns exec` (as a runtime running the plugin inside a node namespace) mounts one for
// that namespace: a device of another namespace does not show under <device>/net/.
// Every function takes the sysfs root, so tests run them on a directory tree of their own.

/** The real sysfs. */
export const SYSFS_ROOT = '/sys';

/** PCI drivers that bind a function to user space (DPDK): it then has no netdev. */
export const USERSPACE_DRIVERS: readonly string[] = ['vfio-pci', 'uio_pci_generic', 'igb_uio'];

function pciDir(root: string, id: string): string {
  return join(root, 'bus/pci/devices', id);
}

function auxDir(root: string, id: string): string {
  return join(root, 'bus/auxiliary/devices', id);
}

/** What a runtime's deviceID is: a PCI function, an auxiliary device, or nothing this node has. */
export function deviceIdKind(root: string, id: string): 'pci' | 'auxiliary' | undefined {
  if (existsSync(pciDir(root, id))) return 'pci';
  if (existsSync(auxDir(root, id))) return 'auxiliary';
  return undefined;
}

/** Whether the PCI function exists at all. */
export function pciExists(root: string, id: string): boolean {
  return existsSync(pciDir(root, id));
}

/** The name of the driver bound to a PCI function; undefined when none is. */
export function pciDriver(root: string, id: string): string | undefined {
  try {
    return basename(readlinkSync(join(pciDir(root, id), 'driver')));
  } catch {
    return undefined;
  }
}

/** The entries of a `net/` directory, sorted; undefined when there is no such directory. */
function netEntries(dir: string): string[] | undefined {
  try {
    return readdirSync(dir).sort();
  } catch {
    return undefined;
  }
}

/**
 * The network devices of a PCI function: under its `net/`, or for a virtio function under
 * `virtio<N>/net/`; undefined when it has neither directory.
 */
export function pciNetDevices(root: string, id: string): string[] | undefined {
  const dir = pciDir(root, id);
  const direct = netEntries(join(dir, 'net'));
  if (direct !== undefined) return direct;
  let children: string[];
  try {
    children = readdirSync(dir).filter((c) => c.startsWith('virtio')).sort();
  } catch {
    return undefined;
  }
  for (const c of children) {
    const found = netEntries(join(dir, c, 'net'));
    if (found !== undefined) return found;
  }
  return undefined;
}

/** The network devices of an auxiliary device (`<id>/net/`). */
export function auxNetDevices(root: string, id: string): string[] | undefined {
  return netEntries(join(auxDir(root, id), 'net'));
}

/** The network devices under a kernel object path (`/sys/devices/...`, checked by the config). */
export function kernelPathNetDevices(root: string, kernelPath: string): string[] | undefined {
  return netEntries(join(root, kernelPath.slice(SYSFS_ROOT.length), 'net'));
}
