import { type Ip, ipToString, parseCidr } from '../../lib/addr/index.ts';
import { CniError, ErrorCode, type Result } from '../../lib/cni/index.ts';
import type { Attachment, Owner } from '../../lib/core/index.ts';
import type { BridgeIsolation, ForwardSpec } from '../../lib/firewall/forward/index.ts';
import type { FirewallConfig } from './config.ts';
import type { GcRecords } from './state.ts';

// Pure: what the firewall plugin installs for one attachment, from its config, the request
// and the previous result. Nothing here touches the host.

/** A name the kernel accepts for a link, without quotes (they would not survive the rule text). */
const IFNAME = /^[^\s/:"']{1,15}$/;

/**
 * The bridge an ingress policy isolates: the previous result's first interface, as Go takes
 * it (bridge reports its bridge first).
 * @throws CniError code 7 when there is none (firewall is not chained after bridge)
 */
export function isolationFor(cfg: FirewallConfig, prev: Result): BridgeIsolation | undefined {
  if (cfg.ingressPolicy === 'open') return undefined;
  const bridge = prev.interfaces?.[0]?.name;
  if (!bridge) {
    throw new CniError(
      ErrorCode.InvalidConfig,
      `interface needs to be set for ingress policy "${cfg.ingressPolicy}", make sure to chain "firewall" plugin with "bridge"`,
      'prevResult.interfaces[0] names the bridge to isolate',
    );
  }
  if (!IFNAME.test(bridge)) {
    throw new CniError(ErrorCode.InvalidConfig, `invalid prevResult.interfaces[0].name ${JSON.stringify(bridge)}`, 'expected an interface name (1-15 characters, no whitespace, "/", ":" or quotes) for the bridge to isolate');
  }
  return { policy: cfg.ingressPolicy, bridge };
}

/**
 * Every address of the previous result (Go takes them all, whatever interface they are on).
 * ADD and CHECK reject one that is not a CIDR; DEL skips it, since a DEL must still succeed.
 * @throws CniError code 7 naming the entry (strict only)
 */
export function podAddresses(prev: Result | undefined, strict = true): ForwardSpec['ips'] {
  return (prev?.ips ?? []).flatMap((ip, i) => {
    try {
      return [parseCidr(ip.address).ip];
    } catch (e) {
      if (!strict) return [];
      throw new CniError(ErrorCode.InvalidConfig, `invalid prevResult.ips[${i}].address ${JSON.stringify(ip.address)}`, `expected an address with prefix, e.g. 10.1.0.5/24 (${(e as Error).message})`);
    }
  });
}

/** The rules of one attachment (ADD and CHECK). */
export function planForward(cfg: FirewallConfig, attachment: Attachment, prev: Result): ForwardSpec {
  const isolation = isolationFor(cfg, prev);
  return {
    network: cfg.network,
    containerId: attachment.containerId,
    ifname: attachment.ifname,
    ips: podAddresses(prev),
    adminChain: cfg.adminChain,
    ...(isolation ? { isolation } : {}),
  };
}

/**
 * What DEL removes: the address rules of prevResult's addresses, else of the addresses ADD
 * recorded (else only rules that carry their owner: nftables). Isolation rules are per bridge
 * and stay, as in Go.
 */
export function planTeardown(cfg: FirewallConfig, attachment: Attachment, prev: Result | undefined, recorded: readonly Ip[] = []): ForwardSpec {
  return {
    network: cfg.network,
    containerId: attachment.containerId,
    ifname: attachment.ifname,
    ips: prev ? podAddresses(prev, false) : recorded,
    adminChain: cfg.adminChain,
  };
}

/**
 * What GC removes with iptables (whose rules name no owner): the recorded addresses of the
 * invalid attachments whose ADD used iptables, but never one a valid attachment also recorded
 * (an address reused by a live pod keeps its rules).
 */
export function planGcTeardowns(cfg: FirewallConfig, records: GcRecords): ForwardSpec[] {
  return records.stale.flatMap(({ owner, record }) => {
    if (record?.backend !== 'iptables') return [];
    const ips = record.ips.filter((ip) => !records.addressesInUse.has(ipToString(ip)));
    return ips.length > 0 ? [planTeardown(cfg, owner, undefined, ips)] : [];
  });
}

/** A GC: the iptables teardowns, the records to forget, and the stale records kept for a later GC. */
export interface GcPlan {
  readonly teardowns: readonly ForwardSpec[];
  readonly forget: readonly Owner[];
  readonly kept: readonly ForwardSpec[];
}

/**
 * GC's plan. A valid attachment without a record of ours (the Go plugin added it, before or
 * after a switch in place) may hold any address, among them one a stale record names: Go's
 * DEL of a pod ours added leaves our record, and host-local hands its address out again.
 * Its iptables rules would be indistinguishable from the stale ones, so while such an
 * attachment is valid, the iptables teardowns wait: their records are kept, and a GC whose
 * valid attachments are all recorded carries them out.
 */
export function planGc(cfg: FirewallConfig, records: GcRecords): GcPlan {
  const teardowns = planGcTeardowns(cfg, records);
  if (records.unrecordedValid.length === 0 || teardowns.length === 0) return { teardowns, forget: records.stale.map((r) => r.owner), kept: [] };
  const waiting = new Set(teardowns.map((t) => `${t.containerId}:${t.ifname}`));
  return {
    teardowns: [],
    forget: records.stale.map((r) => r.owner).filter((o) => !waiting.has(`${o.containerId}:${o.ifname}`)),
    kept: teardowns,
  };
}
