import { CniError, ErrorCode, type IpConfig, type Result } from '../../lib/cni/index.ts';
import type { Address } from '../../lib/link/index.ts';

function isLoopbackAddress(a: Address): boolean {
  return a.family === 4 ? a.address.startsWith('127.') : a.address === '::1';
}

/**
 * The result of a loopback ADD from the addresses `lo` has: the first of each family.
 * @throws CniError when `lo` holds an address that is not a loopback one (a misconfigured netns).
 */
export function loopbackResult(addresses: readonly Address[], sandbox: string): Result {
  const foreign = addresses.filter((a) => !isLoopbackAddress(a));
  if (foreign.length) {
    throw new CniError(ErrorCode.Internal, `"lo" in ${sandbox} has non-loopback addresses`, foreign.map((a) => `${a.address}/${a.prefixLen}`).join(', '));
  }
  const ips: IpConfig[] = [];
  for (const family of [4, 6] as const) {
    const a = addresses.find((x) => x.family === family);
    if (a) ips.push({ address: `${a.address}/${a.prefixLen}`, interface: 0 });
  }
  const result: Result = { cniVersion: '1.1.0', interfaces: [{ name: 'lo', mac: '00:00:00:00:00:00', sandbox }] };
  if (ips.length) result.ips = ips;
  return result;
}
