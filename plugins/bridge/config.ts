import bridgeJson from '../../schemas/bridge.json' with { type: 'json' };
import { type AttachmentRequest, CniError, type ConfigRequest, type Dns, ErrorCode, parseMac, validateIpamType } from '../../lib/cni/index.ts';
import { checkConfig, expectation } from '../../lib/cni/json-schema.ts';
import type { BridgeKeys } from './schema.ts';

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

/** What a vlanTrunk entry must be, when it names no VLAN. */
const TRUNK_ENTRY = expectation(bridgeJson.properties.vlanTrunk.items);

function parseTrunk(entries: BridgeKeys['vlanTrunk']): number[] {
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

function normaliseDns(raw: BridgeKeys['dns']): Dns | undefined {
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
  const c = checkConfig<BridgeKeys>(bridgeJson, req.config);
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
  if (ipamType) validateIpamType(ipamType);
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

/** Only the keys where the runtime passes the MAC: an attachment does not check the rest again. */
const attachmentJson = { type: 'object', properties: { args: bridgeJson.properties.args, runtimeConfig: bridgeJson.properties.runtimeConfig } };
type AttachmentKeys = Pick<BridgeKeys, 'args' | 'runtimeConfig'>;

/**
 * The container MAC: CNI_ARGS `MAC=` < `args.cni.mac` < runtimeConfig `mac`; the last present wins.
 * @throws CniError code 7 for a malformed MAC, naming its source.
 */
export function parseAttachmentSettings(req: AttachmentRequest): AttachmentSettings {
  const c = checkConfig<AttachmentKeys>(attachmentJson, req.config);
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
