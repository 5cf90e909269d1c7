// The bridge plugin's configuration keys, as written in a conflist: the source of
// schemas/bridge.json (npm run schemas), which config.ts checks a configuration against.
// Imported for types only by the plugin, so zod stays out of it (see lib/cni/schema.ts).
import * as z from 'zod/mini';
import { bool, int, list, netConfKeys, oneOf, openRecord, record, str } from '../../lib/cni/schema.ts';

const vlanId = (description: string) => z.optional(int(1, 4094, description));
const strings = (description: string) => z.optional(list(str(''), description));

const dnsSchema = record(
  {
    nameservers: strings('DNS servers, replacing what IPAM returned.'),
    domain: z.optional(str('The local DNS domain.')),
    search: strings('DNS search domains.'),
    options: strings('resolver options.'),
  },
  'A DNS override: replaces what IPAM returned when any field is set.',
);

/** Where the runtime passes the container's MAC (the `mac` capability, or args). */
const macArgs = {
  args: z.optional(
    openRecord({ cni: z.optional(openRecord({ mac: z.optional(str('The container interface\'s MAC address.')) }, 'Arguments for CNI plugins.')) }, 'Extra arguments, set by the runtime.'),
  ),
  runtimeConfig: z.optional(openRecord({ mac: z.optional(str('The container interface\'s MAC address (the mac capability).')) }, 'Capability arguments, set by the runtime.')),
};

/** The bridge plugin's configuration keys, as written in a conflist. */
export const bridgeSchema = record(
  {
    ...netConfKeys,
    ...macArgs,
    bridge: z.optional(str('Name of the bridge to create or use (default "cni0"; at most 15 bytes).')),
    isGateway: z.optional(bool('Give the bridge the gateway address of each IPAM subnet.')),
    isDefaultGateway: z.optional(bool('Also route the container\'s default route through the bridge (implies isGateway).')),
    forceAddress: z.optional(bool('Replace a bridge address of the same family that differs from the gateway.')),
    ipMasq: z.optional(bool('Masquerade traffic from the container addresses that leaves their subnet.')),
    ipMasqBackend: z.optional(oneOf(['iptables', 'nftables'], 'Firewall used for ipMasq (default: what the node has).')),
    mtu: z.optional(int(0, 65535, 'MTU of the bridge and veth pair (0 or absent: the kernel default).')),
    hairpinMode: z.optional(bool('Let traffic leave and re-enter the bridge port it came from.')),
    promiscMode: z.optional(bool('Put the bridge in promiscuous mode (not with hairpinMode).')),
    vlan: z.optional(int(0, 4094, 'Access VLAN (untagged) of the container\'s bridge port; 0 = none.')),
    vlanTrunk: z.optional(
      list(
        record(
          { id: vlanId('A tagged VLAN ID.'), minID: vlanId('First VLAN ID of a span (with maxID).'), maxID: vlanId('Last VLAN ID of a span (with minID).') },
          'A tagged VLAN: {"id": N} or {"minID": N, "maxID": M}.',
          '{"id": N} or {"minID": N, "maxID": M}',
        ),
        'Tagged VLANs of the container\'s bridge port.',
      ),
    ),
    preserveDefaultVlan: z.optional(bool('Keep VLAN 1 on the port when vlan or vlanTrunk is set.')),
    macspoofchk: z.optional(bool('Drop frames from the container with another source MAC.')),
    enabledad: z.optional(bool('Run IPv6 duplicate address detection on the container interface.')),
    disableContainerInterface: z.optional(bool('Leave the container interface down (not with ipam).')),
    portIsolation: z.optional(bool('Isolate the port from other isolated ports of the bridge.')),
    ipam: z.optional(openRecord({ type: z.optional(str('The IPAM plugin to run, such as "host-local".')) }, 'The IPAM plugin\'s configuration.')),
    dns: z.optional(dnsSchema),
  },
  'The bridge plugin: a Linux bridge on the host, a veth pair into the container.',
);

/** The bridge configuration's keys once checked (nulls dropped). */
export type BridgeKeys = z.output<typeof bridgeSchema>;
