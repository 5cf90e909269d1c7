import * as z from 'zod/mini';
import { netConfKeys, record } from '../../lib/cni/schema.ts';

/**
 * loopback's configuration: only the keys every plugin has. loopback itself reads none of them,
 * so this schema exists for schemas/loopback.json and `cnitool validate`, not for the plugin.
 */
export const loopbackSchema = record(netConfKeys, 'The loopback plugin: brings up "lo" in the container.');

export type LoopbackKeys = z.output<typeof loopbackSchema>;
