import { CniError, ErrorCode } from '../cni/index.ts';
import { isNetlinkError } from '../netlink/index.ts';

/** A link kind the kernel may be built without, and how to tell the user so. */
export interface KernelFeature {
  /** The kind as RTM_NEWLINK names it ('vlan', 'vrf'). */
  readonly kind: string;
  /** What it is, for the message: "802.1Q VLAN support (module 8021q)". */
  readonly feature: string;
  /** What to do about it. */
  readonly remedy: string;
}

/** 802.1Q VLAN devices: CONFIG_VLAN_8021Q. */
export const VLAN_SUPPORT: KernelFeature = {
  kind: 'vlan',
  feature: '802.1Q VLAN support (module 8021q)',
  remedy: 'load the module (modprobe 8021q) or use a kernel built with CONFIG_VLAN_8021Q',
};

/** VRF devices: CONFIG_NET_VRF. */
export const VRF_SUPPORT: KernelFeature = {
  kind: 'vrf',
  feature: 'VRF support (module vrf)',
  remedy: 'load the module (modprobe vrf) or use a kernel built with CONFIG_NET_VRF',
};

/**
 * A kernel without the module answers RTM_NEWLINK of that kind with EOPNOTSUPP ("Unknown
 * device type"): that becomes an error naming the missing feature (code 999, as any kernel
 * refusal: the configuration is fine, the node cannot run it); anything else passes through.
 */
export function explainMissingKind(e: unknown, f: KernelFeature): unknown {
  if (!isNetlinkError(e, 'EOPNOTSUPP')) return e;
  return new CniError(ErrorCode.Internal, `the kernel has no ${f.feature}: cannot create a ${f.kind} device`, f.remedy, { cause: e });
}
