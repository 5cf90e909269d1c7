import { CniError, ErrorCode } from '../../lib/cni/index.ts';
import { type CommandRunner, backendStatus, findExecutable, selectBackend } from '../../lib/firewall/index.ts';
import { type ForwardBackend, forwardRules } from '../../lib/firewall/forward/index.ts';
import type { FirewallConfig } from './config.ts';

/**
 * Code 50 for `backend: "firewalld"`: the plugin has no D-Bus client, so it cannot add
 * sources to a firewalld zone; the reason says whether firewalld is even installed.
 */
function firewalldUnavailable(): CniError {
  const installed = findExecutable('firewalld') !== undefined;
  return new CniError(
    ErrorCode.PluginNotAvailable,
    'firewall backend "firewalld" is not available',
    installed
      ? 'cni-ts has no firewalld (D-Bus) backend: use backend "iptables" or "nftables"'
      : 'firewalld is not installed on this node, and cni-ts has no firewalld (D-Bus) backend: use backend "iptables" or "nftables"',
  );
}

/**
 * The backend an ADD, CHECK or STATUS uses: the configured one, else iptables, else
 * nftables (the suite's order). Go would pick firewalld when it runs; see README.
 * @throws CniError code 50 for firewalld; NoFirewallBackendError (code 50) when the tools are missing
 */
export function chooseBackend(cfg: FirewallConfig, runner: CommandRunner): ForwardBackend {
  if (cfg.backend === 'firewalld') throw firewalldUnavailable();
  return selectBackend(forwardRules, cfg.backend, runner);
}

/**
 * STATUS: as chooseBackend, but a missing tool is code 51 instead of 50 when the kernel holds
 * running pods' forward rules only that tool could maintain. firewalld stays 50: ours never
 * wrote rules through it.
 */
export function backendStatusOf(cfg: FirewallConfig, runner: CommandRunner): void {
  if (cfg.backend === 'firewalld') throw firewalldUnavailable();
  backendStatus(forwardRules, cfg.backend, runner);
}
