// host-local's configuration keys: the `ipam` section, the source of schemas/host-local.json
// (npm run schemas), and the request keys outside it (its "$defs"), which config.ts checks a
// configuration against. Imported for types only by the plugin, so zod stays out of it (see
// lib/cni/schema.ts).
import * as z from 'zod/mini';
import { anyInt, described, list, openRecord, path, record, str } from '../cni/schema.ts';
import { DEFAULT_DATA_DIR } from './config.ts';

const address = (description: string) => str(description, 'an IP address string');
const integer = (description: string) => z.optional(anyInt(description));

/** The legacy single range's keys, also the keys of one entry of `ranges`. */
const rangeKeys = {
  subnet: str('The subnet to allocate from, such as "10.1.0.0/16".', 'a CIDR string such as "10.1.0.0/16"'),
  rangeStart: z.optional(address('First address to hand out (default: the subnet\'s first address after the network).')),
  rangeEnd: z.optional(address('Last address to hand out (default: the last one, before the broadcast address for IPv4).')),
  gateway: z.optional(address('The gateway, never handed out (default: the first address).')),
};

const rangeSetSchema = described(
  z.array(record(rangeKeys, 'One range: a subnet and the span of it to hand out.', 'a range must be an object with a "subnet"')).check(z.minLength(1)),
  'A range set: one address is allocated from each set, from the first range with room.',
  { 'x-expected': 'a range set must be an array of ranges', 'x-expected-minItems': 'a non-empty array of ranges' },
);

const routeSchema = record(
  {
    dst: str('Destination, a CIDR such as "0.0.0.0/0".', 'a CIDR string'),
    gw: z.optional(address('Next hop (default: the gateway of the range the address came from).')),
    mtu: integer('MTU of the route.'),
    advmss: integer('Advertised MSS of the route.'),
    priority: integer('Route priority (metric).'),
    table: integer('Routing table.'),
    scope: integer('Route scope.'),
  },
  'A route to return in the result.',
  'a route must be an object with a "dst"',
);

/**
 * The `ipam` section of a plugin that delegates to host-local. dataDir and resolvConf must not
 * hold NUL, which JSON Schema cannot say: config.ts checks it.
 */
export const hostLocalIpamSchema = record(
  {
    type: z.optional(str('The IPAM plugin to run: "host-local".')),
    subnet: z.optional(rangeKeys.subnet),
    rangeStart: rangeKeys.rangeStart,
    rangeEnd: rangeKeys.rangeEnd,
    gateway: rangeKeys.gateway,
    ranges: z.optional(list(rangeSetSchema, 'Range sets; one address from each (the legacy subnet keys make one more, before these).', 'an array of range sets')),
    routes: z.optional(list(routeSchema, 'Routes to return in the result.', 'an array of {"dst", "gw"}')),
    dataDir: z.optional(path(`Where reservations are recorded (default ${DEFAULT_DATA_DIR}).`)),
    resolvConf: z.optional(path('A resolv.conf file whose settings are returned as the result\'s DNS.')),
  },
  'host-local IPAM: allocates addresses from ranges, recorded in files under dataDir.',
);

const ips = (description: string) => z.optional(list(address(''), description, 'an array of IP address strings'));

/** What host-local reads of a request outside the ipam section: the requested addresses and ranges. */
export const hostLocalRequestSchema = openRecord(
  {
    args: z.optional(openRecord({ cni: z.optional(openRecord({ ips: ips('Addresses to allocate.') }, '')) }, '')),
    runtimeConfig: z.optional(
      openRecord({ ips: ips('Addresses to allocate (the ips capability).'), ipRanges: z.optional(list(rangeSetSchema, 'Range sets (the ipRanges capability).', 'an array of range sets')) }, ''),
    ),
  },
  '',
);

export type HostLocalIpamKeys = z.output<typeof hostLocalIpamSchema>;
export type HostLocalRequestKeys = z.output<typeof hostLocalRequestSchema>;
