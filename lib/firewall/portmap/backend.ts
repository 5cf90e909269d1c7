import type { CommandRunner } from '../runner.ts';
import type { IptablesPortmapOptions } from './iptables-backend.ts';
import { iptablesPortmap } from './iptables-backend.ts';
import type { NftablesPortmapOptions } from './nft-backend.ts';
import { nftablesPortmap } from './nft-backend.ts';
import type { PortmapBackend, PortmapBackendName } from './types.ts';

/** Executable paths for either backend (each reads only its own). */
export type PortmapBackendOptions = IptablesPortmapOptions & NftablesPortmapOptions;

/**
 * The portmap rules backend by name; selecting which one a host should use is the caller's
 * job (DEL and GC should run both, since the ADD may have used either).
 */
export function portmapBackend(name: PortmapBackendName, runner: CommandRunner, options: PortmapBackendOptions = {}): PortmapBackend {
  return name === 'iptables' ? iptablesPortmap(runner, options) : nftablesPortmap(runner, options);
}
