// The tap plugin's configuration keys, as written in a conflist: the source of schemas/tap.json
// (npm run schemas), which config.ts checks a configuration against. Imported for types only
// by the plugin, so zod stays out of it (see lib/cni/schema.ts).
import * as z from 'zod/mini';
import { bool, int, netConfKeys, openRecord, record, str } from '../../lib/cni/schema.ts';

/** uid_t and gid_t are 32-bit; (uid_t)-1 means "no id" to the kernel, which refuses it as one. */
const MAX_ID = 4294967294;

const strings = (description: string) => z.optional(z.array(str(description)));

/** The tap plugin's configuration keys, as written in a conflist. */
export const tapSchema = record(
  {
    ...netConfKeys,
    multiQueue: z.optional(bool('Create a multi-queue tap (IFF_MULTI_QUEUE): a reader may attach several queues.')),
    mtu: z.optional(int(0, 65535, 'MTU of the tap (0 or absent: the kernel default; else at least 68).')),
    mac: z.optional(str('MAC address of the tap (CNI_ARGS MAC and runtimeConfig.mac override it).', 'a MAC address string')),
    owner: z.optional(int(0, MAX_ID, 'uid allowed to attach to the tap (TUNSETOWNER).', 'a uid: an integer from 0 to 4294967294')),
    group: z.optional(int(0, MAX_ID, 'gid allowed to attach to the tap (TUNSETGROUP).', 'a gid: an integer from 0 to 4294967294')),
    selinuxContext: z.optional(str('SELinux label for creating the tap: accepted and not applied by this suite (a note goes to stderr).')),
    bridge: z.optional(str('An existing bridge in the container\'s network namespace to make the tap a port of.')),
    runtimeConfig: z.optional(openRecord({ mac: z.optional(str('MAC address for the tap (the mac capability).', 'a MAC address string')) }, 'Capability arguments, set by the runtime.')),
    ipam: z.optional(openRecord({ type: z.optional(str('The IPAM plugin to run, such as "host-local"; absent or "": the tap gets no addresses (L2 only).')) }, 'The IPAM plugin\'s configuration (optional).')),
    dns: z.optional(
      record(
        {
          nameservers: strings('a DNS server'),
          domain: z.optional(str('The local DNS domain.')),
          search: strings('a DNS search domain'),
          options: strings('a resolver option'),
        },
        'DNS settings for the result (IPAM\'s are not used, as in the reference).',
      ),
    ),
  },
  'The tap plugin: a persistent TAP device in the pod (for a VM), optionally a port of a bridge there.',
);

/** The tap configuration's keys once checked (nulls dropped). */
export type TapKeys = z.output<typeof tapSchema>;
