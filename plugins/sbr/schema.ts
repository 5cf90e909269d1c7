// The sbr plugin's configuration keys, as written in a conflist: the source of schemas/sbr.json
// (npm run schemas), which config.ts checks a configuration against. Imported for types only
// by the plugin, so zod stays out of it (see lib/cni/schema.ts).
import * as z from 'zod/mini';
import { int, netConfKeys, record } from '../../lib/cni/schema.ts';

/** Routing tables are 32-bit; 0 means "unspecified" to the kernel. */
export const MAX_TABLE = 4294967295;

/** The sbr plugin's configuration keys, as written in a conflist. */
export const sbrSchema = record(
  {
    ...netConfKeys,
    table: z.optional(
      int(
        1,
        MAX_TABLE,
        'Routing table for the "from <address>" rules; the interface\'s routes are then left alone (absent: the first free table from 100 on, one per address, with the interface\'s routes moved into it).',
        'an integer from 1 to 4294967295 other than 253, 254 and 255 (the kernel\'s default, main and local tables)',
      ),
    ),
  },
  'The sbr plugin: source-based routing for the pod\'s interface (chained after an interface plugin).',
);

/** The sbr configuration's keys once checked (nulls dropped). */
export type SbrKeys = z.output<typeof sbrSchema>;
