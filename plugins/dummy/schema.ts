// The dummy plugin's configuration keys, as written in a conflist: the source of
// schemas/dummy.json (npm run schemas), which config.ts checks a configuration against.
// Imported for types only by the plugin, so zod stays out of it (see lib/cni/schema.ts).
import * as z from 'zod/mini';
import { netConfKeys, openRecord, record, str } from '../../lib/cni/schema.ts';

/**
 * The dummy plugin's configuration keys: the spec's, and a required `ipam` (the reference has
 * no keys of its own, not even an MTU).
 */
export const dummySchema = record(
  {
    ...netConfKeys,
    ipam: openRecord(
      { type: str('The IPAM plugin to run, such as "host-local".') },
      'The IPAM plugin\'s configuration (required: a dummy interface is there to carry addresses).',
    ),
  },
  'The dummy plugin: a dummy interface in the pod carrying IPAM\'s addresses (service or metadata addresses).',
);

/** The dummy configuration's keys once checked (nulls dropped). */
export type DummyKeys = z.output<typeof dummySchema>;
