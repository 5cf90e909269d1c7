// What the e2e needs to know about a conflist that `podman network create` wrote: the plugin
// chain, the bridge, the first IPv4 range and the firewall's ingressPolicy. Pure; the file itself
// is podman's, never edited.

/** The facts of one generated network. */
export interface GeneratedNetwork {
  readonly name: string;
  readonly cniVersion: string;
  /** Plugin types in chain order, e.g. bridge, portmap, firewall, tuning. */
  readonly types: readonly string[];
  readonly bridge: string;
  readonly subnet: string;
  readonly gateway: string;
  readonly ipMasq: boolean;
  /** The firewall plugin's ingressPolicy; "" when absent (the plugin's default, open). */
  readonly ingressPolicy: string;
}

type Json = Record<string, unknown>;

function isObject(v: unknown): v is Json {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/**
 * Reads a podman-generated conflist (pure).
 * @throws Error naming what is missing.
 */
export function parseGeneratedConflist(text: string): GeneratedNetwork {
  const c: unknown = JSON.parse(text);
  if (!isObject(c) || !Array.isArray(c.plugins)) throw new Error('not a conflist: no plugins array');
  const plugins = c.plugins.filter(isObject);
  const bridge = plugins.find((p) => p.type === 'bridge');
  if (!bridge) throw new Error('no bridge plugin');
  const ipam = isObject(bridge.ipam) ? bridge.ipam : {};
  const ranges = Array.isArray(ipam.ranges) ? (ipam.ranges as unknown[]).flat().filter(isObject) : [];
  const v4 = ranges.find((r) => typeof r.subnet === 'string' && r.subnet.includes('.'));
  if (!v4) throw new Error('no IPv4 range in the bridge plugin\'s ipam');
  const firewall = plugins.find((p) => p.type === 'firewall');
  return {
    name: String(c.name ?? ''),
    cniVersion: String(c.cniVersion ?? ''),
    types: plugins.map((p) => String(p.type)),
    bridge: String(bridge.bridge ?? ''),
    subnet: String(v4.subnet),
    gateway: typeof v4.gateway === 'string' ? v4.gateway : '',
    ipMasq: bridge.ipMasq === true,
    ingressPolicy: typeof firewall?.ingressPolicy === 'string' ? firewall.ingressPolicy : '',
  };
}

/** The chain podman 4 writes for every bridge network (without dnsname, which is not installed). */
export const PODMAN_CHAIN: readonly string[] = ['bridge', 'portmap', 'firewall', 'tuning'];

/**
 * Checks a generated network against what the e2e relies on (pure): podman's chain, a bridge
 * name, a gateway, and the expected ingressPolicy ("" for a default network).
 * @throws Error naming the first difference.
 */
export function expectGenerated(net: GeneratedNetwork, ingressPolicy: '' | 'same-bridge'): string {
  if (net.types.join(',') !== PODMAN_CHAIN.join(',')) throw new Error(`chain ${net.types.join(' → ')}, expected ${PODMAN_CHAIN.join(' → ')}`);
  if (!net.bridge || !net.gateway) throw new Error(`bridge "${net.bridge}", gateway "${net.gateway}"`);
  if (net.ingressPolicy !== ingressPolicy) throw new Error(`firewall ingressPolicy "${net.ingressPolicy}", expected "${ingressPolicy}"`);
  return `${net.types.join(' → ')}, cniVersion ${net.cniVersion}, bridge ${net.bridge}, ${net.subnet}${net.ingressPolicy ? `, ingressPolicy ${net.ingressPolicy}` : ''}`;
}
