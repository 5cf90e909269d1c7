import portmapJson from '../../schemas/portmap.json' with { type: 'json' };
import { type AttachmentRequest, CniError, type ConfigRequest, ErrorCode, type Result, requirePrevResult as requirePrevResultOf, readablePrevResult } from '../../lib/cni/index.ts';
import { checkConfig, invalidValue } from '../../lib/cni/json-schema.ts';
import { tryParseIp } from '../../lib/addr/index.ts';
import type { PortMapping, PortProtocol } from '../../lib/firewall/portmap/index.ts';
import type { PortMappingKeys, PortmapKeys } from './schema.ts';

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

/** Reads a key case-insensitively: containerd's CRI sends HostPort/ContainerPort/Protocol/HostIP. */
function field(o: Record<string, unknown>, name: string): unknown {
  if (name in o) return o[name];
  const lower = name.toLowerCase();
  for (const [k, v] of Object.entries(o)) if (k.toLowerCase() === lower) return v;
  return undefined;
}

/** The entry with its keys spelled as portMappingSchema spells them; anything else as it is. */
function canonicalKeys(entry: unknown): unknown {
  if (typeof entry !== 'object' || entry === null || Array.isArray(entry)) return entry;
  const e = entry as Record<string, unknown>;
  const out: Record<string, unknown> = {};
  for (const name of ['hostPort', 'containerPort', 'protocol', 'hostIP']) if (field(e, name) !== undefined) out[name] = field(e, name);
  return out;
}

/**
 * Parses `runtimeConfig.portMappings`. A port outside 1-65535, hostPort 0 included, is code 7
 * as in Go (containerd leaves entries without a host port out before it calls the plugin;
 * silently dropping one here would hide a runtime's mistake).
 */
export function parseMappings(raw: readonly unknown[]): PortMapping[] {
  // read when called: schema.ts imports DEFAULT_STATE_DIR, and the generator must run before $defs exists
  const mappingJson = portmapJson.$defs.portMapping;
  const out: PortMapping[] = [];
  raw.forEach((entry, i) => {
    const e = canonicalKeys(entry);
    const key = `runtimeConfig.portMappings[${i}]`;
    const m = checkConfig<PortMappingKeys>(mappingJson, e, key);
    // what JSON Schema cannot say (see schema.ts)
    if (m.protocol !== undefined && !(PROTOCOLS as readonly string[]).includes(m.protocol.toLowerCase())) {
      throw invalidValue(`${key}.protocol`, m.protocol, mappingJson.properties.protocol);
    }
    if (m.hostIP !== undefined && m.hostIP !== '' && tryParseIp(m.hostIP) === undefined) throw invalidValue(`${key}.hostIP`, m.hostIP, mappingJson.properties.hostIP);
    const mapping: { -readonly [K in keyof PortMapping]: PortMapping[K] } = {
      hostPort: m.hostPort,
      containerPort: m.containerPort,
      protocol: (m.protocol?.toLowerCase() ?? 'tcp') as PortProtocol,
    };
    if (m.hostIP) mapping.hostIP = m.hostIP;
    out.push(mapping);
  });
  return out;
}

/** @throws CniError code 7 naming the key and value. */
export function parsePortmapConfig(req: ConfigRequest): PortmapConfig {
  const c = checkConfig<PortmapKeys>(portmapJson, req.config);
  if (c.externalSetMarkChain && c.markMasqBit !== undefined) {
    throw new CniError(ErrorCode.InvalidConfig, 'invalid markMasqBit with externalSetMarkChain', 'set one of them: the external chain does its own marking');
  }
  return {
    network: req.config.name,
    snat: c.snat ?? true,
    masqAll: c.masqAll ?? false,
    markMasqBit: c.markMasqBit ?? 13,
    externalSetMarkChain: c.externalSetMarkChain || undefined,
    conditionsV4: c.conditionsV4?.length ? c.conditionsV4 : undefined,
    conditionsV6: c.conditionsV6?.length ? c.conditionsV6 : undefined,
    backend: c.backend || undefined,
    stateDir: c.stateDir || DEFAULT_STATE_DIR,
    mappings: parseMappings(c.runtimeConfig?.portMappings ?? []),
  };
}

/**
 * The result of the interface plugin before portmap, which ADD and CHECK forward to.
 * @throws CniError code 7 when portmap is not chained after one.
 */
export function requirePrevResult(req: AttachmentRequest): Result {
  return requirePrevResultOf(req.config, {
    msg: 'must be called as chained plugin',
    details: 'portmap needs prevResult: put it after an interface plugin such as bridge in a conflist',
  });
}

/** prevResult if it is there and readable: a DEL must clean up even after a broken one. */
export function optionalPrevResult(req: AttachmentRequest): Result | undefined {
  return readablePrevResult(req.config);
}
