import { type AttachmentRequest, CniError, ErrorCode, type IpConfig, type Result, parsePrevResult } from '../../lib/cni/index.ts';
import { type Address, type Link, type NetlinkSocket, getLink, listAddresses, setLinkDown, setLinkUp } from '../../lib/netlink/index.ts';
import { type Netns, openContainerNetns, openContainerNetnsForDel, routeSocketIn } from '../../lib/netns/index.ts';

// loopback works on `lo` inside CNI_NETNS whatever CNI_IFNAME says (containerd passes "lo").

function isLoopbackAddress(a: Address): boolean {
  return a.family === 4 ? a.address.startsWith('127.') : a.address === '::1';
}

/** Runs `fn` on a route socket inside `ns` with `lo` looked up, then closes both socket and netns. */
function withLo<T>(ns: Netns, fn: (sock: NetlinkSocket, lo: Link | undefined) => T): T {
  try {
    const sock = routeSocketIn(ns);
    try {
      return fn(sock, getLink(sock, 'lo'));
    } finally {
      sock.close();
    }
  } finally {
    ns.close();
  }
}

function noLo(netns: string): CniError {
  return new CniError(ErrorCode.Internal, `no "lo" interface in ${netns}`);
}

/** Brings `lo` up and reports its addresses, or passes prevResult through when chained. */
export async function add(req: AttachmentRequest): Promise<Result> {
  const prev = parsePrevResult(req.config);
  const addresses = withLo(openContainerNetns(req.netns), (sock, lo) => {
    if (!lo) throw noLo(req.netns);
    setLinkUp(sock, lo.index);
    return listAddresses(sock, { index: lo.index });
  });
  const foreign = addresses.filter((a) => !isLoopbackAddress(a));
  if (foreign.length) {
    throw new CniError(ErrorCode.Internal, `"lo" in ${req.netns} has non-loopback addresses`, foreign.map((a) => `${a.address}/${a.prefixLen}`).join(', '));
  }
  if (prev) return prev;
  const ips: IpConfig[] = [];
  for (const family of [4, 6] as const) {
    const a = addresses.find((x) => x.family === family);
    if (a) ips.push({ address: `${a.address}/${a.prefixLen}`, interface: 0 });
  }
  const result: Result = { cniVersion: '1.1.0', interfaces: [{ name: 'lo', mac: '00:00:00:00:00:00', sandbox: req.netns }] };
  if (ips.length) result.ips = ips;
  return result;
}

/** Takes `lo` down; an empty or vanished netns has nothing left to do. */
export async function del(req: AttachmentRequest): Promise<void> {
  const ns = openContainerNetnsForDel(req.netns);
  if (!ns) return;
  withLo(ns, (sock, lo) => {
    if (lo?.up) setLinkDown(sock, lo.index);
  });
}

/** Fails unless `lo` is up. */
export async function check(req: AttachmentRequest): Promise<void> {
  withLo(openContainerNetns(req.netns), (_sock, lo) => {
    if (!lo) throw noLo(req.netns);
    if (!lo.up) throw new CniError(ErrorCode.Internal, `"lo" in ${req.netns} is down`);
  });
}
