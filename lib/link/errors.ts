import { CniError, ErrorCode } from '../cni/index.ts';
import { isNetlinkError } from '../netlink/index.ts';

/** EOPNOTSUPP from a VLAN request means the kernel was built without bridge VLAN filtering. */
export function explainVlanFailure(e: unknown, bridge: string): unknown {
  if (!isNetlinkError(e, 'EOPNOTSUPP')) return e;
  return new CniError(
    ErrorCode.Internal,
    `cannot turn on VLAN filtering on bridge "${bridge}": this kernel does not support it (CONFIG_BRIDGE_VLAN_FILTERING)`,
    '"vlan" and "vlanTrunk" need it: use a kernel with bridge VLAN filtering, or drop them from the config',
    { cause: e },
  );
}

/** The error for an ADD whose CNI_IFNAME exists already (the reference's wording). */
export function ifnameTaken(ifname: string): CniError {
  return new CniError(ErrorCode.Internal, `container veth name provided (${ifname}) already exists`, 'the container already has an interface of that name: was ADD run twice without DEL?');
}
