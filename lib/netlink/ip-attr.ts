import { type Family, ipFromBytes, ipToString } from '../addr/index.ts';

/**
 * The text of an address attribute (IFA_LOCAL, RTA_GATEWAY, ...) of a message of `family`.
 * @throws {RangeError} (the codec's error for a malformed message, as in wire.ts) when the
 * value is not the family's 4 or 16 bytes: an IPv4 message carrying 16 bytes would otherwise
 * come out as an IPv6 address of an IPv4 route.
 */
export function readAddressAttr(value: Buffer, family: Family, what: string): string {
  const want = family === 4 ? 4 : 16;
  if (value.length !== want) throw new RangeError(`netlink ${what} has ${value.length} bytes: an IPv${family} address has ${want}`);
  return ipToString(ipFromBytes(value));
}
