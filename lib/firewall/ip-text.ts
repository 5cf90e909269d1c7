import { type Cidr, type Family, type Ip, ipToString, isIPv4Mapped, networkAddress, parseIp } from '../addr/index.ts';

// Address text exactly as iptables-save and nft print it (inet_ntop style), so rules we
// expect can be compared with listed rules as strings. The math is lib/addr's; only the
// IPv4-mapped form differs (inet_ntop keeps "::ffff:1.2.3.4" where Go prints "1.2.3.4").
// Container addresses arrive parsed (lib/addr's Ip and Cidr) and are only formatted here;
// a port mapping's hostIP is still text from the config and is parsed here.

/** The address as inet_ntop prints it (lowercase, zero runs compressed). */
export function ipText(ip: Ip): string {
  return ip.family === 6 && isIPv4Mapped(ip) ? `::ffff:${ipToString(ip)}` : ipToString(ip);
}

/** `ip/32` or `ip/128`, as iptables-save prints a host source. */
export function hostCidrText(ip: Ip): string {
  return `${ipText(ip)}/${ip.family === 4 ? 32 : 128}`;
}

/** The CIDR with host bits cleared, e.g. `10.1.0.5/16` -> `10.1.0.0/16`. */
export function networkCidr(cidr: Cidr): string {
  return `${ipText(networkAddress(cidr))}/${cidr.prefix}`;
}

function parse(text: string): Ip {
  try {
    return parseIp(text);
  } catch {
    throw new Error(`not an IP address: ${JSON.stringify(text)}`);
  }
}

/** 4 or 6. @throws Error for text that is not an IP address */
export function ipFamily(ip: string): Family {
  return parse(ip).family;
}

/** The address text as inet_ntop prints it. @throws Error */
export function canonicalIp(ip: string): string {
  return ipText(parse(ip));
}

/** The address text as a host CIDR (`/32` or `/128`). @throws Error */
export function hostCidr(ip: string): string {
  return hostCidrText(parse(ip));
}
