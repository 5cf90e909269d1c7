/**
 * lib/ipam: the IPAM client of the plugins that have an `ipam` section: our own host-local
 * in process, any other IPAM plugin delegated through CNI_PATH.
 */
export { ipamClient, isOurHostLocal, startIpamAdd } from './client.ts';
export type { IpamClient } from './client.ts';
export { heldAddresses } from './held-addresses.ts';
