import { AddrError, type Cidr, cidrToString, ipEquals, ipToString, parseCidr, parseIp, unmapIPv4 } from '../../lib/addr/index.ts';
import { type AttachmentRequest, CniError, ErrorCode, type IpConfig, type Result, parsePrevResult } from '../../lib/cni/index.ts';
import { type StaticAddress, parseStaticConfig } from './config.ts';

// static holds nothing: ADD prints what the request says, DEL has nothing to release, GC and
// STATUS have nothing to look at (no handlers: skel answers success, as Go's nil handlers do).

function toIpConfig(a: StaticAddress): IpConfig {
  const out: IpConfig = { address: cidrToString(a.cidr) };
  if (a.gateway) out.gateway = ipToString(a.gateway);
  return out;
}

/** ADD: the addresses, routes and DNS of the request, in the config's version (skel converts). */
export async function add(req: AttachmentRequest): Promise<Result> {
  const conf = parseStaticConfig(req.config, req.cniVersion, req.args);
  return {
    cniVersion: '1.1.0',
    ips: conf.addresses.map(toIpConfig),
    ...(conf.routes.length ? { routes: conf.routes.map((r) => ({ ...r })) } : {}),
    dns: conf.dns,
  };
}

/** DEL: nothing was allocated, so nothing is read and nothing can fail. */
export async function del(_req: AttachmentRequest): Promise<void> {}

/** An address of prevResult (checked by parsePrevResult), IPv4-mapped ones read as IPv4. */
function prevCidr(address: string): Cidr {
  try {
    const c = parseCidr(address);
    return { ip: unmapIPv4(c.ip), prefix: c.prefix };
  } catch (e) {
    if (e instanceof AddrError) throw new CniError(ErrorCode.DecodeFailure, `cannot decode prevResult address ${JSON.stringify(address)}`, e.message);
    throw e;
  }
}

/**
 * CHECK: every address of the request is in prevResult with the same prefix and, when the
 * request gives one, the same gateway. (Go checks only the gateway of addresses it finds.)
 */
export async function check(req: AttachmentRequest): Promise<void> {
  const conf = parseStaticConfig(req.config, req.cniVersion, req.args);
  const prev = parsePrevResult(req.config);
  if (!prev) throw new CniError(ErrorCode.InvalidConfig, 'Required prevResult missing', 'CHECK needs the result of the ADD in prevResult');
  const prevIps = (prev.ips ?? []).map((ipc) => ({ cidr: prevCidr(ipc.address), gateway: ipc.gateway ? unmapIPv4(parseIp(ipc.gateway)) : undefined }));
  for (const want of conf.addresses) {
    const found = prevIps.find((p) => ipEquals(p.cidr.ip, want.cidr.ip));
    const where = `${cidrToString(want.cidr)} (${want.key}) on interface ${req.ifname}`;
    if (!found) throw new CniError(ErrorCode.Internal, `static: address ${where} is not in prevResult`);
    if (found.cidr.prefix !== want.cidr.prefix) {
      throw new CniError(ErrorCode.Internal, `static: Failed to match addr ${where}`, `prevResult has it as ${cidrToString(found.cidr)}`);
    }
    if (want.gateway && !(found.gateway && ipEquals(found.gateway, want.gateway))) {
      throw new CniError(
        ErrorCode.Internal,
        `static: Failed to match addr ${where}`,
        `gateway ${ipToString(want.gateway)} expected, prevResult has ${found.gateway ? ipToString(found.gateway) : 'none'}`,
      );
    }
  }
}
