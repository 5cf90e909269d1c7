/**
 * lib/netns: verified netns handles, synchronous setns scopes, sockets opened inside a
 * netns, netns identity and /proc/sys access.
 */
export { NetnsNotFoundError, NotNetnsError, NetnsRestoreError } from './errors.ts';
export type { NetnsErrorOptions } from './errors.ts';
export { Netns, THREAD_NETNS_PATH, openCurrentNetns, openNetns } from './netns.ts';
export { netlinkSocketIn, routeSocketIn, withNetns } from './with-netns.ts';
export type { NotPromise } from './with-netns.ts';
export { normalizeSysctlName, readSysctl, sysctlPath, writeSysctl } from './sysctl.ts';
export { currentNetnsIdentity, isSameNetns, netnsIdentity } from './identity.ts';
export type { NetnsIdentity } from './identity.ts';
export { openContainerNetns, openContainerNetnsForDel } from './container.ts';
export { openPod, openPodForDel } from './pod.ts';
export type { Pod } from './pod.ts';
export { openNamespaces } from './attachment-namespaces.ts';
export type { Namespaces } from './attachment-namespaces.ts';
export { createTempNetns } from './temp-netns.ts';
