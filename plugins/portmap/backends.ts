import { CniError, ErrorCode } from '../../lib/cni/index.ts';
import { type CommandRunner, findExecutable } from '../../lib/firewall/index.ts';
import { type PortmapBackend, type PortmapBackendName, portmapBackend } from '../../lib/firewall/portmap/index.ts';

const TOOLS: Record<PortmapBackendName, string> = { iptables: 'iptables-restore', nftables: 'nft' };

function installed(name: PortmapBackendName): boolean {
  return findExecutable(TOOLS[name]) !== undefined;
}

/**
 * The backend for ADD: the configured one, else iptables when installed (the reference's
 * default, so upgraded nodes keep their layout), else nftables. Found by a file check, not by
 * running a probe process on every ADD.
 * @throws CniError code 50 naming what is missing.
 */
export function chooseBackend(preference: PortmapBackendName | undefined, runner: CommandRunner): PortmapBackend {
  const order: PortmapBackendName[] = preference ? [preference] : ['iptables', 'nftables'];
  const name = order.find(installed);
  if (!name) {
    throw new CniError(
      ErrorCode.PluginNotAvailable,
      preference ? `portmap backend ${preference} is not usable: ${TOOLS[preference]} is not installed` : 'no portmap backend is usable: neither iptables-restore nor nft is installed',
      'install iptables or nftables',
    );
  }
  return portmapBackend(name, runner);
}

/** Every installed backend: DEL and GC look in all of them, since the ADD may have used either. */
export function installedBackends(runner: CommandRunner): PortmapBackend[] {
  return (['iptables', 'nftables'] as const).filter(installed).map((n) => portmapBackend(n, runner));
}
