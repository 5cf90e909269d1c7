import { type Family, isIPv4Mapped } from '../../addr/index.ts';
import { canonicalIp, ipFamily, ipText, networkCidr } from '../ip-text.ts';
import { PortmapInputError } from './errors.ts';
import type { ContainerAddress, PortMapping, PortmapSpec, PortmapTeardownTarget, PortProtocol } from './types.ts';
import type { Owner } from '../../core/index.ts';

// Validation and the per-family view both backends plan from. Everything that ends up in an
// iptables-restore or nft line passes through here, so a newline can never start a new command.

/** A mapping as it applies to one family: hostIP canonical and only when it is a specific address. */
export interface FamilyMapping {
  readonly protocol: PortProtocol;
  readonly hostPort: number;
  readonly containerPort: number;
  /** A specific destination address of this family; undefined = any local address. */
  readonly hostIP: string | undefined;
}

/** One family's share of a spec. */
export interface FamilyView {
  readonly family: Family;
  /** The container address, canonical (as iptables-save and nft print it). */
  readonly ip: string;
  /** The container network with host bits cleared, e.g. `10.203.0.0/16`. */
  readonly subnet: string;
  readonly mappings: readonly FamilyMapping[];
  readonly conditions: readonly string[];
}

const PROTOCOLS: ReadonlySet<string> = new Set(['tcp', 'udp', 'sctp']);

function fail(message: string): never {
  throw new PortmapInputError(message);
}

/** Rejects text that could end or split a firewall command line. */
function safeText(what: string, value: string, allowEmpty = false): void {
  if (typeof value !== 'string') fail(`${what} must be a string`);
  if (!allowEmpty && value.length === 0) fail(`${what} must not be empty`);
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f]/.test(value)) fail(`${what} contains a control character: ${JSON.stringify(value)}`);
}

/** @throws PortmapInputError when a key field is empty or contains control characters */
export function validateOwner(owner: Owner): void {
  safeText('network', owner.network);
  safeText('containerId', owner.containerId);
  safeText('ifname', owner.ifname);
}

function validPort(what: string, port: number): void {
  if (!Number.isInteger(port) || port < 1 || port > 65535) fail(`${what} must be an integer 1-65535, got ${String(port)}`);
}

function parseAddress(what: string, ip: string): { family: Family; canonical: string } {
  safeText(what, ip);
  try {
    return { family: ipFamily(ip), canonical: canonicalIp(ip) };
  } catch {
    return fail(`${what} is not an IP address: ${JSON.stringify(ip)}`);
  }
}

/** @throws PortmapInputError for a bad protocol, port or hostIP */
export function validateMappings(mappings: readonly PortMapping[]): void {
  if (!Array.isArray(mappings)) fail('mappings must be an array');
  mappings.forEach((m, i) => {
    if (!PROTOCOLS.has(m.protocol)) fail(`mappings[${i}].protocol must be tcp, udp or sctp, got ${JSON.stringify(m.protocol)}`);
    validPort(`mappings[${i}].hostPort`, m.hostPort);
    validPort(`mappings[${i}].containerPort`, m.containerPort);
    if (m.hostIP !== undefined && m.hostIP !== '') parseAddress(`mappings[${i}].hostIP`, m.hostIP);
  });
}

function addressView(what: string, family: Family, a: ContainerAddress): { ip: string; subnet: string } {
  // an IPv4-mapped address would be saved in Go's dotted form and come back as IPv4: refused
  if (a.ip.family !== family || isIPv4Mapped(a.ip)) fail(`${what} is not an IPv${family} address: ${ipText(a.ip)}`);
  return { ip: ipText(a.ip), subnet: networkCidr(a) };
}

/**
 * The mappings that apply to one family: a hostIP of the other family skips the mapping
 * (Go's rule, so `0.0.0.0` means IPv4 only); an unspecified hostIP means any address.
 */
export function mappingsForFamily(mappings: readonly PortMapping[], family: Family): FamilyMapping[] {
  const out: FamilyMapping[] = [];
  for (const m of mappings) {
    let hostIP: string | undefined;
    if (m.hostIP !== undefined && m.hostIP !== '') {
      if (ipFamily(m.hostIP) !== family) continue;
      const c = canonicalIp(m.hostIP);
      hostIP = c === '0.0.0.0' || c === '::' ? undefined : c;
    }
    out.push({ protocol: m.protocol, hostPort: m.hostPort, containerPort: m.containerPort, hostIP });
  }
  return out;
}

/**
 * Validates the whole spec and splits it by family (IPv4 first). A family is present only
 * when the spec has a container address of that family.
 * @throws PortmapInputError
 */
export function familyViews(spec: PortmapSpec): FamilyView[] {
  validateOwner(spec);
  validateMappings(spec.mappings);
  if (!Number.isInteger(spec.markMasqBit) || spec.markMasqBit < 0 || spec.markMasqBit > 31) {
    fail(`markMasqBit must be an integer 0-31, got ${String(spec.markMasqBit)}`);
  }
  if (spec.externalSetMarkChain !== undefined) {
    safeText('externalSetMarkChain', spec.externalSetMarkChain);
    if (/\s/.test(spec.externalSetMarkChain) || spec.externalSetMarkChain.length > 28) {
      fail(`externalSetMarkChain is not a valid chain name: ${JSON.stringify(spec.externalSetMarkChain)}`);
    }
  }
  const views: FamilyView[] = [];
  const slots: Array<[Family, ContainerAddress | undefined, readonly string[] | undefined]> = [
    [4, spec.containerIPv4, spec.conditionsV4],
    [6, spec.containerIPv6, spec.conditionsV6],
  ];
  for (const [family, addr, conditions] of slots) {
    (conditions ?? []).forEach((c, i) => safeText(`conditionsV${family}[${i}]`, c));
    if (addr === undefined) continue;
    const { ip, subnet } = addressView(`containerIPv${family}`, family, addr);
    views.push({ family, ip, subnet, mappings: mappingsForFamily(spec.mappings, family), conditions: conditions ?? [] });
  }
  return views;
}

/**
 * The family views of a teardown target when it carries what the exact, listing-free path
 * needs (mappings and at least one container address); undefined means "find by owner".
 * @throws PortmapInputError
 */
export function teardownViews(target: PortmapTeardownTarget): FamilyView[] | undefined {
  validateOwner(target);
  if (target.mappings === undefined || (target.containerIPv4 === undefined && target.containerIPv6 === undefined)) return undefined;
  return familyViews({ snat: false, masqAll: false, markMasqBit: 13, ...target, mappings: target.mappings });
}
