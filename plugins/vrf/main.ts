import { pluginMain } from '../../lib/cni/index.ts';
import { processIo } from '../../lib/sys/index.ts';
import { add } from './add.ts';
import { check } from './check.ts';
import { del } from './del.ts';

// GC and STATUS: none, as Go's (success from 1.1.0): the VRF lives in the pod and goes with it,
// and there is nothing on the node to collect or to be unavailable.
pluginMain({ name: 'vrf', handlers: { add, del, check } }, processIo());
