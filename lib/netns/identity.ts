import { fileIdentity } from '../sys/index.ts';
import { THREAD_NETNS_PATH } from './netns.ts';
import type { Netns } from './netns.ts';

/** What makes a netns unique: the nsfs device and inode of its file. */
export interface NetnsIdentity {
  readonly dev: number;
  readonly ino: number;
}

/**
 * The identity of a netns given as an open handle or a path.
 * @throws {SysError} for a bad path.
 */
export function netnsIdentity(ns: Netns | string): NetnsIdentity {
  return fileIdentity(typeof ns === 'string' ? ns : ns.fd);
}

/** The identity of the calling thread's netns. */
export function currentNetnsIdentity(): NetnsIdentity {
  return netnsIdentity(THREAD_NETNS_PATH);
}

/**
 * Whether two handles/paths are the same netns, e.g. to refuse a CNI_NETNS that is the
 * plugin's own (host) namespace.
 * @throws {Error} the fs error for a bad path.
 */
export function isSameNetns(a: Netns | string, b: Netns | string): boolean {
  const x = netnsIdentity(a);
  const y = netnsIdentity(b);
  return x.dev === y.dev && x.ino === y.ino;
}
