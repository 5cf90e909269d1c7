// dhcp IPAM's configuration keys: the `ipam` section, the source of schemas/dhcp.json (npm run
// schemas), which config.ts checks a request against. Imported for types only by the plugin,
// so zod stays out of it (see lib/cni/schema.ts).
import * as z from 'zod/mini';
import { bool, int, list, path, record, str } from '../../lib/cni/schema.ts';

const optionName = (description: string) =>
  str(description, 'an option name (subnet-mask, routers, host-name, user-class, vendor-class-identifier, dhcp-client-identifier) or a number 0-255');

const requestSchema = record(
  {
    skipDefault: z.optional(bool('Leave out the options requested by default (routers and subnet-mask).')),
    option: z.optional(optionName('An option to put in the Parameter Request List (option 55).')),
  },
  'An option asked of the server.',
);

const provideSchema = record(
  {
    option: optionName('The option to send to the server.'),
    value: z.optional(str('Its value, as text (at most 255 bytes).')),
    fromArg: z.optional(str('A CNI_ARGS key whose value is sent (e.g. K8S_POD_NAME); wins over value when present.')),
  },
  'An option sent to the server.',
  'an object with an "option"',
);

/** The `ipam` section of a plugin that delegates to dhcp. */
export const dhcpIpamSchema = record(
  {
    type: z.optional(str('The IPAM plugin to run: "dhcp".')),
    daemonSocketPath: z.optional(path('The unix socket of the cni-ts dhcp daemon (default /run/cni/dhcp.sock).')),
    request: z.optional(list(requestSchema, 'Options to request from the server.', 'an array of {"option", "skipDefault"}')),
    provide: z.optional(list(provideSchema, 'Options to send to the server.', 'an array of {"option", "value", "fromArg"}')),
    priority: z.optional(int(0, 4294967295, 'Metric of every route returned (0: none).', 'an integer from 0 to 4294967295')),
  },
  'dhcp IPAM: a DHCPv4 lease for the pod interface, obtained and renewed by the cni-ts dhcp daemon.',
);

export type DhcpIpamKeys = z.output<typeof dhcpIpamSchema>;
