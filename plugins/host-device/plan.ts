import { CniError, ErrorCode } from '../../lib/cni/index.ts';
import type { Link } from '../../lib/link/index.ts';
import type { DeviceSelector } from './config.ts';

/** ARPHRD_LOOPBACK: lo's device type. */
const ARPHRD_LOOPBACK = 772;

/** What the node namespace holds, read before anything changes. */
export interface NodeFacts {
  readonly links: readonly Link[];
  /** The ifindex of each default route's device in the main table (IPv4 and IPv6). */
  readonly defaultRouteDevices: readonly number[];
  /** For the sysfs selectors: the `net/` entries found (undefined: no such directory). */
  readonly sysfsNames: (s: DeviceSelector) => readonly string[] | undefined;
}

function refuse(key: string, value: string, msg: string, details: string): CniError {
  return new CniError(ErrorCode.InvalidConfig, `invalid ${key} ${JSON.stringify(value)}: ${msg}`, details);
}

function valueOf(s: DeviceSelector): string {
  switch (s.by) {
    case 'name':
      return s.name;
    case 'mac':
      return s.mac;
    case 'kernelpath':
      return s.path;
    default:
      return s.id;
  }
}

/** The one link a selector names, or a code 7 saying why there is none or more than one. */
function resolve(s: DeviceSelector, facts: NodeFacts): Link {
  const value = valueOf(s);
  if (s.by === 'name') {
    const link = facts.links.find((l) => l.name === s.name);
    if (!link) throw refuse(s.key, value, 'no such device in the node\'s network namespace', 'name a device that exists where the plugin runs');
    return link;
  }
  if (s.by === 'mac') {
    const found = facts.links.filter((l) => l.mac === s.mac && l.type !== ARPHRD_LOOPBACK);
    if (found.length === 0) throw refuse(s.key, value, 'no device in the node\'s network namespace has this MAC address', 'give the MAC of an existing device');
    // a bridge takes its first port's MAC, a macvlan may share its parent's: never guess
    if (found.length > 1) throw refuse(s.key, value, `it is the MAC address of several devices (${found.map((l) => l.name).join(', ')})`, 'name the device by "device" instead');
    return found[0] as Link;
  }
  const names = facts.sysfsNames(s);
  const where = s.by === 'kernelpath' ? `${s.path}/net/` : s.by === 'pci' ? `the PCI function's net/ directory` : `the auxiliary device's net/ directory`;
  if (names === undefined || names.length === 0) {
    throw refuse(s.key, value, `no network device under ${where}`, 'name a device with a network interface in the node\'s network namespace (sysfs shows only that namespace\'s devices)');
  }
  if (names.length > 1) throw refuse(s.key, value, `several network devices under ${where} (${names.join(', ')})`, 'name the one to move by "device"');
  const link = facts.links.find((l) => l.name === names[0]);
  if (!link) throw refuse(s.key, value, `its device ${names[0]} is not in the node's network namespace`, 'the device must be where the plugin runs');
  return link;
}

/**
 * The device an ADD moves: the one the configuration names (every key given must name the
 * same one), provided moving it is safe: not lo, not a bridge or a device others are enslaved
 * to, not itself a bridge port or otherwise enslaved, and not the node's only uplink (the
 * only link that carries a default route, so the node would lose its way out).
 * @throws CniError code 7 naming the key.
 */
export function chooseDevice(selectors: readonly DeviceSelector[], facts: NodeFacts): Link {
  const first = selectors[0];
  if (!first) throw new CniError(ErrorCode.InvalidConfig, 'missing device, hwaddr, kernelpath or pciBusID', 'name the device to move');
  const link = resolve(first, facts);
  for (const other of selectors.slice(1)) {
    const also = resolve(other, facts);
    if (also.index !== link.index) {
      throw refuse(other.key, valueOf(other), `it names ${also.name}, but ${first.key} names ${link.name}`, 'give one key, or keys that name the same device');
    }
  }
  const key = first.key;
  const value = valueOf(first);
  if (link.type === ARPHRD_LOOPBACK) throw refuse(key, value, `${link.name} is the loopback device`, 'the loopback device cannot leave its namespace');
  if (link.master !== undefined) {
    const master = facts.links.find((l) => l.index === link.master)?.name ?? `ifindex ${link.master}`;
    const what = link.slaveKind === 'bridge' ? 'a port of bridge' : `enslaved (${link.slaveKind ?? 'to a master'}) to`;
    throw refuse(key, value, `${link.name} is ${what} ${master}`, 'release it first (ip link set dev X nomaster): moving it would cut the traffic through it');
  }
  const ports = facts.links.filter((l) => l.master === link.index).map((l) => l.name);
  if (link.kind === 'bridge' || ports.length) {
    throw refuse(key, value, `${link.name} is a ${link.kind ?? 'master'}${ports.length ? ` with ports ${ports.join(', ')}` : ''}`, 'a device others are attached to cannot be handed to a pod');
  }
  const uplinks = new Set(facts.defaultRouteDevices);
  if (uplinks.size === 1 && uplinks.has(link.index)) {
    throw refuse(key, value, `${link.name} is the node's only uplink (it carries the node's default route)`, 'moving it would cut the node off; add another default route first, or name another device');
  }
  return link;
}
