import firewallJson from '../../schemas/firewall.json' with { type: 'json' };
import { type AttachmentRequest, CniError, type ConfigRequest, type Result, requirePrevResult as requirePrevResultOf, readablePrevResult } from '../../lib/cni/index.ts';
import { checkConfig, invalidValue } from '../../lib/cni/json-schema.ts';
import { DEFAULT_ADMIN_CHAIN, type IngressPolicy, RESERVED_CHAINS } from '../../lib/firewall/forward/index.ts';
import type { FirewallKeys } from './schema.ts';

/** The firewall plugin's settings. */
export interface FirewallConfig {
  readonly network: string;
  /** undefined: the suite's default (iptables, else nftables). */
  readonly backend: 'iptables' | 'nftables' | 'firewalld' | undefined;
  readonly adminChain: string;
  readonly firewalldZone: string;
  readonly ingressPolicy: IngressPolicy;
  /** Where ADD records the addresses it gave rules to, for a DEL without prevResult and for GC (our addition). */
  readonly stateDir: string;
}

/** tmpfs: firewall rules vanish at reboot, and so must the record of them. */
export const DEFAULT_STATE_DIR = '/run/cni-ts/firewall';

/**
 * A chain name both iptables (at most 28 characters) and nft (an identifier) accept, and not
 * one of the built-in or the plugin's own chains, which an admin chain must never be.
 */
const CHAIN_NAME = /^[A-Za-z][A-Za-z0-9_.-]{0,27}$/;

/** @throws CniError code 7 naming the key and value, before anything changes. */
export function parseFirewallConfig(req: ConfigRequest): FirewallConfig {
  const c = checkConfig<FirewallKeys>(firewallJson, req.config);
  const adminChain = c.iptablesAdminChainName || DEFAULT_ADMIN_CHAIN;
  if (!CHAIN_NAME.test(adminChain) || RESERVED_CHAINS.includes(adminChain)) {
    throw invalidValue('iptablesAdminChainName', adminChain, {
      'x-expected': `a chain name of 1 to 28 letters, digits, "_", "." or "-", starting with a letter, other than ${RESERVED_CHAINS.join(', ')}`,
    });
  }
  return {
    network: req.config.name,
    backend: c.backend || undefined,
    adminChain,
    firewalldZone: c.firewalldZone || 'trusted',
    ingressPolicy: c.ingressPolicy || 'open',
    stateDir: c.stateDir || DEFAULT_STATE_DIR,
  };
}

/**
 * The result of the plugins before firewall, which ADD and CHECK pass through.
 * @throws CniError code 7 when firewall is not chained after one (Go: "missing prevResult").
 */
export function requirePrevResult(req: AttachmentRequest): Result {
  return requirePrevResultOf(req.config, {
    msg: 'missing prevResult from earlier plugin',
    details: 'firewall is a chained plugin: put it after an interface plugin such as bridge in a conflist',
  });
}

/** prevResult if it is there and readable: a DEL must clean up even after a broken one. */
export function optionalPrevResult(req: AttachmentRequest): Result | undefined {
  return readablePrevResult(req.config);
}
