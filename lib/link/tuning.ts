import { lstatSync } from 'node:fs';
import { type Link, type LinkChanges, type NetlinkSocket, setLink } from '../netlink/index.ts';
import { type Netns, readSysctl, sysctlPath, withNetns, writeSysctl } from '../netns/index.ts';

// What the tuning plugin changes inside a pod: a link's own attributes and the pod
// namespace's net sysctls. Everything here runs against one namespace, named by the caller.

/** The link attributes tuning sets, each optional; the order of the keys is the order they are applied. */
export interface LinkSettings {
  readonly mac?: string;
  readonly promisc?: boolean;
  readonly mtu?: number;
  readonly allmulti?: boolean;
  readonly txQueueLen?: number;
}

export type LinkSetting = keyof LinkSettings;

/** Go's tuning applies MAC, promisc, MTU, allmulti, txqlen in this order; we keep it. */
export const LINK_SETTING_ORDER: readonly LinkSetting[] = ['mac', 'promisc', 'mtu', 'allmulti', 'txQueueLen'];

/** The current value of each of `keys` on `link`. */
export function currentLinkSettings(link: Link, keys: readonly LinkSetting[]): LinkSettings {
  const out: { -readonly [K in LinkSetting]?: LinkSettings[K] } = {};
  for (const k of keys) {
    if (k === 'mac' && link.mac !== undefined) out.mac = link.mac;
    if (k === 'promisc') out.promisc = link.promisc;
    if (k === 'mtu') out.mtu = link.mtu;
    if (k === 'allmulti') out.allmulti = link.allmulti;
    if (k === 'txQueueLen' && link.txQueueLen !== undefined) out.txQueueLen = link.txQueueLen;
  }
  return out;
}

/**
 * Sets one attribute of a link (one RTM_SETLINK each, so a refusal names the attribute).
 * @throws Error naming the attribute, the value and the kernel's reason.
 */
export function setLinkSetting(sock: NetlinkSocket, index: number, key: LinkSetting, value: string | number | boolean): void {
  try {
    setLink(sock, index, { [key]: value } as LinkChanges);
  } catch (e) {
    throw new Error(`failed to set ${key} ${JSON.stringify(value)}: ${(e as Error).message}`, { cause: e });
  }
}

/**
 * A sysctl as the pod's namespace shows it: `writable` is a per-namespace key the pod may set;
 * `read-only` is shown to every namespace but belongs to the host (the kernel drops the write
 * bit outside the initial namespace); `missing` does not exist there at all (a host-only key
 * such as net.core.netdev_max_backlog, or a misspelling).
 */
export type NetSysctlState = 'writable' | 'read-only' | 'missing' | 'not-a-file';

/** One sysctl of a namespace: its state and, when readable, its value. */
export interface NetSysctl {
  readonly name: string;
  readonly state: NetSysctlState;
  readonly value: string | undefined;
}

/** Inspects sysctls (slash form, relative to /proc/sys) inside `ns`, reading the value of each that exists. */
export function probeSysctls(ns: Netns, names: readonly string[]): NetSysctl[] {
  return withNetns(ns, () =>
    names.map((name): NetSysctl => {
      let mode: number;
      let file: boolean;
      try {
        const st = lstatSync(sysctlPath(name));
        mode = st.mode;
        file = st.isFile();
      } catch {
        return { name, state: 'missing', value: undefined };
      }
      if (!file) return { name, state: 'not-a-file', value: undefined };
      let value: string | undefined;
      try {
        value = readSysctl(name);
      } catch {
        value = undefined; // write-only keys (e.g. route flush) exist but cannot be read
      }
      return { name, state: (mode & 0o200) !== 0 ? 'writable' : 'read-only', value };
    }),
  );
}

/**
 * Writes one sysctl inside `ns`, verbatim.
 * @throws SysError (EINVAL: a value the kernel refuses).
 */
export function writeSysctlIn(ns: Netns, name: string, value: string): void {
  withNetns(ns, () => writeSysctl(name, value));
}
