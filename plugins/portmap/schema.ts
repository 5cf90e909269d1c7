// portmap's configuration keys, as written in a conflist, and the keys of one port mapping: the
// source of schemas/portmap.json (npm run schemas; the mapping under "$defs"), which config.ts
// checks a configuration against. Imported for types only by the plugin, so zod stays out of it
// (see lib/cni/schema.ts).
import * as z from 'zod/mini';
import { bool, int, list, netConfKeys, oneOf, openRecord, record, str } from '../../lib/cni/schema.ts';
import { DEFAULT_STATE_DIR } from './config.ts';

const PORT = 'a port from 1 to 65535';

/**
 * One entry of runtimeConfig.portMappings, its keys spelled as below (config.ts accepts them in
 * any case). JSON Schema cannot say "tcp, udp or sctp in any case" or "an IP address": config.ts
 * checks those, with the words given here.
 */
export const portMappingSchema = openRecord(
  {
    hostPort: int(1, 65535, 'Port on the host.', PORT),
    containerPort: int(1, 65535, 'Port in the container.', PORT),
    protocol: z.optional(str('tcp (default), udp or sctp, in any case.', 'tcp, udp or sctp')),
    hostIP: z.optional(str('Host address the mapping is limited to.', 'an IPv4 or IPv6 address')),
  },
  'A port mapping.',
  'an object with hostPort, containerPort and protocol',
);

const conditions = (description: string) => z.optional(list(str(''), description));

/** portmap's configuration keys, as written in a conflist. */
export const portmapSchema = record(
  {
    ...netConfKeys,
    runtimeConfig: z.optional(
      openRecord(
        { portMappings: z.optional(list(z.unknown(), 'Port mappings {hostPort, containerPort, protocol, hostIP}, set by the runtime (portMappings capability).')) },
        'Capability arguments, set by the runtime.',
      ),
    ),
    snat: z.optional(bool('Masquerade hairpin traffic (container to its own host port) and traffic from localhost (default true).')),
    masqAll: z.optional(bool('Masquerade all traffic to a mapped port, not only hairpin and localhost.')),
    markMasqBit: z.optional(int(0, 31, 'The mark bit that asks for masquerade (default 13; not with externalSetMarkChain).')),
    externalSetMarkChain: z.optional(str('An existing chain that marks packets for masquerade, such as KUBE-MARK-MASQ.')),
    conditionsV4: conditions('Extra iptables match arguments for IPv4 mappings.'),
    conditionsV6: conditions('Extra ip6tables match arguments for IPv6 mappings.'),
    backend: z.optional(oneOf(['iptables', 'nftables'], 'Firewall to use (default: what the node has).')),
    stateDir: z.optional(str(`Where ADD records what it installed, so DEL works without runtimeConfig (default ${DEFAULT_STATE_DIR}).`)),
  },
  'The portmap plugin: forwards host ports to the container (chained after an interface plugin).',
);

export type PortmapKeys = z.output<typeof portmapSchema>;
export type PortMappingKeys = z.output<typeof portMappingSchema>;
