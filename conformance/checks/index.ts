// Every check of the suite, in report order.
import type { Check } from '../types.ts';
import { BRIDGE_CHECKS } from './bridge.ts';
import { HOST_LOCAL_CHECKS } from './host-local.ts';
import { INTEROP_CHECKS } from './interop.ts';
import { LOOPBACK_CHECKS } from './loopback.ts';
import { PORTMAP_CHECKS } from './portmap.ts';
import { PROTOCOL_CHECKS } from './protocol.ts';

/** The whole suite. */
export const ALL_CHECKS: readonly Check[] = [...PROTOCOL_CHECKS, ...LOOPBACK_CHECKS, ...HOST_LOCAL_CHECKS, ...BRIDGE_CHECKS, ...PORTMAP_CHECKS, ...INTEROP_CHECKS];
