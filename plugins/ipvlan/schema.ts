// The ipvlan plugin's configuration keys, as written in a conflist: the source of
// schemas/ipvlan.json (npm run schemas), which config.ts checks a configuration against.
// Imported for types only by the plugin, so zod stays out of it (see lib/cni/schema.ts).
import * as z from 'zod/mini';
import { bool, int, list, netConfKeys, oneOf, openRecord, record, str } from '../../lib/cni/schema.ts';

const strings = (description: string) => z.optional(list(str(''), description));

/** The ipvlan plugin's configuration keys, as written in a conflist. */
export const ipvlanSchema = record(
  {
    ...netConfKeys,
    master: z.optional(
      str('The parent interface (default: chained, the one interface of prevResult; else the interface of the default route, in the node\'s namespace or, with linkInContainer, the pod\'s).'),
    ),
    mode: z.optional(oneOf(['l2', 'l3', 'l3s'], 'The ipvlan mode (default l2).')),
    mtu: z.optional(int(0, 65535, 'MTU of the pod\'s interface (0 or absent: the master\'s; else 68 up to the master\'s).')),
    linkInContainer: z.optional(bool('The master is in the pod\'s network namespace, not the node\'s.')),
    ipam: z.optional(
      openRecord(
        { type: z.optional(str('The IPAM plugin to run, such as "host-local"; may be empty only when chained after a plugin whose result has addresses.')) },
        'The IPAM plugin\'s configuration.',
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
  'The ipvlan plugin: an ipvlan child of a master interface, moved into the pod (needs a kernel with ipvlan).',
);

/** The ipvlan configuration's keys once checked (nulls dropped). */
export type IpvlanKeys = z.output<typeof ipvlanSchema>;
