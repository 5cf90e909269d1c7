// The vrf plugin's configuration keys, as written in a conflist: the source of
// schemas/vrf.json (npm run schemas), which config.ts checks a configuration against.
// Imported for types only by the plugin, so zod stays out of it (see lib/cni/schema.ts).
import * as z from 'zod/mini';
import { int, netConfKeys, record, str } from '../../lib/cni/schema.ts';

/** The vrf plugin's configuration keys, as written in a conflist. */
export const vrfSchema = record(
  {
    ...netConfKeys,
    vrfname: str('The VRF device to put the pod\'s interface in (created in the pod if missing).'),
    table: z.optional(int(0, 4294967295, 'Routing table of a new VRF (0 or absent: the lowest one no VRF of the pod uses; not 253-255).', 'an integer from 0 to 4294967295')),
  },
  'The vrf plugin (chained): puts the interface of the plugin before it into a VRF inside the pod.',
);

/** The vrf configuration's keys once checked (nulls dropped). */
export type VrfKeys = z.output<typeof vrfSchema>;
