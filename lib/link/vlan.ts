import { CniError, ErrorCode } from '../cni/index.ts';
import { type Link, type NetlinkSocket, createVlan, deleteLink, getLink, isNetlinkError, setLink } from '../netlink/index.ts';
import type { Netns } from '../netns/index.ts';
import { VLAN_SUPPORT, explainMissingKind } from './kernel-support.ts';
import { randomVethName } from './random.ts';

/** The VLAN device a pod gets. */
export interface ContainerVlanSettings {
  /** Its name in the pod (CNI_IFNAME). */
  readonly ifname: string;
  readonly vlanId: number;
  /** Omitted: the master's MTU. */
  readonly mtu?: number | undefined;
}

/** Where the master is: the socket of its netns, and whether that is the pod's own. */
export interface VlanMaster {
  readonly sock: NetlinkSocket;
  readonly link: Link;
  /** The master is in the pod's netns: the device is made there instead of moved there. */
  readonly inContainer: boolean;
}

/**
 * Creates the VLAN device on `master` and gives it to the pod as `ifname`, down: under a random
 * temporary name, born directly in the pod's netns (a name the host uses, such as `eth0`, could
 * otherwise clash while the device is still on the host side), then renamed there. A temporary
 * name already taken is retried; on a failed rename the device is deleted.
 * @throws CniError 999 naming the missing kernel feature when the kernel has no 8021q, or
 *   when the master already has a device of that VLAN id (the kernel allows one per id).
 */
export function createContainerVlan(ctr: NetlinkSocket, pod: Netns, master: VlanMaster, s: ContainerVlanSettings): Link {
  const tempName = createUnderTempName(ctr, pod, master, s);
  const made = getLink(ctr, tempName);
  if (!made) throw new CniError(ErrorCode.Internal, `the new vlan device ${tempName} is missing in the pod's netns`);
  try {
    setLink(ctr, made.index, { name: s.ifname });
  } catch (e) {
    deleteLink(ctr, made.index);
    throw new CniError(ErrorCode.Internal, `failed to rename vlan to "${s.ifname}": ${(e as Error).message}`, undefined, { cause: e });
  }
  return getLink(ctr, made.index) ?? made;
}

function createUnderTempName(ctr: NetlinkSocket, pod: Netns, master: VlanMaster, s: ContainerVlanSettings): string {
  for (let attempt = 1; ; attempt++) {
    const name = randomVethName();
    try {
      createVlan(master.sock, {
        name,
        parent: master.link.index,
        vlanId: s.vlanId,
        ...(s.mtu ? { mtu: s.mtu } : {}),
        ...(master.inContainer ? {} : { netnsFd: pod.fd }),
      });
      return name;
    } catch (e) {
      if (!isNetlinkError(e, 'EEXIST')) throw explainMissingKind(e, VLAN_SUPPORT);
      // EEXIST is either the random name or the VLAN id; only the name is worth another try
      if (!getLink(master.sock, name) && !getLink(ctr, name)) {
        throw new CniError(
          ErrorCode.Internal,
          `failed to create vlan: "${master.link.name}" already has a device for VLAN ${s.vlanId}`,
          'the kernel allows one device per VLAN id and master: each pod needs its own vlanId (or master)',
          { cause: e },
        );
      }
      if (attempt === 10) throw e;
    }
  }
}
