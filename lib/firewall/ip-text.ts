import { type Family, type Ip, ipToString, isIPv4Mapped, networkAddress, parseCidr, parseIp } from '../addr/index.ts';

// Address text exactly as iptables-save and nft print it (inet_ntop style), so rules we
// expect can be compared with listed rules as strings. The math is lib/addr's; only the
// IPv4-mapped form differs (inet_ntop keeps "::ffff:1.2.3.4" where Go prints "1.2.3.4").

function ntop(ip: Ip): string {
  return ip.family === 6 && isIPv4Mapped(ip) ? `::ffff:${ipToString(ip)}` : ipToString(ip);
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

/** The address as inet_ntop prints it (lowercase, zero runs compressed). @throws Error */
export function canonicalIp(ip: string): string {
  return ntop(parse(ip));
}

/** `ip/32` or `ip/128`, as iptables-save prints a host source. @throws Error */
export function hostCidr(ip: string): string {
  const parsed = parse(ip);
  return `${ntop(parsed)}/${parsed.family === 4 ? 32 : 128}`;
}

/** The CIDR with host bits cleared, e.g. `10.1.0.5/16` -> `10.1.0.0/16`. @throws Error */
export function networkCidr(cidr: string): string {
  if (!cidr.includes('/')) return hostCidr(cidr);
  let c;
  try {
    c = parseCidr(cidr);
  } catch {
    throw new Error(`invalid CIDR: ${JSON.stringify(cidr)}`);
  }
  return `${ntop(networkAddress(c))}/${c.prefix}`;
}
