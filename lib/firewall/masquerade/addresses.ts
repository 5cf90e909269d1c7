import type { Family } from '../../addr/index.ts';
import { hostCidrText, ipText, networkCidr } from '../ip-text.ts';
import type { MasqAddress } from './types.ts';

/** A MasqAddress in the canonical text both iptables-save and nft print. */
export interface NormalAddress {
  readonly family: Family;
  /** e.g. `10.1.0.5`, `fd00::5` */
  readonly ip: string;
  /** e.g. `10.1.0.5/32` */
  readonly host: string;
  /** e.g. `10.1.0.0/16` (host bits cleared) */
  readonly subnet: string;
  /** Go's older POSTROUTING source form `ip/prefix`, as iptables stores it (masked). */
  readonly legacySource: string;
}

/** Formats the spec's addresses once, before any plan is built. */
export function normalAddresses(ips: readonly MasqAddress[]): NormalAddress[] {
  return ips.map((a) => {
    const network = networkCidr(a);
    return { family: a.ip.family, ip: ipText(a.ip), host: hostCidrText(a.ip), subnet: network, legacySource: network };
  });
}

/** The distinct values in first-seen order. */
export function unique<T>(xs: readonly T[]): T[] {
  return [...new Set(xs)];
}
