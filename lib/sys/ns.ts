import { check } from './check.ts';
import { getLibc } from './libc.ts';

/** Namespace type flags for setns/unshare and the NS_GET_NSTYPE answer. */
export const CLONE_NEWNS = 0x00020000;
export const CLONE_NEWUTS = 0x04000000;
export const CLONE_NEWIPC = 0x08000000;
export const CLONE_NEWUSER = 0x10000000;
export const CLONE_NEWPID = 0x20000000;
export const CLONE_NEWNET = 0x40000000;

/** _IO(0xb7, 0x3): asks an nsfs file which kind of namespace it is (Linux >= 4.11). */
const NS_GET_NSTYPE = 0xb703;

/**
 * setns(2): moves the calling thread (only) into the namespace behind `fd`.
 * Callers must restore the previous namespace; see lib/netns withNetns.
 * @throws {SysError} EINVAL when fd is not a namespace of type `nstype`.
 */
export function setns(fd: number, nstype: number): void {
  check(getLibc().setns(fd, nstype), 'setns', `fd ${fd}`);
}

/**
 * unshare(2): gives the calling thread fresh namespaces of the given kinds.
 * @throws {SysError}
 */
export function unshare(flags: number): void {
  check(getLibc().unshare(flags), 'unshare');
}

/**
 * The namespace kind (a CLONE_NEW* value) of an nsfs fd, via ioctl NS_GET_NSTYPE.
 * Lets callers tell a network namespace from, say, /proc/self/ns/mnt.
 * @throws {SysError} ENOTTY when the fd is not an nsfs file (or the kernel predates 4.11).
 */
export function namespaceType(fd: number): number {
  return check(getLibc().ioctl(fd, NS_GET_NSTYPE), 'ioctl(NS_GET_NSTYPE)', `fd ${fd}`);
}
