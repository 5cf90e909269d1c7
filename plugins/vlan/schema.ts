// The vlan plugin's configuration keys, as written in a conflist: the source of
// schemas/vlan.json (npm run schemas), which config.ts checks a configuration against.
// Imported for types only by the plugin, so zod stays out of it (see lib/cni/schema.ts).
import * as z from 'zod/mini';
import { bool, int, list, netConfKeys, openRecord, record, str } from '../../lib/cni/schema.ts';

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

/** The vlan plugin's configuration keys, as written in a conflist. */
export const vlanSchema = record(
  {
    ...netConfKeys,
    master: str('The device the VLAN is made on, in the node\'s network namespace (or the pod\'s with linkInContainer).'),
    vlanId: z.optional(int(0, 4094, 'The 802.1Q VLAN id (0-4094; default 0). One pod per id and master.', 'an integer from 0 to 4094')),
    mtu: z.optional(int(0, 65535, 'MTU of the pod\'s interface (0 or absent: the master\'s; at most the master\'s).')),
    linkInContainer: z.optional(bool('The master is in the pod\'s network namespace, not the node\'s.')),
    ipam: openRecord(
      { type: str('The IPAM plugin to run, such as "host-local".') },
      'The IPAM plugin\'s configuration (required).',
    ),
    dns: z.optional(dnsSchema),
  },
  'The vlan plugin: an 802.1Q device on a master, moved into the pod.',
);

/** The vlan configuration's keys once checked (nulls dropped). */
export type VlanKeys = z.output<typeof vlanSchema>;
