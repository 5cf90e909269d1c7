import { CniError, ErrorCode } from '../../lib/cni/index.ts';
import { type Link, attachPort, createContainerVeth, deleteLink, ensureBridge, getLink, setLink } from '../../lib/link/index.ts';
import type { UndoStack } from '../../lib/undo.ts';
import type { Namespaces } from '../../lib/netns/index.ts';
import type { BridgePlan } from './plan.ts';

/** The links an attachment consists of. */
export interface AttachedLinks {
  readonly bridge: Link;
  readonly hostPort: Link;
  readonly container: Link;
}

/**
 * The L2 part of an ADD: the bridge (shared, never undone), the veth pair with its host end
 * born in the host (undone by deleting it), the host end made a port of the bridge. An L2
 * network's container end comes up here; an L3 one's after its addresses.
 */
export function applyLinks(n: Namespaces, plan: BridgePlan, undo: UndoStack): AttachedLinks {
  const bridge = ensureBridge(n.host, plan.bridge);
  const { link: container, hostName } = createContainerVeth(n.ctr, n.hostNs, plan.veth);
  undo.push('delete the veth pair', () => deleteLink(n.ctr, container.index));
  const hostPort = getLink(n.host, hostName);
  if (!hostPort) throw new CniError(ErrorCode.Internal, `host end ${hostName} of the new veth pair is missing`);
  attachPort(n.host, bridge, hostPort, plan.port);
  if (!plan.ipamType && plan.containerUp) setLink(n.ctr, container.index, { up: true });
  return { bridge, hostPort, container };
}
