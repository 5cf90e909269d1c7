// The network the runtimes run containers on: our bridge (with host-local IPAM) followed by
// portmap, hand-written as real-clients.md section 10 recommends. podman's own generated
// conflists (bridge, portmap, firewall, tuning) are exercised by podman-networks.ts.

/** A host port mapping as runtimes send it in runtimeConfig.portMappings. */
export interface PortMapping {
  readonly hostPort: number;
  readonly containerPort: number;
  readonly protocol: 'tcp' | 'udp';
}

/** The run-wide settings every network of the e2e takes. */
export interface NetworkSettings {
  readonly stateDir: string;
  readonly cniVersion: string;
  readonly ipMasq: boolean;
}

/** What varies between the e2e's networks. */
export interface BridgeNetwork {
  readonly name: string;
  readonly bridge: string;
  /** IPv4 subnet such as 10.123.0.0/24. */
  readonly subnet: string;
  readonly gateway: string;
  /** host-local's dataDir: kept out of /var/lib/cni. */
  readonly ipamDir: string;
  readonly cniVersion: string;
  readonly ipMasq: boolean;
  /**
   * Port mappings written into portmap's own config as a static runtimeConfig. Only for clients
   * that send no runtimeConfig (ctr): libcni passes a plugin's static keys through unchanged.
   */
  readonly staticPortMappings?: readonly PortMapping[];
}

/** The conflist object for a network (pure). */
export function bridgeConflist(net: BridgeNetwork): Record<string, unknown> {
  // stateDir: where our portmap records its rules; beside the IPAM state, off the host's /run
  const portmap: Record<string, unknown> = { type: 'portmap', capabilities: { portMappings: true }, stateDir: `${net.ipamDir}-portmap` };
  if (net.staticPortMappings?.length) portmap.runtimeConfig = { portMappings: net.staticPortMappings };
  return {
    cniVersion: net.cniVersion,
    name: net.name,
    plugins: [
      {
        type: 'bridge',
        bridge: net.bridge,
        isGateway: true,
        ipMasq: net.ipMasq,
        hairpinMode: true,
        ipam: {
          type: 'host-local',
          dataDir: net.ipamDir,
          ranges: [[{ subnet: net.subnet, gateway: net.gateway }]],
          routes: [{ dst: '0.0.0.0/0' }],
        },
      },
      portmap,
    ],
  };
}

/** True when `ip` (dotted IPv4) lies inside `cidr` (IPv4). */
export function ipv4InSubnet(ip: string, cidr: string): boolean {
  const [base, lenText] = cidr.split('/');
  const len = Number(lenText);
  const a = ipv4ToInt(ip);
  const b = ipv4ToInt(base ?? '');
  if (a === undefined || b === undefined || !Number.isInteger(len) || len < 0 || len > 32) return false;
  const mask = len === 0 ? 0 : (0xffffffff << (32 - len)) >>> 0;
  return ((a & mask) >>> 0) === ((b & mask) >>> 0);
}

function ipv4ToInt(ip: string): number | undefined {
  const parts = ip.split('.');
  if (parts.length !== 4) return undefined;
  let n = 0;
  for (const p of parts) {
    if (!/^\d{1,3}$/.test(p) || Number(p) > 255) return undefined;
    n = n * 256 + Number(p);
  }
  return n;
}
