// The bandwidth plugin's configuration keys, as written in a conflist: the source of
// schemas/bandwidth.json (npm run schemas), which config.ts checks a configuration against
// after folding the keys' case (Go matches them case-insensitively). Imported for types only
// by the plugin, so zod stays out of it (see lib/cni/schema.ts).
import * as z from 'zod/mini';
import { described, int, netConfKeys, openRecord, record } from '../../lib/cni/schema.ts';

/** JSON numbers are exact up to here; Go's uint64 goes further, but no link is that fast. */
const MAX_BITS = Number.MAX_SAFE_INTEGER;

/** The four keys of a bandwidth entry, in bits per second and bits, as kubelet's annotations give them. */
export const bandwidthEntry = {
  ingressRate: z.optional(int(0, MAX_BITS, 'Rate limit of traffic into the pod, in bits per second (0: none). Needs ingressBurst.', 'an integer of bits per second from 0 to 9007199254740991')),
  ingressBurst: z.optional(int(0, MAX_BITS, 'Burst of traffic into the pod, in bits (under 4 GiB as bytes). Needs ingressRate.', 'an integer of bits from 0 to 9007199254740991')),
  egressRate: z.optional(int(0, MAX_BITS, 'Rate limit of traffic from the pod, in bits per second (0: none). Needs egressBurst.', 'an integer of bits per second from 0 to 9007199254740991')),
  egressBurst: z.optional(int(0, MAX_BITS, 'Burst of traffic from the pod, in bits (under 4 GiB as bytes). Needs egressRate.', 'an integer of bits from 0 to 9007199254740991')),
};

/** The bandwidth plugin's configuration keys, as written in a conflist. */
export const bandwidthSchema = record(
  {
    ...netConfKeys,
    ...bandwidthEntry,
    runtimeConfig: z.optional(
      openRecord(
        {
          bandwidth: z.optional(
            described(
              z.looseObject(bandwidthEntry),
              'The bandwidth capability: the same four keys, any case (containerd sends IngressRate...). Used only when the configuration has none of them.',
            ),
          ),
        },
        'Capability arguments, set by the runtime.',
      ),
    ),
  },
  'The bandwidth plugin: token bucket shaping of a pod\'s traffic on the host side of its veth (chained after an interface plugin).',
);

export type BandwidthKeys = z.output<typeof bandwidthSchema>;
