// The macvlan plugin's configuration keys, as written in a conflist: the source of
// schemas/macvlan.json (npm run schemas), which config.ts checks a configuration against.
// Imported for types only by the plugin, so zod stays out of it (see lib/cni/schema.ts).
import * as z from 'zod/mini';
import { bool, int, list, netConfKeys, oneOf, openRecord, record, str } from '../../lib/cni/schema.ts';

const strings = (description: string) => z.optional(list(str(''), description));

/** The macvlan plugin's configuration keys, as written in a conflist. */
export const macvlanSchema = record(
  {
    ...netConfKeys,
    master: z.optional(str('The parent interface (default: the interface of the default route, in the node\'s namespace or, with linkInContainer, the pod\'s).')),
    mode: z.optional(oneOf(['bridge', 'private', 'vepa', 'passthru'], 'The macvlan mode (default bridge: the pods on one master reach each other).')),
    mtu: z.optional(int(0, 65535, 'MTU of the pod\'s interface (0 or absent: the master\'s; else 68 up to the master\'s).')),
    mac: z.optional(str('MAC address of the pod\'s interface (unicast); CNI_ARGS MAC and runtimeConfig.mac override it.', 'a MAC address string')),
    linkInContainer: z.optional(bool('The master is in the pod\'s network namespace, not the node\'s.')),
    bcqueuelen: z.optional(int(0, 4294967295, 'Length of the broadcast queue toward the master\'s macvlans (0: the kernel default; Linux 5.11+).')),
    runtimeConfig: z.optional(openRecord({ mac: z.optional(str('MAC address for the interface (the mac capability).', 'a MAC address string')) }, 'Capability arguments, set by the runtime.')),
    ipam: z.optional(
      openRecord(
        { type: z.optional(str('The IPAM plugin to run, such as "host-local"; absent or empty: the interface gets no address (L2 only).')) },
        'The IPAM plugin\'s configuration (optional).',
      ),
    ),
    dns: z.optional(
      record(
        {
          nameservers: strings('DNS servers.'),
          domain: z.optional(str('The local DNS domain.')),
          search: strings('DNS search domains.'),
          options: strings('resolver options.'),
        },
        'The DNS settings of the result (IPAM\'s are not passed on, as in the reference).',
      ),
    ),
  },
  'The macvlan plugin: a macvlan child of a master interface, moved into the pod.',
);

/** The macvlan configuration's keys once checked (nulls dropped). */
export type MacvlanKeys = z.output<typeof macvlanSchema>;
