import { isIPv4, isIPv6 } from 'node:net';

// Address text exactly as iptables-save and nft print it (inet_ntop style), so rules we
// expect can be compared with listed rules as strings. Kept local and tiny: the firewall
// layer only needs parse, mask and print.

/** 4 or 6. @throws Error for text that is not an IP address */
export function ipFamily(ip: string): 4 | 6 {
  if (isIPv4(ip)) return 4;
  if (isIPv6(ip)) return 6;
  throw new Error(`not an IP address: ${JSON.stringify(ip)}`);
}

function toBytes(ip: string): Uint8Array {
  if (ipFamily(ip) === 4) return Uint8Array.from(ip.split('.').map(Number));
  let text = ip;
  const tail: number[] = [];
  const lastColon = text.lastIndexOf(':');
  if (text.includes('.', lastColon)) {
    // embedded IPv4 tail (::ffff:1.2.3.4)
    tail.push(...text.slice(lastColon + 1).split('.').map(Number));
    text = `${text.slice(0, lastColon + 1)}0:0`;
  }
  const [head = '', rest] = text.split('::');
  const left = head === '' ? [] : head.split(':');
  const right = rest === undefined || rest === '' ? [] : rest.split(':');
  const zeros = rest === undefined ? 0 : 8 - left.length - right.length;
  const groups = [...left, ...Array<string>(zeros).fill('0'), ...right].map((g) => parseInt(g, 16));
  const out = new Uint8Array(16);
  groups.forEach((g, i) => {
    out[2 * i] = g >> 8;
    out[2 * i + 1] = g & 0xff;
  });
  if (tail.length === 4) out.set(tail, 12);
  return out;
}

function fromBytes(b: Uint8Array): string {
  if (b.length === 4) return Array.from(b).join('.');
  const groups: number[] = [];
  for (let i = 0; i < 16; i += 2) groups.push(((b[i] ?? 0) << 8) | (b[i + 1] ?? 0));
  if (groups.slice(0, 5).every((g) => g === 0) && groups[5] === 0xffff) {
    return `::ffff:${Array.from(b.subarray(12)).join('.')}`;
  }
  // RFC 5952: compress the first longest run of two or more zero groups
  let best = -1;
  let bestLen = 1;
  for (let i = 0; i < 8; ) {
    if (groups[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > bestLen) [best, bestLen] = [i, j - i];
    i = j;
  }
  const hex = groups.map((g) => g.toString(16));
  if (best < 0) return hex.join(':');
  return `${hex.slice(0, best).join(':')}::${hex.slice(best + bestLen).join(':')}`;
}

/** The address as inet_ntop prints it (lowercase, zero runs compressed). @throws Error */
export function canonicalIp(ip: string): string {
  return fromBytes(toBytes(ip));
}

/** `ip/32` or `ip/128`, as iptables-save prints a host source. @throws Error */
export function hostCidr(ip: string): string {
  return `${canonicalIp(ip)}/${ipFamily(ip) === 4 ? 32 : 128}`;
}

/** The CIDR with host bits cleared, e.g. `10.1.0.5/16` -> `10.1.0.0/16`. @throws Error */
export function networkCidr(cidr: string): string {
  const slash = cidr.indexOf('/');
  const ip = slash < 0 ? cidr : cidr.slice(0, slash);
  const bytes = toBytes(ip);
  const bits = bytes.length * 8;
  const prefix = slash < 0 ? bits : Number(cidr.slice(slash + 1));
  if (!Number.isInteger(prefix) || prefix < 0 || prefix > bits || (slash >= 0 && !/^\d+$/.test(cidr.slice(slash + 1)))) {
    throw new Error(`invalid CIDR: ${JSON.stringify(cidr)}`);
  }
  for (let i = 0; i < bytes.length; i++) {
    const keep = Math.max(0, Math.min(8, prefix - 8 * i));
    bytes[i] = (bytes[i] ?? 0) & ((0xff << (8 - keep)) & 0xff);
  }
  return `${fromBytes(bytes)}/${prefix}`;
}
