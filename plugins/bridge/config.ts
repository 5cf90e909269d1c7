import {
  type AttachmentRequest,
  CniError,
  type ConfigRequest,
  type Dns,
  ErrorCode,
  parseMac,
  readArray,
  readBool,
  readEnum,
  readInt,
  readObject,
  readString,
} from '../../lib/cni/index.ts';

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

const BACKENDS = ['iptables', 'nftables'] as const;

function parseTrunk(raw: readonly unknown[]): number[] {
  const ids = new Set<number>();
  raw.forEach((entry, i) => {
    const key = `vlanTrunk[${i}]`;
    if (typeof entry !== 'object' || entry === null || Array.isArray(entry)) {
      throw new CniError(ErrorCode.InvalidConfig, `invalid ${key} ${JSON.stringify(entry)}`, 'expected {"id": N} or {"minID": N, "maxID": M}');
    }
    const e = entry as Record<string, unknown>;
    const id = readInt(e, 'id', { min: 1, max: 4094, prefix: `${key}.` });
    const min = readInt(e, 'minID', { min: 1, max: 4094, prefix: `${key}.` });
    const max = readInt(e, 'maxID', { min: 1, max: 4094, prefix: `${key}.` });
    if (id !== undefined) ids.add(id);
    if ((min === undefined) !== (max === undefined)) {
      throw new CniError(ErrorCode.InvalidConfig, `invalid ${key} ${JSON.stringify(entry)}`, 'minID and maxID must be given together');
    }
    if (min !== undefined && max !== undefined) {
      if (min > max) throw new CniError(ErrorCode.InvalidConfig, `invalid ${key} ${JSON.stringify(entry)}`, 'minID must not be greater than maxID');
      for (let v = min; v <= max; v++) ids.add(v);
    }
    if (id === undefined && min === undefined) {
      throw new CniError(ErrorCode.InvalidConfig, `invalid ${key} ${JSON.stringify(entry)}`, 'expected {"id": N} or {"minID": N, "maxID": M}');
    }
  });
  return [...ids].sort((a, b) => a - b);
}

function parseDns(raw: Readonly<Record<string, unknown>>): Dns | undefined {
  const out: Dns = {};
  const strings = (key: string) => readArray(raw, key, 'dns.').map((v, i) => {
    if (typeof v !== 'string') throw new CniError(ErrorCode.InvalidConfig, `invalid dns.${key}[${i}] ${JSON.stringify(v)}`, 'expected a string');
    return v;
  });
  const nameservers = strings('nameservers');
  const search = strings('search');
  const options = strings('options');
  const domain = readString(raw, 'domain', 'dns.');
  if (nameservers.length) out.nameservers = nameservers;
  if (domain) out.domain = domain;
  if (search.length) out.search = search;
  if (options.length) out.options = options;
  return Object.keys(out).length ? out : undefined;
}

/**
 * Parses the network configuration.
 * @throws CniError code 7 naming the key and value of the first invalid field.
 */
export function parseBridgeConfig(req: ConfigRequest): BridgeConfig {
  const c = req.config;
  const bridge = readString(c, 'bridge') ?? 'cni0';
  if (Buffer.byteLength(bridge) > 15 || /[/:\s]/.test(bridge) || bridge === '.' || bridge === '..') {
    throw new CniError(ErrorCode.InvalidConfig, `invalid bridge ${JSON.stringify(bridge)}`, 'expected a link name of at most 15 bytes without "/", ":" or spaces');
  }
  const isDefaultGateway = readBool(c, 'isDefaultGateway');
  const hairpinMode = readBool(c, 'hairpinMode');
  const promiscMode = readBool(c, 'promiscMode');
  if (hairpinMode && promiscMode) {
    throw new CniError(ErrorCode.InvalidConfig, 'invalid promiscMode true with hairpinMode true', 'cannot set hairpin mode and promiscuous mode at the same time');
  }
  const ipam = readObject(c, 'ipam');
  const ipamType = readString(ipam, 'type', 'ipam.');
  const disableContainerInterface = readBool(c, 'disableContainerInterface');
  if (disableContainerInterface && ipamType) {
    throw new CniError(ErrorCode.InvalidConfig, `invalid disableContainerInterface true with ipam.type ${JSON.stringify(ipamType)}`, 'an interface that stays down cannot be given addresses: drop one of them');
  }
  const isGateway = readBool(c, 'isGateway') || isDefaultGateway;
  const vlan = readInt(c, 'vlan', { min: 0, max: 4094 }) ?? 0;
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
    forceAddress: readBool(c, 'forceAddress'),
    ipMasq: readBool(c, 'ipMasq'),
    ipMasqBackend: readEnum(c, 'ipMasqBackend', BACKENDS),
    mtu: readInt(c, 'mtu', { min: 0, max: 65535 }) || undefined,
    hairpinMode,
    promiscMode,
    vlan,
    vlanTrunk: parseTrunk(readArray(c, 'vlanTrunk')),
    preserveDefaultVlan: readBool(c, 'preserveDefaultVlan'),
    macspoofchk: readBool(c, 'macspoofchk'),
    enableDad: readBool(c, 'enabledad'),
    disableContainerInterface,
    portIsolation: readBool(c, 'portIsolation'),
    ipamType,
    dns: parseDns(readObject(c, 'dns')),
  };
}

/**
 * The container MAC: CNI_ARGS `MAC=` < `args.cni.mac` < runtimeConfig `mac`; the last present wins.
 * @throws CniError code 7 for a malformed MAC, naming its source.
 */
export function parseAttachmentSettings(req: AttachmentRequest): AttachmentSettings {
  let mac: string | undefined;
  const fromArgs = req.args.get('MAC');
  if (fromArgs) mac = parseMac(fromArgs, 'CNI_ARGS MAC');
  const cniArgs = readObject(readObject(req.config, 'args'), 'cni', 'args.');
  const fromArgsCni = readString(cniArgs, 'mac', 'args.cni.');
  if (fromArgsCni) mac = parseMac(fromArgsCni, 'args.cni.mac');
  const fromRuntime = readString(readObject(req.config, 'runtimeConfig'), 'mac', 'runtimeConfig.');
  if (fromRuntime) mac = parseMac(fromRuntime, 'runtimeConfig.mac');
  return { mac };
}

/** True when the VLAN settings require vlan_filtering on the bridge. */
export function usesVlans(c: BridgeConfig): boolean {
  return c.vlan !== 0 || c.vlanTrunk.length > 0;
}
