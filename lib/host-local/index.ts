/**
 * lib/host-local: the host-local IPAM as a library, so the plugin executable is a thin main
 * and the bridge can run it in process when CNI_PATH resolves `host-local` to our own build.
 */
export { handlers as hostLocalHandlers } from './handlers.ts';
