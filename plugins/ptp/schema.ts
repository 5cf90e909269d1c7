// The ptp plugin's configuration keys, as written in a conflist: the source of schemas/ptp.json
// (npm run schemas), which config.ts checks a configuration against. Imported for types only
// by the plugin, so zod stays out of it (see lib/cni/schema.ts).
import * as z from 'zod/mini';
import { bool, int, list, netConfKeys, oneOf, openRecord, record, str } from '../../lib/cni/schema.ts';

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

/** The ptp plugin's configuration keys, as written in a conflist. */
export const ptpSchema = record(
  {
    ...netConfKeys,
    ipMasq: z.optional(bool('Masquerade traffic from the container addresses that leaves their subnet.')),
    ipMasqBackend: z.optional(oneOf(['iptables', 'nftables'], 'Firewall used for ipMasq (default: what the node has).')),
    mtu: z.optional(int(0, 65535, 'MTU of both ends of the veth pair (0 or absent: the kernel default; else at least 68).')),
    ipam: openRecord(
      { type: str('The IPAM plugin to run, such as "host-local"; every address it gives needs a gateway.') },
      'The IPAM plugin\'s configuration (required: ptp has no L2-only mode).',
    ),
    dns: z.optional(dnsSchema),
  },
  'The ptp plugin: a veth pair per pod, routed through the host (no bridge).',
);

/** The ptp configuration's keys once checked (nulls dropped). */
export type PtpKeys = z.output<typeof ptpSchema>;
