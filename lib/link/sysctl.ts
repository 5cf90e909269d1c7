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

/**
 * Turns off duplicate address detection on a host-side link the node routes through (a bridge,
 * a ptp host veth, a VLAN gateway) before it first comes up, so that the kernel's fe80:: address
 * is usable at once. While that address is tentative (1 to 2 s of DAD from the carrier on), the
 * kernel silently skips the neighbour solicitation for any packet it forwards onto the link
 * (ndisc_send_ns() needs a non-tentative link-local source when the packet's own source is not
 * an address of the link), and the first packet to a new pod waits for the 1 s retransmission:
 * issue 20's stall. The address is derived from the link's random MAC, so a duplicate is not a
 * real risk. Best effort: a kernel without IPv6 has no such key.
 */
export function hostLinkLocalReadyAtOnce(ifname: string): void {
  try {
    if (readSysctl(`net/ipv6/conf/${ifname}/accept_dad`).trim() === '0') return;
  } catch {
    return; // no IPv6 on this link (or kernel): nothing to wait for
  }
  trySysctl(`net/ipv6/conf/${ifname}/accept_dad`, '0');
}
