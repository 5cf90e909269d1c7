import {
  type AttachmentRequest,
  CniError,
  type ConfigRequest,
  ErrorCode,
  type Result,
  readArray,
  readBool,
  readEnum,
  readInt,
  readObject,
  readString,
} from '../../lib/cni/index.ts';
import { ipToString, networkAddress, parseCidr, tryParseIp } from '../../lib/addr/index.ts';
import type { ContainerAddress, PortMapping, PortProtocol } from '../../lib/firewall/portmap/index.ts';

/** portmap's own settings (not per attachment). */
export interface PortmapConfig {
  readonly network: string;
  readonly snat: boolean;
  readonly masqAll: boolean;
  readonly markMasqBit: number;
  readonly externalSetMarkChain: string | undefined;
  readonly conditionsV4: string[] | undefined;
  readonly conditionsV6: string[] | undefined;
  readonly backend: 'iptables' | 'nftables' | undefined;
  /** Where ADD records what it installed, so DEL works without runtimeConfig (our addition). */
  readonly stateDir: string;
  readonly mappings: PortMapping[];
}

const PROTOCOLS: readonly PortProtocol[] = ['tcp', 'udp', 'sctp'];
/** tmpfs: firewall rules vanish at reboot, and so must the record of them. */
export const DEFAULT_STATE_DIR = '/run/cni-ts/portmap';

function bad(key: string, value: unknown, expected: string): CniError {
  return new CniError(ErrorCode.InvalidConfig, `invalid ${key} ${JSON.stringify(value)}`, `expected ${expected}`);
}

/** Reads a key case-insensitively: containerd's CRI sends HostPort/ContainerPort/Protocol/HostIP. */
function field(o: Record<string, unknown>, name: string): unknown {
  if (name in o) return o[name];
  const lower = name.toLowerCase();
  for (const [k, v] of Object.entries(o)) if (k.toLowerCase() === lower) return v;
  return undefined;
}

function port(value: unknown, key: string): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1 || value > 65535) throw bad(key, value, 'a port from 1 to 65535');
  return value;
}

/**
 * Parses `runtimeConfig.portMappings`. Entries with hostPort 0 mean "no host port" (as
 * containerd treats them) and are dropped; everything else out of range is code 7.
 */
export function parseMappings(raw: readonly unknown[]): PortMapping[] {
  const out: PortMapping[] = [];
  raw.forEach((entry, i) => {
    const key = `runtimeConfig.portMappings[${i}]`;
    if (typeof entry !== 'object' || entry === null || Array.isArray(entry)) throw bad(key, entry, 'an object with hostPort, containerPort and protocol');
    const e = entry as Record<string, unknown>;
    if (field(e, 'hostPort') === 0) return;
    const hostPort = port(field(e, 'hostPort'), `${key}.hostPort`);
    const containerPort = port(field(e, 'containerPort'), `${key}.containerPort`);
    const protoRaw = field(e, 'protocol') ?? 'tcp';
    const protocol = typeof protoRaw === 'string' ? protoRaw.toLowerCase() : protoRaw;
    if (!PROTOCOLS.includes(protocol as PortProtocol)) throw bad(`${key}.protocol`, protoRaw, 'tcp, udp or sctp');
    const hostIPRaw = field(e, 'hostIP');
    const m: { -readonly [K in keyof PortMapping]: PortMapping[K] } = { hostPort, containerPort, protocol: protocol as PortProtocol };
    if (hostIPRaw !== undefined && hostIPRaw !== null && hostIPRaw !== '') {
      if (typeof hostIPRaw !== 'string' || !tryParseIp(hostIPRaw)) throw bad(`${key}.hostIP`, hostIPRaw, 'an IPv4 or IPv6 address');
      m.hostIP = hostIPRaw;
    }
    out.push(m);
  });
  return out;
}

function conditions(c: Record<string, unknown>, key: string): string[] | undefined {
  const list = readArray(c, key);
  if (!list.length) return undefined;
  return list.map((v, i) => {
    if (typeof v !== 'string') throw bad(`${key}[${i}]`, v, 'a string');
    return v;
  });
}

/** @throws CniError code 7 naming the key and value. */
export function parsePortmapConfig(req: ConfigRequest): PortmapConfig {
  const c = req.config;
  const externalSetMarkChain = readString(c, 'externalSetMarkChain');
  const markMasqBit = readInt(c, 'markMasqBit', { min: 0, max: 31 });
  if (externalSetMarkChain && markMasqBit !== undefined) {
    throw new CniError(ErrorCode.InvalidConfig, 'invalid markMasqBit with externalSetMarkChain', 'set one of them: the external chain does its own marking');
  }
  return {
    network: c.name,
    snat: readBool(c, 'snat', true),
    masqAll: readBool(c, 'masqAll'),
    markMasqBit: markMasqBit ?? 13,
    externalSetMarkChain,
    conditionsV4: conditions(c, 'conditionsV4'),
    conditionsV6: conditions(c, 'conditionsV6'),
    backend: readEnum(c, 'backend', ['iptables', 'nftables'] as const),
    stateDir: readString(c, 'stateDir') ?? DEFAULT_STATE_DIR,
    mappings: parseMappings(readArray(readObject(c, 'runtimeConfig'), 'portMappings', 'runtimeConfig.')),
  };
}

/**
 * The container's first IPv4 and first IPv6 address on CNI_IFNAME: an address whose interface
 * index names an interface called CNI_IFNAME inside a sandbox, or one without an index.
 */
export function containerAddresses(prev: Result, req: AttachmentRequest): { v4?: ContainerAddress; v6?: ContainerAddress } {
  const out: { v4?: ContainerAddress; v6?: ContainerAddress } = {};
  for (const ip of prev.ips ?? []) {
    if (ip.interface !== undefined) {
      const iface = prev.interfaces?.[ip.interface];
      if (!iface || iface.name !== req.ifname || !iface.sandbox) continue;
    }
    const c = parseCidr(ip.address);
    const addr: ContainerAddress = { ip: ipToString(c.ip), subnet: `${ipToString(networkAddress(c))}/${c.prefix}` };
    if (c.ip.family === 4) out.v4 ??= addr;
    else out.v6 ??= addr;
  }
  return out;
}
