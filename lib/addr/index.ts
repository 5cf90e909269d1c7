export { AddrError } from './errors.ts';
export {
  type Family,
  type Ip,
  bitLength,
  compareIps,
  ipEquals,
  ipFromBigInt,
  ipFromBytes,
  ipToBytes,
  ipToString,
  isIPv4Mapped,
  nextIp,
  parseIp,
  prevIp,
  tryParseIp,
  unmapIPv4,
} from './ip.ts';
export {
  type Cidr,
  addressCount,
  cidrContains,
  cidrToString,
  isNetworkAddress,
  lastAddress,
  networkAddress,
  parseCidr,
  prefixMask,
} from './cidr.ts';
