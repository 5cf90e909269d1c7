import * as z from 'zod/mini';
import { type AttachmentRequest, CniError, type ConfigRequest, type Dns, ErrorCode, parseMac } from '../../lib/cni/index.ts';
import { bool, int, list, netConfKeys, oneOf, openRecord, parseConfigWith, record, str } from '../../lib/cni/schema.ts';

/** The bridge plugin's configuration, normalised: defaults applied, VLANs expanded. */
export interface BridgeConfig {
  readonly network: string;
  readonly bridge: string;
  readonly isGateway: boolean;
  readonly isDefaultGateway: boolean;
  readonly forceAddress: boolean;
  readonly ipMasq: boolean;
  readonly ipMasqBackend: 'iptables' | 'nftables' | undefined;
  readonly mtu: number | undefined;
  readonly hairpinMode: boolean;
  readonly promiscMode: boolean;
  /** Access VLAN (PVID, untagged) of the host port; 0 = none. */
  readonly vlan: number;
  /** Tagged VLAN IDs of the host port, sorted and deduplicated. */
  readonly vlanTrunk: readonly number[];
  readonly preserveDefaultVlan: boolean;
  readonly macspoofchk: boolean;
  readonly enableDad: boolean;
  readonly disableContainerInterface: boolean;
  readonly portIsolation: boolean;
  /** The IPAM plugin's type, or undefined for an L2-only network. */
  readonly ipamType: string | undefined;
  /** A DNS override: replaces what IPAM returned when any field is set. */
  readonly dns: Dns | undefined;
}

/** Per-attachment settings: the container interface's MAC, by the reference's precedence. */
export interface AttachmentSettings {
  readonly mac: string | undefined;
}

const TRUNK_ENTRY = '{"id": N} or {"minID": N, "maxID": M}';

const vlanId = (description: string) => z.optional(int(1, 4094, description));
const strings = (description: string) => z.optional(list(str(''), description));

const dnsSchema = record(
  {
    nameservers: strings('DNS servers, replacing what IPAM returned.'),
    domain: z.optional(str('The local DNS domain.')),
    search: strings('DNS search domains.'),
    options: strings('resolver options.'),
  },
  'A DNS override: replaces what IPAM returned when any field is set.',
);

/** Where the runtime passes the container's MAC (the `mac` capability, or args). */
const macArgs = {
  args: z.optional(
    openRecord({ cni: z.optional(openRecord({ mac: z.optional(str('The container interface\'s MAC address.')) }, 'Arguments for CNI plugins.')) }, 'Extra arguments, set by the runtime.'),
  ),
  runtimeConfig: z.optional(openRecord({ mac: z.optional(str('The container interface\'s MAC address (the mac capability).')) }, 'Capability arguments, set by the runtime.')),
};

/** The bridge plugin's configuration keys, as written in a conflist. */
export const bridgeSchema = record(
  {
    ...netConfKeys,
    ...macArgs,
    bridge: z.optional(str('Name of the bridge to create or use (default "cni0"; at most 15 bytes).')),
    isGateway: z.optional(bool('Give the bridge the gateway address of each IPAM subnet.')),
    isDefaultGateway: z.optional(bool('Also route the container\'s default route through the bridge (implies isGateway).')),
    forceAddress: z.optional(bool('Replace a bridge address of the same family that differs from the gateway.')),
    ipMasq: z.optional(bool('Masquerade traffic from the container addresses that leaves their subnet.')),
    ipMasqBackend: z.optional(oneOf(['iptables', 'nftables'], 'Firewall used for ipMasq (default: what the node has).')),
    mtu: z.optional(int(0, 65535, 'MTU of the bridge and veth pair (0 or absent: the kernel default).')),
    hairpinMode: z.optional(bool('Let traffic leave and re-enter the bridge port it came from.')),
    promiscMode: z.optional(bool('Put the bridge in promiscuous mode (not with hairpinMode).')),
    vlan: z.optional(int(0, 4094, 'Access VLAN (untagged) of the container\'s bridge port; 0 = none.')),
    vlanTrunk: z.optional(
      list(
        record(
          { id: vlanId('A tagged VLAN ID.'), minID: vlanId('First VLAN ID of a span (with maxID).'), maxID: vlanId('Last VLAN ID of a span (with minID).') },
          'A tagged VLAN: {"id": N} or {"minID": N, "maxID": M}.',
          TRUNK_ENTRY,
        ),
        'Tagged VLANs of the container\'s bridge port.',
      ),
    ),
    preserveDefaultVlan: z.optional(bool('Keep VLAN 1 on the port when vlan or vlanTrunk is set.')),
    macspoofchk: z.optional(bool('Drop frames from the container with another source MAC.')),
    enabledad: z.optional(bool('Run IPv6 duplicate address detection on the container interface.')),
    disableContainerInterface: z.optional(bool('Leave the container interface down (not with ipam).')),
    portIsolation: z.optional(bool('Isolate the port from other isolated ports of the bridge.')),
    ipam: z.optional(openRecord({ type: z.optional(str('The IPAM plugin to run, such as "host-local".')) }, 'The IPAM plugin\'s configuration.')),
    dns: z.optional(dnsSchema),
  },
  'The bridge plugin: a Linux bridge on the host, a veth pair into the container.',
);

function parseTrunk(entries: z.output<typeof bridgeSchema>['vlanTrunk']): number[] {
  const ids = new Set<number>();
  (entries ?? []).forEach((entry, i) => {
    const { id, minID: min, maxID: max } = entry;
    const bad = (why: string) => new CniError(ErrorCode.InvalidConfig, `invalid vlanTrunk[${i}] ${JSON.stringify(entry)}`, why);
    if (id !== undefined) ids.add(id);
    if ((min === undefined) !== (max === undefined)) throw bad('minID and maxID must be given together');
    if (min !== undefined && max !== undefined) {
      if (min > max) throw bad('minID must not be greater than maxID');
      for (let v = min; v <= max; v++) ids.add(v);
    }
    if (id === undefined && min === undefined) throw bad(`expected ${TRUNK_ENTRY}`);
  });
  return [...ids].sort((a, b) => a - b);
}

function normaliseDns(raw: z.output<typeof dnsSchema> | undefined): Dns | undefined {
  const out: Dns = {};
  if (raw?.nameservers?.length) out.nameservers = raw.nameservers;
  if (raw?.domain) out.domain = raw.domain;
  if (raw?.search?.length) out.search = raw.search;
  if (raw?.options?.length) out.options = raw.options;
  return Object.keys(out).length ? out : undefined;
}

/**
 * Parses the network configuration.
 * @throws CniError code 7 naming the key and value of the first invalid field.
 */
export function parseBridgeConfig(req: ConfigRequest): BridgeConfig {
  const c = parseConfigWith(bridgeSchema, req.config);
  const bridge = c.bridge || 'cni0';
  if (Buffer.byteLength(bridge) > 15 || /[/:\s]/.test(bridge) || bridge === '.' || bridge === '..') {
    throw new CniError(ErrorCode.InvalidConfig, `invalid bridge ${JSON.stringify(bridge)}`, 'expected a link name of at most 15 bytes without "/", ":" or spaces');
  }
  const isDefaultGateway = c.isDefaultGateway ?? false;
  const hairpinMode = c.hairpinMode ?? false;
  const promiscMode = c.promiscMode ?? false;
  if (hairpinMode && promiscMode) {
    throw new CniError(ErrorCode.InvalidConfig, 'invalid promiscMode true with hairpinMode true', 'cannot set hairpin mode and promiscuous mode at the same time');
  }
  const ipamType = c.ipam?.type || undefined;
  const disableContainerInterface = c.disableContainerInterface ?? false;
  if (disableContainerInterface && ipamType) {
    throw new CniError(ErrorCode.InvalidConfig, `invalid disableContainerInterface true with ipam.type ${JSON.stringify(ipamType)}`, 'an interface that stays down cannot be given addresses: drop one of them');
  }
  const isGateway = (c.isGateway ?? false) || isDefaultGateway;
  const vlan = c.vlan ?? 0;
  if (vlan && isGateway && ipamType && Buffer.byteLength(`${bridge}.${vlan}`) > 15) {
    throw new CniError(
      ErrorCode.InvalidConfig,
      `invalid bridge ${JSON.stringify(bridge)} with vlan ${vlan} and isGateway`,
      `the VLAN gateway interface "${bridge}.${vlan}" would be longer than 15 bytes: use a shorter bridge name`,
    );
  }
  return {
    network: req.config.name,
    bridge,
    isGateway,
    isDefaultGateway,
    forceAddress: c.forceAddress ?? false,
    ipMasq: c.ipMasq ?? false,
    ipMasqBackend: c.ipMasqBackend || undefined,
    mtu: c.mtu || undefined,
    hairpinMode,
    promiscMode,
    vlan,
    vlanTrunk: parseTrunk(c.vlanTrunk),
    preserveDefaultVlan: c.preserveDefaultVlan ?? false,
    macspoofchk: c.macspoofchk ?? false,
    enableDad: c.enabledad ?? false,
    disableContainerInterface,
    portIsolation: c.portIsolation ?? false,
    ipamType,
    dns: normaliseDns(c.dns),
  };
}

const attachmentSchema = openRecord(macArgs, '');

/**
 * The container MAC: CNI_ARGS `MAC=` < `args.cni.mac` < runtimeConfig `mac`; the last present wins.
 * @throws CniError code 7 for a malformed MAC, naming its source.
 */
export function parseAttachmentSettings(req: AttachmentRequest): AttachmentSettings {
  const c = parseConfigWith(attachmentSchema, req.config);
  let mac: string | undefined;
  const fromArgs = req.args.get('MAC');
  if (fromArgs) mac = parseMac(fromArgs, 'CNI_ARGS MAC');
  const fromArgsCni = c.args?.cni?.mac;
  if (fromArgsCni) mac = parseMac(fromArgsCni, 'args.cni.mac');
  const fromRuntime = c.runtimeConfig?.mac;
  if (fromRuntime) mac = parseMac(fromRuntime, 'runtimeConfig.mac');
  return { mac };
}

/** True when the VLAN settings require vlan_filtering on the bridge. */
export function usesVlans(c: BridgeConfig): boolean {
  return c.vlan !== 0 || c.vlanTrunk.length > 0;
}
