import type { Family } from '../../addr/index.ts';
import { canonicalIp, hostCidr, ipFamily, networkCidr } from '../ip-text.ts';
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

/** Normalises and validates spec addresses once, before any plan is built. @throws Error */
export function normalAddresses(ips: readonly MasqAddress[]): NormalAddress[] {
  return ips.map((a) => {
    const family = ipFamily(a.ip);
    const subnet = networkCidr(a.subnet);
    if (ipFamily(subnet.slice(0, subnet.indexOf('/'))) !== family) {
      throw new Error(`subnet ${a.subnet} is not of the same family as ${a.ip}`);
    }
    return {
      family,
      ip: canonicalIp(a.ip),
      host: hostCidr(a.ip),
      subnet,
      legacySource: networkCidr(`${a.ip}/${a.prefixLength}`),
    };
  });
}

/** The distinct values in first-seen order. */
export function unique<T>(xs: readonly T[]): T[] {
  return [...new Set(xs)];
}
