// Persistent TUN/TAP devices through /dev/net/tun. The kernel refuses to create them over
// rtnetlink (its tun link type has no newlink), so creation is these ioctls; everything else
// about the device (name, MTU, MAC, master, up, deletion) is ordinary rtnetlink.
import { check } from './check.ts';
import { openFile } from './file.ts';
import { closeFd } from './socket.ts';
import { getLibc } from './libc.ts';

/** The clone device; a device made through it belongs to the netns the file was opened in. */
export const TUN_CLONE_DEVICE = '/dev/net/tun';

// include/uapi/linux/if_tun.h: _IOW('T', n, int) on every ABI built here.
export const TUNSETIFF = 0x400454ca;
export const TUNSETPERSIST = 0x400454cb;
export const TUNSETOWNER = 0x400454cc;
export const TUNSETGROUP = 0x400454ce;

// ifr_flags of TUNSETIFF.
export const IFF_TUN = 0x0001;
export const IFF_TAP = 0x0002;
export const IFF_MULTI_QUEUE = 0x0100;
export const IFF_NO_PI = 0x1000;
export const IFF_VNET_HDR = 0x4000;
/** Fail with EBUSY when the name exists, rather than attach to an existing device of that name. */
export const IFF_TUN_EXCL = 0x8000;

/** IFNAMSIZ: the name, NUL included. */
const IFNAMSIZ = 16;
/** sizeof(struct ifreq) on 64-bit Linux: the name, then a 24-byte union whose first short is ifr_flags. */
const IFREQ_BYTES = 40;
const O_RDWR = 2;

/** What {@link createPersistentTun} makes. */
export interface PersistentTunSpec {
  /** At most 15 bytes. */
  readonly name: string;
  /** TUNSETIFF flags: IFF_TAP or IFF_TUN, with IFF_NO_PI, IFF_VNET_HDR, IFF_MULTI_QUEUE as wanted. */
  readonly flags: number;
  /** uid allowed to attach to the device (TUNSETOWNER); undefined: anyone with CAP_NET_ADMIN only. */
  readonly owner?: number | undefined;
  /** gid allowed to attach (TUNSETGROUP). */
  readonly group?: number | undefined;
}

/** struct ifreq for TUNSETIFF. */
export function encodeTunIfreq(name: string, flags: number): Uint8Array {
  const bytes = new TextEncoder().encode(name);
  if (bytes.length === 0 || bytes.length >= IFNAMSIZ || bytes.includes(0)) throw new TypeError(`invalid interface name ${JSON.stringify(name)}`);
  const req = new Uint8Array(IFREQ_BYTES);
  req.set(bytes, 0);
  new DataView(req.buffer).setUint16(IFNAMSIZ, flags, true);
  return req;
}

/**
 * Creates a persistent TUN/TAP device in the calling thread's network namespace (the one
 * /dev/net/tun is opened in) and lets go of it: no process holds a queue afterwards, the
 * device stays until it is deleted. All or nothing: before TUNSETPERSIST the device lives only
 * as long as the file, so a failed owner or group leaves nothing behind.
 * @throws {SysError} ENOENT without /dev/net/tun, EBUSY for a taken name, EPERM without CAP_NET_ADMIN.
 */
export function createPersistentTun(spec: PersistentTunSpec): void {
  const ifreq = encodeTunIfreq(spec.name, spec.flags | IFF_TUN_EXCL);
  const libc = getLibc();
  const fd = openFile(TUN_CLONE_DEVICE, O_RDWR);
  try {
    // IFF_TUN_EXCL: an existing tap of that name would otherwise be attached to and taken over
    check(libc.ioctlPointer(fd, TUNSETIFF, ifreq), 'ioctl(TUNSETIFF)', spec.name);
    if (spec.owner !== undefined) check(libc.ioctlValue(fd, TUNSETOWNER, spec.owner), 'ioctl(TUNSETOWNER)', `${spec.name} uid ${spec.owner}`);
    if (spec.group !== undefined) check(libc.ioctlValue(fd, TUNSETGROUP, spec.group), 'ioctl(TUNSETGROUP)', `${spec.name} gid ${spec.group}`);
    check(libc.ioctlValue(fd, TUNSETPERSIST, 1), 'ioctl(TUNSETPERSIST)', spec.name);
  } finally {
    closeFd(fd);
  }
}
