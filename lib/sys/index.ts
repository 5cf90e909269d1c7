/**
 * lib/sys: the only module that talks to libc (through koffi under Node, bun:ffi in the
 * compiled executables). Everything here is synchronous and throws SysError carrying errno,
 * code and syscall, except the outcome of startProcess, which is collected from timers while
 * the child runs, and withNetnsMutex, which waits on timers.
 */
export { SysError, errnoName, errnoMessage } from './errors.ts';
export type { SysErrorOptions } from './errors.ts';
export * from './errno.ts';
export {
  AF_NETLINK,
  SOCK_RAW,
  SOCK_CLOEXEC,
  SOL_SOCKET,
  SO_RCVBUF,
  SO_RCVTIMEO,
  MSG_PEEK,
  MSG_TRUNC,
  openSocket,
  bindSocket,
  sendTo,
  recvInto,
  setSocketOption,
  setSocketOptionInt,
  setReceiveTimeout,
  closeFd,
} from './socket.ts';
export {
  CLONE_NEWNS,
  CLONE_NEWUTS,
  CLONE_NEWIPC,
  CLONE_NEWUSER,
  CLONE_NEWPID,
  CLONE_NEWNET,
  setns,
  unshare,
  namespaceType,
} from './ns.ts';
export { flock } from './flock.ts';
export type { FlockOperation, FlockOptions } from './flock.ts';
export { NSFS_MAGIC, PROC_SUPER_MAGIC, statfsType, fstatfsType } from './statfs.ts';
export { startProcess } from './spawn.ts';
export { replaceProcess } from './exec.ts';
export { O_RDONLY, O_WRONLY, O_NONBLOCK, O_CLOEXEC, openFile, fileIdentity, readToEnd, writeAll, readTextFile, writeTextFile } from './file.ts';
export type { FileIdentity } from './file.ts';
export { IFF_MULTI_QUEUE, IFF_NO_PI, IFF_TAP, IFF_TUN, IFF_VNET_HDR, createPersistentTun, encodeTunIfreq } from './tun.ts';
export type { PersistentTunSpec } from './tun.ts';
export { processIo } from './process-io.ts';
export { appendLogLine } from './append-log.ts';
export { randomBytes } from './random.ts';
export { tryLockNetnsMutex, withNetnsMutex } from './netns-mutex.ts';
export type { StartProcessRequest } from './spawn.ts';
export type { ProcessOutcome, RunningProcess } from './child-outcome.ts';
