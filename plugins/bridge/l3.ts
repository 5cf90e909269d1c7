import type { AttachmentRequest, Interface, Result } from '../../lib/cni/index.ts';
import type { MasqueradeBackend } from '../../lib/firewall/index.ts';
import type { Link, NetlinkSocket } from '../../lib/netlink/index.ts';
import type { Netns } from '../../lib/netns/index.ts';
import type { UndoStack } from '../../lib/undo.ts';
import type { BridgeConfig } from './config.ts';
import { configureContainerL3 } from './container.ts';
import { enableForwarding, ensureGateway } from './host.ts';
import { type L3Plan, planL3 } from './plan.ts';
import { ensureVlanGateway } from './vlan-gateway.ts';

/** What the L3 step works on: both namespaces' sockets and the links made so far. */
export interface L3Context {
  readonly req: AttachmentRequest;
  readonly cfg: BridgeConfig;
  readonly ns: Netns;
  readonly ctr: NetlinkSocket;
  readonly host: NetlinkSocket;
  readonly bridge: Link;
  readonly ctrLink: Link;
  readonly masq: MasqueradeBackend | undefined;
  readonly undo: UndoStack;
}

/** The L3 step's outcome: the plan (for the result) and a VLAN gateway interface, if one was used. */
export interface L3Outcome {
  readonly plan: L3Plan;
  readonly vlanGateway: Interface | undefined;
}

/**
 * Applies an IPAM result: masquerade rules (their process starts first and runs while the
 * netlink work below is done), the container's addresses and routes, the gateway addresses
 * on the bridge (or on the VLAN's gateway interface) and forwarding. Every step's undo is
 * registered before the step, since each teardown tolerates what is absent.
 */
export async function applyL3(c: L3Context, ipamResult: Result): Promise<L3Outcome> {
  const plan = planL3(c.cfg, ipamResult);
  let masqDone: Promise<void> = Promise.resolve();
  if (c.masq) {
    const backend = c.masq;
    const spec = { network: c.cfg.network, containerId: c.req.containerId, ifname: c.req.ifname, ips: plan.masq };
    masqDone = backend.setup(spec);
    masqDone.catch(() => {}); // awaited below; this only marks the rejection as handled meanwhile
    c.undo.push('remove the masquerade rules', async () => {
      await masqDone.catch(() => {});
      await backend.teardown(spec);
    });
  }
  await configureContainerL3(c.ns, c.ctr, c.ctrLink, plan, c.cfg);
  let vlanGateway: Interface | undefined;
  if (plan.gateways.length > 0) {
    let target = c.bridge;
    if (c.cfg.vlan) {
      target = ensureVlanGateway(c.host, c.bridge, c.cfg);
      vlanGateway = { name: target.name, ...(target.mac ? { mac: target.mac } : {}) };
    }
    for (const gw of plan.gateways) ensureGateway(c.host, target, gw, c.cfg.forceAddress);
    enableForwarding(plan.gateways);
  }
  await masqDone;
  return { plan, vlanGateway };
}
