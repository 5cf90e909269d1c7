import { CniError, ErrorCode, type Result } from '../../lib/cni/index.ts';
import { LINK_SETTING_ORDER, type Link, type LinkSetting, type LinkSettings, type NetSysctl } from '../../lib/link/index.ts';
import type { SysctlSetting, TuningConfig } from './config.ts';

// Pure: what tuning changes, what it saves and what CHECK compares, from the configuration and
// what the pod's namespace shows. Nothing here touches the host.

/**
 * The /proc/sys name of a configured key, by Go's rule: every "." becomes "/", then the first
 * "IFNAME" becomes CNI_IFNAME (so a dotted interface name such as eth0.100 is reached through
 * IFNAME). Only the pod's network sysctls are reachable: the name must stay under net/, and a
 * key with an empty, "." or ".." part (a way out of net/) is refused rather than cleaned.
 * @throws CniError code 7 naming the key.
 */
export function resolveSysctlName(key: string, ifname: string, source = 'sysctl'): string {
  const refuse = (why: string): never => {
    throw new CniError(ErrorCode.InvalidConfig, `invalid ${source} key ${JSON.stringify(key)}`, why);
  };
  if (key.includes('\0')) refuse('a sysctl name cannot hold NUL');
  const name = key.replaceAll('.', '/').replace('IFNAME', ifname);
  const parts = name.split('/');
  if (parts.some((p) => p === '' || p === '.' || p === '..')) refuse('expected a dotted sysctl name such as net.ipv4.conf.IFNAME.arp_notify, without empty, "." or ".." parts');
  if (parts[0] !== 'net' || parts.length < 2) refuse('only the pod\'s own network sysctls (net.*) may be set');
  return name;
}

/**
 * Why a sysctl cannot be set in the pod's namespace, as a code-7 error naming the key; undefined when it can.
 * `probe` is the key as the pod's namespace shows it.
 */
export function sysctlRefusal(s: SysctlSetting, probe: NetSysctl): CniError | undefined {
  const fail = (why: string) => new CniError(ErrorCode.InvalidConfig, `invalid ${s.source} key ${JSON.stringify(s.key)}`, why);
  switch (probe.state) {
    case 'writable':
      return undefined;
    case 'read-only':
      return fail('it is not per network namespace: the pod\'s namespace shows it read-only, the host owns it');
    case 'not-a-file':
      return fail(`/proc/sys/${probe.name} is a directory, not a sysctl`);
    case 'missing':
      return fail(`the pod's network namespace has no /proc/sys/${probe.name}: it is not per network namespace on this kernel, or not a sysctl at all`);
  }
}

/**
 * An MTU outside the range the interface's driver accepts (max 0: no upper limit), as a
 * code-7 error naming the key it came from.
 */
export function mtuRefusal(mtu: number, link: Link, source: string): CniError | undefined {
  const min = link.minMtu ?? 0;
  const max = link.maxMtu ?? 0;
  if (mtu >= min && (max === 0 || mtu <= max)) return undefined;
  const range = max === 0 ? `of at least ${min}` : `from ${min} to ${max}`;
  return new CniError(ErrorCode.InvalidConfig, `invalid ${source} ${mtu}`, `expected an integer ${range}: the range of ${link.name}'s driver`);
}

/** The link attributes the configuration sets, in the order they are applied. */
export function requestedSettings(link: LinkSettings): LinkSetting[] {
  return LINK_SETTING_ORDER.filter((k) => link[k] !== undefined);
}

/**
 * What the backup file holds after this ADD: the values an earlier ADD saved stay (they are
 * the originals, from before any tuning); the rest are the link's values now.
 */
export function planBackup(current: LinkSettings, saved: LinkSettings | undefined): LinkSettings {
  return { ...current, ...(saved ?? {}) };
}

/** The attributes DEL restores, in Go's order: MTU, MAC, promisc, allmulti, txqlen. */
export function restoreSteps(saved: LinkSettings): [LinkSetting, string | number | boolean][] {
  const order: LinkSetting[] = ['mtu', 'mac', 'promisc', 'allmulti', 'txQueueLen'];
  return order.flatMap((k) => (saved[k] === undefined ? [] : [[k, saved[k] as string | number | boolean]]));
}

/** prevResult with the MAC of every interface named CNI_IFNAME replaced (as Go patches it). */
export function patchResultMac(prev: Result, ifname: string, mac: string): Result {
  if (!prev.interfaces) return prev;
  return { ...prev, interfaces: prev.interfaces.map((i) => (i.name === ifname ? { ...i, mac } : i)) };
}

/** A sysctl's value as the kernel prints it and as it was configured compare equal when their words do. */
function sameSysctlValue(configured: string, current: string): boolean {
  const words = (s: string) => s.trim().split(/\s+/).join(' ');
  return words(configured) === words(current);
}

/**
 * CHECK: every difference between the configuration and what the pod's namespace shows, as
 * Go's CHECK compares them (promisc: a link in promiscuous mode fails unless promisc is asked for).
 */
export function differences(cfg: TuningConfig, link: Link, sysctls: readonly NetSysctl[]): string[] {
  const out: string[] = [];
  cfg.sysctls.forEach((s, i) => {
    const now = sysctls[i];
    if (now?.value === undefined) out.push(`sysctl ${s.key}: /proc/sys/${s.name} cannot be read`);
    else if (!sameSysctlValue(s.value, now.value)) out.push(`sysctl ${s.key} is ${JSON.stringify(now.value)}, configured ${JSON.stringify(s.value)}`);
  });
  const want = cfg.link;
  if (want.mac !== undefined && want.mac !== link.mac) out.push(`${link.name} MAC is ${link.mac}, configured ${want.mac}`);
  if ((want.promisc ?? false) !== link.promisc) out.push(`${link.name} promiscuous mode is ${link.promisc ? 'on' : 'off'}, configured ${want.promisc ? 'on' : 'off'}`);
  if (want.mtu !== undefined && want.mtu !== link.mtu) out.push(`${link.name} MTU is ${link.mtu}, configured ${want.mtu}`);
  if (want.allmulti !== undefined && want.allmulti !== link.allmulti) out.push(`${link.name} all-multicast mode is ${link.allmulti ? 'on' : 'off'}, configured ${want.allmulti ? 'on' : 'off'}`);
  if (want.txQueueLen !== undefined && want.txQueueLen !== link.txQueueLen) out.push(`${link.name} transmit queue length is ${link.txQueueLen}, configured ${want.txQueueLen}`);
  return out;
}
