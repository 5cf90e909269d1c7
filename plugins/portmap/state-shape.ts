import { parseCidr, parseIp } from '../../lib/addr/index.ts';
import type { Owner } from '../../lib/core/index.ts';
import type { BackendName } from '../../lib/firewall/index.ts';
import type { ContainerAddress, PortMapping, PortmapSpec } from '../../lib/firewall/portmap/index.ts';

// What a state file must hold to be used for DEL: the recorded spec goes to the firewall
// backends as it is, so anything else (an old or foreign format, hand edits, a truncated
// write) is damage, and DEL falls back to finding the rules by owner.

/** The parsed record, or why it is unusable. */
export type RecordCheck = { readonly ok: true; readonly backend: BackendName; readonly spec: PortmapSpec } | { readonly ok: false; readonly reason: string };

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
const isPort = (v: unknown): v is number => Number.isInteger(v) && (v as number) >= 1 && (v as number) <= 65535;
const isStrings = (v: unknown): v is string[] => Array.isArray(v) && v.every((s) => typeof s === 'string');

function mapping(v: unknown): PortMapping | undefined {
  if (!isObj(v) || !isPort(v.hostPort) || !isPort(v.containerPort)) return undefined;
  if (v.protocol !== 'tcp' && v.protocol !== 'udp' && v.protocol !== 'sctp') return undefined;
  if (v.hostIP !== undefined && typeof v.hostIP !== 'string') return undefined;
  return { hostPort: v.hostPort, containerPort: v.containerPort, protocol: v.protocol, ...(v.hostIP !== undefined ? { hostIP: v.hostIP } : {}) };
}

/** `{"ip":"10.1.0.5","subnet":"10.1.0.0/16"}` as the file spells it, in `family`. */
function address(v: unknown, family: 4 | 6): ContainerAddress | undefined {
  if (!isObj(v) || typeof v.ip !== 'string' || typeof v.subnet !== 'string') return undefined;
  try {
    const ip = parseIp(v.ip);
    const { prefix } = parseCidr(v.subnet);
    return ip.family === family ? { ip, prefix } : undefined;
  } catch {
    return undefined;
  }
}

/** Checks a state file's JSON against the owner its name gives. */
export function checkRecord(value: unknown, owner: Owner): RecordCheck {
  const bad = (reason: string): RecordCheck => ({ ok: false, reason });
  if (!isObj(value) || !isObj(value.spec)) return bad('it is not a portmap record ({"backend", "spec"})');
  if (value.backend !== 'iptables' && value.backend !== 'nftables') return bad(`unknown backend ${JSON.stringify(value.backend)}`);
  const s = value.spec;
  if (s.network !== owner.network || s.containerId !== owner.containerId || s.ifname !== owner.ifname) {
    return bad(`it belongs to network ${JSON.stringify(s.network)}, container ${JSON.stringify(s.containerId)}, interface ${JSON.stringify(s.ifname)}`);
  }
  const mappings = Array.isArray(s.mappings) ? s.mappings.map(mapping) : [undefined];
  if (mappings.some((m) => m === undefined)) return bad('"mappings" is not a list of port mappings');
  const v4 = s.containerIPv4 === undefined ? undefined : address(s.containerIPv4, 4);
  const v6 = s.containerIPv6 === undefined ? undefined : address(s.containerIPv6, 6);
  if ((s.containerIPv4 !== undefined && !v4) || (s.containerIPv6 !== undefined && !v6)) return bad('a container address is not an address');
  if (typeof s.snat !== 'boolean' || typeof s.masqAll !== 'boolean') return bad('"snat" or "masqAll" is not a boolean');
  if (!Number.isInteger(s.markMasqBit) || (s.markMasqBit as number) < 0 || (s.markMasqBit as number) > 31) return bad('"markMasqBit" is not 0-31');
  if (s.externalSetMarkChain !== undefined && typeof s.externalSetMarkChain !== 'string') return bad('"externalSetMarkChain" is not a string');
  if ((s.conditionsV4 !== undefined && !isStrings(s.conditionsV4)) || (s.conditionsV6 !== undefined && !isStrings(s.conditionsV6))) {
    return bad('"conditionsV4" or "conditionsV6" is not a list of strings');
  }
  const spec: PortmapSpec = {
    ...owner,
    mappings: mappings as PortMapping[],
    ...(v4 ? { containerIPv4: v4 } : {}),
    ...(v6 ? { containerIPv6: v6 } : {}),
    snat: s.snat,
    masqAll: s.masqAll,
    markMasqBit: s.markMasqBit as number,
    ...(s.externalSetMarkChain !== undefined ? { externalSetMarkChain: s.externalSetMarkChain } : {}),
    ...(s.conditionsV4 !== undefined ? { conditionsV4: s.conditionsV4 as string[] } : {}),
    ...(s.conditionsV6 !== undefined ? { conditionsV6: s.conditionsV6 as string[] } : {}),
  };
  return { ok: true, backend: value.backend, spec };
}
