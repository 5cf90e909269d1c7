import { parseCidr } from '../../lib/addr/index.ts';
import type { Result } from '../../lib/cni/index.ts';
import type { Attachment } from '../../lib/core/index.ts';
import type { BackendName } from '../../lib/firewall/index.ts';
import type { ContainerAddress, PortmapSpec, PortmapTeardownTarget } from '../../lib/firewall/portmap/index.ts';
import type { ConntrackFlush, StaleFlow } from '../../lib/link/index.ts';
import type { PortmapConfig } from './config.ts';

// Pure: what portmap installs for one attachment, from its config, the request and the
// interface plugin's result. Nothing here touches the host.

/**
 * The container's first IPv4 and first IPv6 address on CNI_IFNAME: an address whose interface
 * index names an interface called CNI_IFNAME inside a sandbox, or one without an index.
 */
export function containerAddresses(prev: Result, ifname: string): { v4?: ContainerAddress; v6?: ContainerAddress } {
  const out: { v4?: ContainerAddress; v6?: ContainerAddress } = {};
  for (const ip of prev.ips ?? []) {
    if (ip.interface !== undefined) {
      const iface = prev.interfaces?.[ip.interface];
      if (!iface || iface.name !== ifname || !iface.sandbox) continue;
    }
    const addr = parseCidr(ip.address);
    if (addr.ip.family === 4) out.v4 ??= addr;
    else out.v6 ??= addr;
  }
  return out;
}

/** The mappings of one attachment with where they lead: the container's addresses on CNI_IFNAME. */
export function planPortmap(cfg: PortmapConfig, attachment: Attachment, prev: Result): PortmapSpec {
  const { v4, v6 } = containerAddresses(prev, attachment.ifname);
  return {
    network: cfg.network,
    containerId: attachment.containerId,
    ifname: attachment.ifname,
    mappings: cfg.mappings,
    ...(v4 ? { containerIPv4: v4 } : {}),
    ...(v6 ? { containerIPv6: v6 } : {}),
    snat: cfg.snat,
    masqAll: cfg.masqAll,
    markMasqBit: cfg.markMasqBit,
    ...(cfg.externalSetMarkChain ? { externalSetMarkChain: cfg.externalSetMarkChain } : {}),
    ...(cfg.conditionsV4 ? { conditionsV4: cfg.conditionsV4 } : {}),
    ...(cfg.conditionsV6 ? { conditionsV6: cfg.conditionsV6 } : {}),
  };
}

/** Whether the spec has an address to forward to (an L2-only attachment has none). */
export function hasContainerAddress(spec: PortmapSpec): boolean {
  return spec.containerIPv4 !== undefined || spec.containerIPv6 !== undefined;
}

/**
 * The conntrack entries a mapping change makes stale: its UDP and SCTP host ports, in the pod's
 * families. Not TCP: a reconnect there starts with a SYN the kernel's TCP tracking turns into a
 * fresh entry once the old one is closed or answered with a reset.
 */
export function conntrackFlushPlan(spec: PortmapSpec): ConntrackFlush {
  const families = ([4, 6] as const).filter((f) => (f === 4 ? spec.containerIPv4 : spec.containerIPv6) !== undefined);
  return { families, flows: staleFlowsOf(spec.mappings) };
}

/** The UDP and SCTP host ports of `mappings`, each once (TCP needs no flush: see conntrack.ts). */
function staleFlowsOf(mappings: PortmapSpec['mappings']): StaleFlow[] {
  const flows: StaleFlow[] = [];
  for (const m of mappings) {
    if (m.protocol !== 'udp' && m.protocol !== 'sctp') continue;
    if (!flows.some((f) => f.protocol === m.protocol && f.port === m.hostPort)) flows.push({ protocol: m.protocol, port: m.hostPort });
  }
  return flows;
}

/** What a DEL removes: the rules of `target`, in one backend or in every one in use. */
export interface TeardownPlan {
  readonly target: PortmapSpec | PortmapTeardownTarget;
  /** The backend the ADD recorded; absent: every backend in use is asked. */
  readonly backend: BackendName | undefined;
  /** The UDP and SCTP flows to forget: their host ports, in the pod's families (both when unknown). */
  readonly flush: ConntrackFlush | undefined;
}

/**
 * The DEL's plan: exactly what ADD recorded; else the mappings the runtime sent again, with
 * prevResult's addresses or (without prevResult) found by owner; else nothing of ours.
 */
export function planTeardown(
  cfg: PortmapConfig,
  attachment: Attachment,
  recorded: { backend: BackendName; spec: PortmapSpec } | undefined,
  prev: Result | undefined,
): TeardownPlan | undefined {
  if (recorded) return { target: recorded.spec, backend: recorded.backend, flush: conntrackFlushPlan(recorded.spec) };
  if (!cfg.mappings.length) return undefined;
  if (prev) {
    const spec = planPortmap(cfg, attachment, prev);
    return { target: spec, backend: undefined, flush: conntrackFlushPlan(spec) };
  }
  const owner = { network: cfg.network, containerId: attachment.containerId, ifname: attachment.ifname };
  // The rules go by owner in both families, so their UDP and SCTP flows must go too, else a pod
  // that reuses the host port loses traffic to entries still pointing at the removed address.
  // The pod's families are unknown here: both are flushed (a port with no entries costs nothing).
  return { target: { ...owner, mappings: cfg.mappings }, backend: undefined, flush: { families: [4, 6], flows: staleFlowsOf(cfg.mappings) } };
}
