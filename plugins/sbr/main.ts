import { pluginMain } from '../../lib/cni/index.ts';
import { processIo } from '../../lib/sys/index.ts';
import { add } from './add.ts';
import { check } from './check.ts';
import { del } from './del.ts';

// GC and STATUS: none, as Go's. Everything sbr makes lives in the pod's namespace and goes
// with it; there is nothing on the node to collect.
pluginMain({ name: 'sbr', handlers: { add, del, check } }, processIo());
