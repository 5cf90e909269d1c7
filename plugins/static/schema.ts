// static IPAM's configuration keys: the `ipam` section, the source of schemas/static.json
// (npm run schemas), and the request keys outside it (its "$defs"), which config.ts checks a
// request against. Imported for types only by the plugin, so zod stays out of it (see
// lib/cni/schema.ts).
import * as z from 'zod/mini';
import { anyInt, list, openRecord, record, str } from '../../lib/cni/schema.ts';

const cidr = (description: string) => str(description, 'a CIDR string such as "10.1.0.5/24"');
const address = (description: string) => str(description, 'an IP address string');
const integer = (description: string) => z.optional(anyInt(description));
const strings = (description: string) => z.optional(list(str(''), description, 'an array of strings'));

const addressSchema = record(
  {
    address: cidr('The address with its prefix length, such as "10.1.0.5/24" (host bits kept).'),
    gateway: z.optional(address('The gateway of this address, of the same family.')),
  },
  'One fixed address.',
  'an address must be an object with an "address"',
);

const routeSchema = record(
  {
    dst: cidr('Destination, a CIDR such as "0.0.0.0/0".'),
    gw: z.optional(address('Next hop (default: the interface plugin uses the gateway of the same family).')),
    mtu: integer('MTU of the route.'),
    advmss: integer('Advertised MSS of the route.'),
    priority: integer('Route priority (metric).'),
    table: integer('Routing table.'),
    scope: integer('Route scope.'),
  },
  'A route to return in the result.',
  'a route must be an object with a "dst"',
);

const dnsSchema = record(
  {
    nameservers: strings('DNS servers.'),
    domain: z.optional(str('The local DNS domain.')),
    search: strings('DNS search domains.'),
    options: strings('Resolver options.'),
  },
  'DNS settings returned as the result\'s dns.',
);

/** The `ipam` section of a plugin that delegates to static. */
export const staticIpamSchema = record(
  {
    type: z.optional(str('The IPAM plugin to run: "static".')),
    addresses: z.optional(list(addressSchema, 'The addresses to return (CNI_ARGS IP adds to them; args.cni.ips and the ips capability replace them).', 'an array of {"address", "gateway"}')),
    routes: z.optional(list(routeSchema, 'Routes to return in the result.', 'an array of {"dst", "gw"}')),
    dns: z.optional(dnsSchema),
  },
  'static IPAM: returns fixed addresses, routes and DNS; allocates and stores nothing.',
);

const ips = (description: string) => z.optional(list(cidr(''), description, 'an array of CIDR strings'));

/** What static reads of a request outside the ipam section: the addresses that replace the configured ones. */
export const staticRequestSchema = openRecord(
  {
    args: z.optional(openRecord({ cni: z.optional(openRecord({ ips: ips('Addresses replacing ipam.addresses.') }, '')) }, '')),
    runtimeConfig: z.optional(openRecord({ ips: ips('Addresses replacing all others (the ips capability).') }, '')),
  },
  '',
);

export type StaticIpamKeys = z.output<typeof staticIpamSchema>;
export type StaticRequestKeys = z.output<typeof staticRequestSchema>;
