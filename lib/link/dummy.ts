import { CniError, ErrorCode } from '../cni/index.ts';
import { type Link, type NetlinkSocket, createDummy, getLink, isNetlinkError } from '../netlink/index.ts';
import { ifnameTaken } from './errors.ts';

/**
 * Creates a dummy device named `ifname` directly in the container (nothing of the host's can
 * collide with it), down.
 * @throws CniError when `ifname` exists, or naming the kernel feature when the kernel has no
 * dummy driver.
 */
export function createContainerDummy(ctr: NetlinkSocket, ifname: string): Link {
  if (getLink(ctr, ifname)) throw ifnameTaken(ifname);
  try {
    return createDummy(ctr, { name: ifname });
  } catch (e) {
    if (isNetlinkError(e, 'EOPNOTSUPP')) {
      throw new CniError(
        ErrorCode.Internal,
        `cannot create dummy ${ifname}: this kernel has no dummy network driver (CONFIG_DUMMY, module dummy)`,
        'load the module (modprobe dummy) or use a kernel built with CONFIG_DUMMY',
        { cause: e },
      );
    }
    if (isNetlinkError(e, 'EEXIST')) throw ifnameTaken(ifname);
    throw e;
  }
}
