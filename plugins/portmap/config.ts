import * as z from 'zod/mini';
import { type AttachmentRequest, CniError, type ConfigRequest, ErrorCode, type Result, parsePrevResult } from '../../lib/cni/index.ts';
import { bool, int, list, netConfKeys, oneOf, openRecord, parseConfigWith, record, str } from '../../lib/cni/schema.ts';
import { tryParseIp } from '../../lib/addr/index.ts';
import type { PortMapping, PortProtocol } from '../../lib/firewall/portmap/index.ts';

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

const PORT = 'a port from 1 to 65535';

/** One entry of runtimeConfig.portMappings, its keys spelled as below (see canonicalKeys). */
const portMappingSchema = openRecord(
  {
    hostPort: int(1, 65535, 'Port on the host.', PORT),
    containerPort: int(1, 65535, 'Port in the container.', PORT),
    protocol: z.optional(
      str('tcp (default), udp or sctp, in any case.', 'tcp, udp or sctp').check(
        z.refine((p) => (PROTOCOLS as readonly string[]).includes(p.toLowerCase()), { error: 'tcp, udp or sctp' }),
      ),
    ),
    hostIP: z.optional(
      str('Host address the mapping is limited to.', 'an IPv4 or IPv6 address').check(
        z.refine((ip) => ip === '' || tryParseIp(ip) !== undefined, { error: 'an IPv4 or IPv6 address' }),
      ),
    ),
  },
  'A port mapping.',
  'an object with hostPort, containerPort and protocol',
);

const conditions = (description: string) => z.optional(list(str(''), description));

/** portmap's configuration keys, as written in a conflist. */
export const portmapSchema = record(
  {
    ...netConfKeys,
    runtimeConfig: z.optional(
      openRecord(
        { portMappings: z.optional(list(z.unknown(), 'Port mappings {hostPort, containerPort, protocol, hostIP}, set by the runtime (portMappings capability).')) },
        'Capability arguments, set by the runtime.',
      ),
    ),
    snat: z.optional(bool('Masquerade hairpin traffic (container to its own host port) and traffic from localhost (default true).')),
    masqAll: z.optional(bool('Masquerade all traffic to a mapped port, not only hairpin and localhost.')),
    markMasqBit: z.optional(int(0, 31, 'The mark bit that asks for masquerade (default 13; not with externalSetMarkChain).')),
    externalSetMarkChain: z.optional(str('An existing chain that marks packets for masquerade, such as KUBE-MARK-MASQ.')),
    conditionsV4: conditions('Extra iptables match arguments for IPv4 mappings.'),
    conditionsV6: conditions('Extra ip6tables match arguments for IPv6 mappings.'),
    backend: z.optional(oneOf(['iptables', 'nftables'], 'Firewall to use (default: what the node has).')),
    stateDir: z.optional(str(`Where ADD records what it installed, so DEL works without runtimeConfig (default ${DEFAULT_STATE_DIR}).`)),
  },
  'The portmap plugin: forwards host ports to the container (chained after an interface plugin).',
);

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
 * Parses `runtimeConfig.portMappings`. Entries with hostPort 0 mean "no host port" (as
 * containerd treats them) and are dropped; everything else out of range is code 7.
 */
export function parseMappings(raw: readonly unknown[]): PortMapping[] {
  const out: PortMapping[] = [];
  raw.forEach((entry, i) => {
    const e = canonicalKeys(entry);
    if ((e as Record<string, unknown> | null)?.hostPort === 0) return;
    const m = parseConfigWith(portMappingSchema, e, `runtimeConfig.portMappings[${i}]`);
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
  const c = parseConfigWith(portmapSchema, req.config);
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
  const prev = parsePrevResult(req.config);
  if (!prev) throw new CniError(ErrorCode.InvalidConfig, 'must be called as chained plugin', 'portmap needs prevResult: put it after an interface plugin such as bridge in a conflist');
  return prev;
}
